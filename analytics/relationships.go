package analytics

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// ActionKind is the kind of something the business did: a "give" (helping
// or recognising others) or an "ask" (asking its audience for something).
type ActionKind string

// Action kinds. Give: ActionRepost, ActionHelpfulReply, ActionComment,
// ActionLike. Ask: ActionPromotion, ActionCallToAction. ActionPost neither
// gives nor asks (an informational post of the business's own).
const (
	ActionRepost       ActionKind = "repost"         // a repost of another's post
	ActionHelpfulReply ActionKind = "helpful_reply"  // an answer that helps someone
	ActionComment      ActionKind = "comment"        // a comment on another's post
	ActionLike         ActionKind = "like"           // a like of another's post
	ActionPromotion    ActionKind = "promotion"      // a post promoting an offer or product
	ActionCallToAction ActionKind = "call_to_action" // a post asking to buy, sign up, click
	ActionPost         ActionKind = "post"           // any other own post
)

// Gives reports whether the kind is a giving action.
func (k ActionKind) Gives() bool {
	switch k {
	case ActionRepost, ActionHelpfulReply, ActionComment, ActionLike:
		return true
	}
	return false
}

// Asks reports whether the kind is an asking post.
func (k ActionKind) Asks() bool { return k == ActionPromotion || k == ActionCallToAction }

// Action is one thing the business did on a platform, as plain data (the
// campaign and engage packages produce it).
type Action struct {
	Platform providers.Platform `json:"platform"`
	Kind     ActionKind         `json:"kind"`
	At       time.Time          `json:"at"`
	// Target is the platform id of the account the action was towards (the
	// author of the post liked, reposted or answered); empty for own posts.
	Target string `json:"target,omitempty"`
	// TargetHandle is Target's handle where known (the Handle of the
	// providers.Account the action answered): reports name the person by
	// it instead of the bare id.
	TargetHandle string `json:"target_handle,omitempty"`
}

// GiveAsk is the balance of giving and asking in a period.
type GiveAsk struct {
	Gives int `json:"gives"`
	Asks  int `json:"asks"`
	// Other counts actions that neither give nor ask.
	Other int `json:"other"`
	// Ratio is Gives / Asks; absent when there were no asks.
	Ratio Rate `json:"ratio"`
	// GiveShare is Gives / (Gives + Asks); absent when there were neither.
	GiveShare Share `json:"give_share"`
}

// GiveAskRatio counts the giving and asking actions in the period (all of
// them when platform is empty, else that platform's).
func GiveAskRatio(actions []Action, platform providers.Platform, p Period) GiveAsk {
	var g GiveAsk
	for _, a := range actions {
		if (platform != "" && a.Platform != platform) || !p.Contains(a.At) {
			continue
		}
		switch {
		case a.Kind.Gives():
			g.Gives++
		case a.Kind.Asks():
			g.Asks++
		default:
			g.Other++
		}
	}
	g.Ratio = ratio(providers.Known(int64(g.Gives)), providers.Known(int64(g.Asks)), 1)
	g.GiveShare = NewShare(int64(g.Gives), providers.Known(int64(g.Gives+g.Asks)))
	return g
}

// engages reports whether an interaction counts as engagement (a follow
// does not).
func engages(in providers.Interaction) bool { return in.Kind != providers.Follow }

// ActiveFollowers returns the share of followers (platform ids, duplicates
// ignored) who engaged in the period: mentioned, commented, replied,
// messaged, quoted, reposted or liked. Follows are not engagement. With no
// followers the share is absent.
func ActiveFollowers(followers []string, interactions []providers.Interaction, p Period) Share {
	set := make(map[string]bool, len(followers))
	for _, f := range followers {
		set[f] = false
	}
	var active int64
	for _, in := range interactions {
		if !engages(in) || !p.Contains(in.OccurredAt) {
			continue
		}
		if seen, ok := set[in.Author.ID]; ok && !seen {
			set[in.Author.ID] = true
			active++
		}
	}
	return NewShare(active, providers.Known(int64(len(set))))
}

// CustomerShare returns the share of followers who are customers, from the
// number of followers matched to the customer list (audience's match
// results) and the follower count. Absent when the count is absent or zero.
func CustomerShare(matchedCustomers int64, followers providers.Count) Share {
	return NewShare(matchedCustomers, followers)
}

// CustomerShareOf returns the share of followers (ids) whose id is among
// the customers' matched account ids.
func CustomerShareOf(followers, customerAccounts []string) Share {
	cust := make(map[string]bool, len(customerAccounts))
	for _, c := range customerAccounts {
		cust[c] = true
	}
	seen := make(map[string]bool, len(followers))
	var n int64
	for _, f := range followers {
		if seen[f] {
			continue
		}
		seen[f] = true
		if cust[f] {
			n++
		}
	}
	return NewShare(n, providers.Known(int64(len(seen))))
}

