// Package simulate drives a providers/memory network with simulated people
// who behave the way real audiences do, so that examples and tests show why
// the practices rapport encourages matter.
//
// The model, per person, is small and documented by Params:
//
//   - Goodwill (0..1) towards the business. It rises when the business
//     answers the person in time, and falls when a question or complaint is
//     ignored. Every engagement probability is multiplied by it.
//   - Seeing posts: each follower sees each new post of the business with
//     probability SeeChance, then likes, replies or reposts it with the base
//     chances, times goodwill.
//   - Hard selling: a post that asks (a call to buy, a discount, a code...)
//     is met with AskMultiplier times the usual engagement, and with
//     EarlyAskMultiplier instead while fewer than GiveFirst giving posts
//     (tips, stories, questions, shares) have gone out before it.
//   - Writing in: each day a person writes to the business with
//     chance WriteInPerDay: a question, a service request or (when goodwill
//     is low) a complaint, as a public mention or a direct message.
//   - Being answered: a person answered within AnswerWindow gains
//     AnsweredGoodwill and becomes an advocate with chance AdvocateChance;
//     answered later, half of that. Unanswered after IgnoredAfter, they
//     lose IgnoredGoodwill, unfollow with chance IgnoredUnfollowChance and
//     may complain publicly.
//   - Advocates repost the business AdvocateRepostMultiplier times as
//     often, and each of their reposts wins a non-follower with chance
//     DiscoveryChance.
//
// Everything is driven by the network's clock and a seed: the same seed and
// the same actions of the business give the same run.
package simulate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// Params are the behaviour model's parameters; DefaultParams gives values
// in the range reported for small-business audiences.
type Params struct {
	SeeChance                float64       // a follower sees a given post
	LikeChance               float64       // a viewer likes it (times goodwill)
	ReplyChance              float64       // a viewer replies to it (times goodwill)
	RepostChance             float64       // a viewer reposts it (times goodwill)
	AskMultiplier            float64       // engagement on asking posts once the business has given
	EarlyAskMultiplier       float64       // engagement on asking posts before GiveFirst giving posts
	GiveFirst                int           // giving posts expected before asking
	WriteInPerDay            float64       // chance a follower writes to the business on a day
	DirectShare              float64       // share of write-ins sent as direct messages
	AnswerWindow             time.Duration // an answer within it counts as timely
	IgnoredAfter             time.Duration // unanswered this long counts as ignored
	AnsweredGoodwill         float64       // goodwill gained by a timely answer
	IgnoredGoodwill          float64       // goodwill lost when ignored
	IgnoredUnfollowChance    float64       // an ignored follower unfollows
	AdvocateChance           float64       // a timely answered person becomes an advocate
	AdvocateRepostMultiplier float64       // advocates repost this many times as often
	DiscoveryChance          float64       // a repost wins a non-follower
}

// DefaultParams returns the documented default model.
func DefaultParams() Params {
	return Params{
		SeeChance: 0.35, LikeChance: 0.25, ReplyChance: 0.04, RepostChance: 0.03,
		AskMultiplier: 0.7, EarlyAskMultiplier: 0.25, GiveFirst: 4,
		WriteInPerDay: 0.02, DirectShare: 0.3,
		AnswerWindow: 4 * time.Hour, IgnoredAfter: 24 * time.Hour,
		AnsweredGoodwill: 0.15, IgnoredGoodwill: 0.3, IgnoredUnfollowChance: 0.35,
		AdvocateChance: 0.5, AdvocateRepostMultiplier: 6, DiscoveryChance: 0.25,
	}
}

// Person is one simulated member of the audience.
type Person struct {
	Handle      string
	DisplayName string
	Bio         string
	Location    string
	// Follows says whether the person follows the business at the start.
	Follows bool
	// Goodwill starts at 0.6 when zero.
	Goodwill float64
}

// Stats count what the simulated people did.
type Stats struct {
	Likes, Replies, Reposts      int
	WriteIns, DirectMessages     int
	AnsweredInTime, AnsweredLate int
	Ignored                      int
	Unfollows, NewFollowers      int
	Advocates                    int
	Complaints                   int
}

type person struct {
	Person
	client   *memory.Client
	follows  bool
	advocate bool
}

type pending struct {
	who    *person
	post   providers.Ref
	direct bool
	at     time.Time
}

// Sim is a simulated audience around one business account.
type Sim struct {
	net      *memory.Network
	business string
	params   Params
	rng      *rand.Rand
	people   []*person
	byHandle map[string]*person
	pending  []pending
	seen     map[string]bool // business posts already shown
	given    int             // giving posts published so far
	lastStep time.Time
	stats    Stats
	topics   []string
}