// StrengthWeights tune RelationshipStrength. The zero value means the
// defaults: weights 0.4, 0.4, 0.2, a 30-day half-life and a frequency
// scale of 5 touches.
type StrengthWeights struct {
	Recency, Frequency, Reciprocity float64
	// HalfLife is the age of the last touch at which recency is 0.5.
	HalfLife time.Duration
	// FrequencyScale is the number of touches at which frequency is 0.5.
	FrequencyScale float64
}

// DefaultStrengthWeights are the weights used when none are given.
func DefaultStrengthWeights() StrengthWeights {
	return StrengthWeights{Recency: 0.4, Frequency: 0.4, Reciprocity: 0.2, HalfLife: 30 * 24 * time.Hour, FrequencyScale: 5}
}

// StrengthInput is the data RelationshipStrength works on.
type StrengthInput struct {
	Period Period
	// Interactions are the inbound interactions (their touches).
	Interactions []providers.Interaction
	// Actions are the business's actions; those with a Target are its
	// touches towards that account.
	Actions []Action
	// Followers, when not nil, limits scoring to these account ids and
	// scores every one of them, untouched followers included (score 0).
	Followers []string
	// Weights tune the score; zero means DefaultStrengthWeights.
	Weights StrengthWeights
}

// Strength is the relationship strength with one person.
type Strength struct {
	Platform providers.Platform `json:"platform"`
	Account  string             `json:"account"`
	Handle   string             `json:"handle,omitempty"`
	// Inbound counts their interactions with the business, Outbound the
	// business's actions towards them, in the period.
	Inbound   int       `json:"inbound"`
	Outbound  int       `json:"outbound"`
	LastTouch time.Time `json:"last_touch,omitzero"`
	// Recency, Frequency and Reciprocity are the components in [0, 1].
	Recency     float64 `json:"recency"`
	Frequency   float64 `json:"frequency"`
	Reciprocity float64 `json:"reciprocity"`
	// Score is the weighted mean of the components × 100, in [0, 100].
	Score float64 `json:"score"`
}

// RelationshipStrength scores each person's relationship with the business
// over the period from recency, frequency and reciprocity of touches (their
// interactions, follows excluded, and the business's actions towards them):
//
//	t = inbound + outbound touches in the period
//	recency     R = 0.5^(age / HalfLife), age = Period.To − last touch (0 when never touched)
//	frequency   F = t / (t + FrequencyScale)
//	reciprocity Q = min(inbound, outbound) / max(inbound, outbound) (0 when t = 0)
//	score       = 100 × (wR·R + wF·F + wQ·Q) / (wR + wF + wQ)
//
// So a follower who wrote 5 times and was answered 5 times, last touched a
// half-life ago, scores 100 × (0.4·0.5 + 0.4·(10/15) + 0.2·1) = 66.67 with
// the default weights. Results are ordered by score, highest first, then
// by account. Handle is the person's latest handle seen in the
// interactions (their Author) or the actions (TargetHandle); empty when
// neither names it.
func RelationshipStrength(in StrengthInput) []Strength {
	w := in.Weights
	if w == (StrengthWeights{}) {
		w = DefaultStrengthWeights()
	}
	if w.HalfLife <= 0 {
		w.HalfLife = DefaultStrengthWeights().HalfLife
	}
	if w.FrequencyScale <= 0 {
		w.FrequencyScale = DefaultStrengthWeights().FrequencyScale
	}
	type key struct {
		p  providers.Platform
		id string
	}
	people := map[key]*Strength{}
	var limit map[string]bool
	if in.Followers != nil {
		limit = make(map[string]bool, len(in.Followers))
		for _, f := range in.Followers {
			limit[f] = true
		}
	}
	get := func(p providers.Platform, id string) *Strength {
		if id == "" || (limit != nil && !limit[id]) {
			return nil
		}
		k := key{p, id}
		s := people[k]
		if s == nil {
			s = &Strength{Platform: p, Account: id}
			people[k] = s
		}
		return s
	}
	handleAt := map[*Strength]time.Time{}
	name := func(s *Strength, handle string, at time.Time) {
		if handle != "" && (s.Handle == "" || at.After(handleAt[s])) {
			s.Handle, handleAt[s] = handle, at
		}
	}
	touch := func(s *Strength, at time.Time) {
		if at.After(s.LastTouch) {
			s.LastTouch = at
		}
	}
	for _, it := range in.Interactions {
		if !engages(it) || !in.Period.Contains(it.OccurredAt) {
			continue
		}
		if s := get(it.Platform, it.Author.ID); s != nil {
			s.Inbound++
			name(s, it.Author.Handle, it.OccurredAt)
			touch(s, it.OccurredAt)
		}
	}
	for _, a := range in.Actions {
		if a.Target == "" || !in.Period.Contains(a.At) {
			continue
		}
		if s := get(a.Platform, a.Target); s != nil {
			s.Outbound++
			name(s, a.TargetHandle, a.At)
			touch(s, a.At)
		}
	}
	out := make([]Strength, 0, len(people)+len(in.Followers))
	scored := map[string]bool{}
	for _, s := range people {
		t := float64(s.Inbound + s.Outbound)
		if t > 0 {
			age := max(in.Period.To.Sub(s.LastTouch), 0)
			s.Recency = math.Pow(0.5, float64(age)/float64(w.HalfLife))
			s.Frequency = t / (t + w.FrequencyScale)
			s.Reciprocity = float64(min(s.Inbound, s.Outbound)) / float64(max(s.Inbound, s.Outbound))
		}
		sum := w.Recency + w.Frequency + w.Reciprocity
		if sum > 0 {
			s.Score = 100 * (w.Recency*s.Recency + w.Frequency*s.Frequency + w.Reciprocity*s.Reciprocity) / sum
		}
		out = append(out, *s)
		scored[s.Account] = true
	}
	for _, f := range in.Followers {
		if !scored[f] {
			scored[f] = true
			out = append(out, Strength{Account: f})
		}
	}
	slices.SortFunc(out, func(a, b Strength) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Account, b.Account))
	})
	return out
}