// New creates the people on net (their accounts and follows) around the
// business account with handle business, which must exist.
func New(ctx context.Context, net *memory.Network, business string, people []Person, params Params, seed uint64) (*Sim, error) {
	if _, err := net.Account(business); err != nil {
		return nil, fmt.Errorf("simulate: business %q: %w", business, err)
	}
	s := &Sim{net: net, business: business, params: params, rng: rand.New(rand.NewPCG(seed, 0x5eed)),
		byHandle: map[string]*person{}, seen: map[string]bool{}, lastStep: net.Now(),
		topics: []string{"opening hours", "my order", "allergens", "delivery", "a booking", "the gift cards"}}
	for _, p := range people {
		if p.Handle == "" {
			return nil, errors.New("simulate: a person without a handle")
		}
		if p.Goodwill == 0 {
			p.Goodwill = 0.6
		}
		if _, err := net.Account(p.Handle); err != nil {
			if _, err := net.CreateAccount(providers.Account{Handle: p.Handle, DisplayName: p.DisplayName, Bio: p.Bio, Location: p.Location}); err != nil {
				return nil, fmt.Errorf("simulate: %w", err)
			}
		}
		c, err := net.Client(p.Handle)
		if err != nil {
			return nil, err
		}
		pp := &person{Person: p, client: c}
		if p.Follows {
			if err := retry(func() error { return c.Follow(ctx, business) }); err != nil {
				return nil, err
			}
			pp.follows = true
		}
		s.people = append(s.people, pp)
		s.byHandle[p.Handle] = pp
	}
	return s, nil
}

// Stats returns what the people did so far.
func (s *Sim) Stats() Stats {
	st := s.stats
	for _, p := range s.people {
		if p.advocate {
			st.Advocates++
		}
	}
	return st
}

// Goodwill returns a person's goodwill, and false for an unknown handle.
func (s *Sim) Goodwill(handle string) (float64, bool) {
	p, ok := s.byHandle[handle]
	if !ok {
		return 0, false
	}
	return p.Goodwill, true
}

// IsAsk reports whether a post asks for something: a purchase, a booking,
// a sign-up, a discount code. The simulated people judge posts this way.
func IsAsk(text string) bool {
	t := strings.ToLower(text)
	for _, w := range []string{"buy", "order now", "% off", "discount", "code ", "sale", "shop now", "book now",
		"sign up", "limited time", "pre-order", "preorder", "use code", "redeem", "deal"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

func (s *Sim) chance(p float64) bool { return s.rng.Float64() < p }

// retry runs op again, up to four attempts, while it fails with an error a
// patient person would retry (a rate limit, an outage, a lost response).
// The operations it wraps are idempotent (a draft's key, a like, a
// follow), so a retry never doubles an action.
func retry(op func() error) error {
	var err error
	for range 4 {
		if err = op(); err == nil || !providers.IsRetryable(err) {
			return err
		}
	}
	return err
}

// Step lets the people act on everything that happened since the last
// step, up to the network clock's now: they react to new posts of the
// business, write in, and judge whether they were answered.
func (s *Sim) Step(ctx context.Context) error {
	now := s.net.Now()
	days := now.Sub(s.lastStep).Hours() / 24
	if days < 0 {
		days = 0
	}
	biz, err := s.net.Client(s.business)
	if err != nil {
		return err
	}
	// New posts of the business, oldest first.
	var fresh []providers.Post
	for p, err := range biz.Posts(ctx, providers.PostsOptions{Since: s.lastStep.Add(-time.Second)}) {
		if err != nil {
			return err
		}
		if s.seen[p.ID] || !p.ReplyTo.IsZero() || p.Visibility == providers.VisibilityDirect {
			continue
		}
		fresh = append(fresh, p)
	}
	for i := len(fresh) - 1; i >= 0; i-- {
		if err := s.showPost(ctx, fresh[i]); err != nil {
			return err
		}
	}
	if err := s.judgeAnswers(ctx, now); err != nil {
		return err
	}
	if err := s.writeIns(ctx, days); err != nil {
		return err
	}
	s.lastStep = now
	return nil
}

func (s *Sim) showPost(ctx context.Context, p providers.Post) error {
	s.seen[p.ID] = true
	mult := 1.0
	if IsAsk(p.Text) {
		mult = s.params.AskMultiplier
		if s.given < s.params.GiveFirst {
			mult = s.params.EarlyAskMultiplier
		}
	} else {
		s.given++
	}
	for _, pp := range s.people {
		if !pp.follows || !s.chance(s.params.SeeChance) {
			continue
		}
		g := pp.Goodwill * mult
		if s.chance(s.params.LikeChance * g) {
			if err := retry(func() error { return pp.client.React(ctx, providers.ReactLike, p.Ref) }); err != nil {
				return err
			}
			s.stats.Likes++
		}
		repost := s.params.RepostChance * g
		if pp.advocate {
			repost *= s.params.AdvocateRepostMultiplier
		}
		if s.chance(repost) {
			if err := retry(func() error { return pp.client.React(ctx, providers.ReactRepost, p.Ref) }); err != nil {
				return err
			}
			s.stats.Reposts++
			if err := s.discover(ctx); err != nil {
				return err
			}
		}
		if s.chance(s.params.ReplyChance * g) {
			text := fmt.Sprintf("@%s %s", s.business, s.pick([]string{"love this!", "looks great", "can't wait", "so good 😍", "yes please"}))
			d := providers.Draft{Text: text, ReplyTo: p.Ref, IdempotencyKey: providers.NewIdempotencyKey()}
			if err := retry(func() error { _, err := pp.client.Publish(ctx, d); return err }); err != nil {
				return err
			}
			s.stats.Replies++
		}
	}
	return nil
}

// discover lets a repost win a non-follower.
func (s *Sim) discover(ctx context.Context) error {
	if !s.chance(s.params.DiscoveryChance) {
		return nil
	}
	var candidates []*person
	for _, pp := range s.people {
		if !pp.follows {
			candidates = append(candidates, pp)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	pp := candidates[s.rng.IntN(len(candidates))]
	if err := retry(func() error { return pp.client.Follow(ctx, s.business) }); err != nil {
		return err
	}
	pp.follows = true
	s.stats.NewFollowers++
	return nil
}

func (s *Sim) pick(options []string) string { return options[s.rng.IntN(len(options))] }

func (s *Sim) writeIns(ctx context.Context, days float64) error {
	for _, pp := range s.people {
		if !pp.follows || !s.chance(s.params.WriteInPerDay*days) {
			continue
		}
		topic := s.pick(s.topics)
		var text string
		switch {
		case pp.Goodwill < 0.35:
			text = fmt.Sprintf("still waiting to hear back about %s. not impressed.", topic)
			s.stats.Complaints++
		case s.chance(0.5):
			text = fmt.Sprintf("hi! quick question about %s — can you help?", topic)
		default:
			text = fmt.Sprintf("there's a problem with %s, could someone look into it please?", topic)
		}
		direct := s.chance(s.params.DirectShare)
		var post providers.Post
		var err error
		key := providers.NewIdempotencyKey()
		if direct {
			err = retry(func() (err error) {
				post, err = pp.client.SendMessage(ctx, s.business, providers.Draft{Text: text, IdempotencyKey: key})
				return err
			})
			s.stats.DirectMessages++
		} else {
			err = retry(func() (err error) {
				post, err = pp.client.Publish(ctx, providers.Draft{Text: "@" + s.business + " " + text, IdempotencyKey: key})
				return err
			})
		}
		if err != nil {
			return err
		}
		s.stats.WriteIns++
		s.pending = append(s.pending, pending{who: pp, post: post.Ref, direct: direct, at: post.CreatedAt})
	}
	return nil
}

// answeredAt returns when the business first answered the post, if it did.
func (s *Sim) answeredAt(ctx context.Context, w pending) (time.Time, bool, error) {
	th, err := w.who.client.Thread(ctx, w.post)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, r := range th.Replies {
		if r.Author.Handle == s.business {
			return r.CreatedAt, true, nil
		}
	}
	if w.direct {
		// A direct answer arrives as a message to the person.
		for it, err := range w.who.client.DirectMessages(ctx, providers.InboxOptions{}) {
			if err != nil {
				return time.Time{}, false, err
			}
			if it.Author.Handle == s.business && !it.OccurredAt.Before(w.at) {
				return it.OccurredAt, true, nil
			}
		}
	}
	return time.Time{}, false, nil
}

func (s *Sim) judgeAnswers(ctx context.Context, now time.Time) error {
	keep := s.pending[:0]
	for _, w := range s.pending {
		at, ok, err := s.answeredAt(ctx, w)
		if err != nil {
			return err
		}
		switch {
		case ok && at.Sub(w.at) <= s.params.AnswerWindow:
			s.stats.AnsweredInTime++
			w.who.Goodwill = min(1, w.who.Goodwill+s.params.AnsweredGoodwill)
			if s.chance(s.params.AdvocateChance) {
				w.who.advocate = true
			}
		case ok:
			s.stats.AnsweredLate++
			w.who.Goodwill = min(1, w.who.Goodwill+s.params.AnsweredGoodwill/2)
			if s.chance(s.params.AdvocateChance / 2) {
				w.who.advocate = true
			}
		case now.Sub(w.at) >= s.params.IgnoredAfter:
			s.stats.Ignored++
			w.who.Goodwill = max(0, w.who.Goodwill-s.params.IgnoredGoodwill)
			if w.who.follows && s.chance(s.params.IgnoredUnfollowChance) {
				if err := retry(func() error { return w.who.client.Unfollow(ctx, s.business) }); err != nil {
					return err
				}
				w.who.follows = false
				s.stats.Unfollows++
			}
		default:
			keep = append(keep, w)
		}
	}
	s.pending = keep
	return nil
}