// Advocate is someone who shares the business's posts.
type Advocate struct {
	Platform providers.Platform `json:"platform"`
	Account  providers.Account  `json:"account"`
	// Shares counts their reposts and quotes of the business's posts in
	// the period; Engagements all their interactions (follows excluded).
	Shares      int `json:"shares"`
	Engagements int `json:"engagements"`
	// Followers is their follower count (the latest seen); Overlap how many
	// of them also follow the business, where known.
	Followers providers.Count `json:"followers"`
	Overlap   providers.Count `json:"overlap"`
	// NewReach is Followers − Overlap (never below 0): people a share
	// reaches who do not already follow the business. When Overlap is
	// unknown it is Followers, an upper bound, and Estimated is true.
	// Absent when Followers is absent.
	NewReach  providers.Count `json:"new_reach"`
	Estimated bool            `json:"estimated"`
}

// Advocates finds the people who reposted or quoted the business's posts
// in the period, ranked by the new people their shares reach (NewReach,
// absent last), then by shares, then by account id. overlap maps an
// account id to the number of its followers who also follow the business
// (see Overlap); missing entries are unknown.
func Advocates(interactions []providers.Interaction, overlap map[string]int64, p Period) []Advocate {
	type key struct {
		p  providers.Platform
		id string
	}
	type seen struct {
		adv  Advocate
		last time.Time
	}
	people := map[key]*seen{}
	for _, in := range interactions {
		if !engages(in) || !p.Contains(in.OccurredAt) || in.Author.ID == "" {
			continue
		}
		k := key{in.Platform, in.Author.ID}
		s := people[k]
		if s == nil {
			s = &seen{adv: Advocate{Platform: in.Platform, Account: in.Author}}
			people[k] = s
		}
		s.adv.Engagements++
		if in.Kind == providers.Repost || in.Kind == providers.Quote {
			s.adv.Shares++
		}
		if !in.OccurredAt.Before(s.last) {
			s.last = in.OccurredAt
			if in.Author.Followers.Valid || !s.adv.Account.Followers.Valid {
				s.adv.Account = in.Author
			}
		}
	}
	var out []Advocate
	for _, s := range people {
		a := s.adv
		if a.Shares == 0 {
			continue
		}
		a.Followers = a.Account.Followers
		if o, ok := overlap[a.Account.ID]; ok {
			a.Overlap = providers.Known(o)
		}
		switch {
		case !a.Followers.Valid:
		case a.Overlap.Valid:
			a.NewReach = providers.Known(max(a.Followers.Value-a.Overlap.Value, 0))
		default:
			a.NewReach = a.Followers
			a.Estimated = true
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Advocate) int {
		if a.NewReach.Valid != b.NewReach.Valid {
			if a.NewReach.Valid {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.NewReach.Value, a.NewReach.Value), cmp.Compare(b.Shares, a.Shares),
			cmp.Compare(a.Platform, b.Platform), cmp.Compare(a.Account.ID, b.Account.ID))
	})
	return out
}

// Overlap counts the ids in theirFollowers (duplicates ignored) that are
// also in ourFollowers.
func Overlap(theirFollowers, ourFollowers []string) int64 {
	ours := make(map[string]bool, len(ourFollowers))
	for _, f := range ourFollowers {
		ours[f] = true
	}
	var n int64
	for _, f := range theirFollowers {
		if ours[f] {
			n++
			ours[f] = false
		}
	}
	return n
}
