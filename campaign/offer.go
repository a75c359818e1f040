package campaign

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// EmailChannel is the channel of redemptions made with an offer's email
// code (the offer as sent to the email list).
const EmailChannel providers.Platform = "email"

// Offer is a social-first offer: followers on each platform get it, with
// a code of their own, before it goes to the email list.
type Offer struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// PlanID is the plan the offer belongs to, if any.
	PlanID string `json:"plan_id,omitempty"`
	// TimeZone is the IANA zone of the window's times; empty means the
	// plan's zone (or UTC for an offer outside a plan).
	TimeZone string `json:"time_zone,omitempty"`
	// Codes holds one redemption code per platform, so each redemption is
	// attributed to the platform whose followers got it.
	Codes map[providers.Platform]string `json:"codes"`
	// EmailCode is the code sent to the email list, if any.
	EmailCode string `json:"email_code,omitempty"`
	// FollowersFrom opens the followers-only window.
	FollowersFrom LocalTime `json:"followers_from"`
	// EmailFrom is when the offer goes to the email list: the end of the
	// followers-only window.
	EmailFrom LocalTime `json:"email_from"`
	// Until ends the offer (exclusive).
	Until LocalTime `json:"until"`
}

// Redemption is one use of an offer's code.
type Redemption struct {
	// ID identifies the redemption (an order or receipt number), so
	// recording it twice is detected.
	ID      string `json:"id"`
	OfferID string `json:"offer_id"`
	Code    string `json:"code"`
	// Channel is the platform the code belongs to, or EmailChannel.
	Channel  providers.Platform `json:"channel"`
	Customer string             `json:"customer,omitempty"`
	At       time.Time          `json:"at"`
}

// ErrOfferClosed: the code is not valid at that time (the offer has not
// opened, has ended, or the email code is used during the followers-only
// window).
var ErrOfferClosed = errors.New("campaign: offer closed")

// OfferPhase is where an offer stands at a moment.
type OfferPhase string

// Offer phases.
const (
	OfferNotOpen       OfferPhase = "not_open"
	OfferFollowersOnly OfferPhase = "followers_only"
	OfferEveryone      OfferPhase = "everyone" // the email list has it too
	OfferEnded         OfferPhase = "ended"
)

// window resolves the offer's times in its zone.
func (o Offer) window() (from, email, until time.Time, err error) {
	loc := time.UTC
	if o.TimeZone != "" {
		if loc, err = time.LoadLocation(o.TimeZone); err != nil {
			return from, email, until, fmt.Errorf("offer %q: time_zone %q: %w", o.ID, o.TimeZone, err)
		}
	}
	from, _ = o.FollowersFrom.Resolve(loc)
	email, _ = o.EmailFrom.Resolve(loc)
	until, _ = o.Until.Resolve(loc)
	return from, email, until, nil
}

// PhaseAt returns the offer's phase at t.
func (o Offer) PhaseAt(t time.Time) (OfferPhase, error) {
	from, email, until, err := o.window()
	if err != nil {
		return "", err
	}
	switch {
	case t.Before(from):
		return OfferNotOpen, nil
	case t.Before(email):
		return OfferFollowersOnly, nil
	case t.Before(until):
		return OfferEveryone, nil
	}
	return OfferEnded, nil
}

// Channel returns the channel a code belongs to (a platform or
// EmailChannel), compared case-insensitively.
func (o Offer) Channel(code string) (providers.Platform, bool) {
	code = strings.TrimSpace(code)
	for _, p := range sortedKeys(o.Codes) {
		if strings.EqualFold(o.Codes[p], code) {
			return p, true
		}
	}
	if o.EmailCode != "" && strings.EqualFold(o.EmailCode, code) {
		return EmailChannel, true
	}
	return "", false
}

// validateOffer checks what an offer needs to run.
func validateOffer(o Offer) error {
	var problems []string
	if o.ID == "" {
		problems = append(problems, "id: is empty")
	}
	n := 0
	for p, c := range o.Codes {
		if strings.TrimSpace(c) == "" {
			problems = append(problems, fmt.Sprintf("codes[%s]: is empty", p))
		}
		n++
	}
	if n == 0 {
		problems = append(problems, "codes: an offer needs a code per platform")
	}
	switch {
	case !o.FollowersFrom.Valid():
		problems = append(problems, "followers_from: is missing")
	case !o.EmailFrom.Valid():
		problems = append(problems, "email_from: is missing")
	case !o.Until.Valid():
		problems = append(problems, "until: is missing")
	case !o.FollowersFrom.Before(o.EmailFrom):
		problems = append(problems, "email_from: must come after followers_from (followers first)")
	case !o.EmailFrom.Before(o.Until):
		problems = append(problems, "until: must come after email_from")
	}
	if len(problems) > 0 {
		return fmt.Errorf("offer %q is invalid: %s", o.ID, strings.Join(problems, "; "))
	}
	return nil
}

// Offers runs social-first offers: it records redemptions, checks each
// code against the offer's window (platform codes from the followers-only
// window on, the email code only once the offer has gone to the email
// list) and attributes every redemption to its channel.
type Offers struct {
	store OfferStore
	cfg   config
}

// NewOffers returns an Offers over store. Options: WithClock, WithLogger.
func NewOffers(store OfferStore, opts ...Option) (*Offers, error) {
	if store == nil {
		return nil, fmt.Errorf("campaign: offers: nil store")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	return &Offers{store: store, cfg: cfg}, nil
}

// Register saves the plan's offers, with the plan's ID and time zone.
func (s *Offers) Register(ctx context.Context, plan *Plan) error {
	for _, o := range plan.Offers {
		o.PlanID = plan.ID
		if o.TimeZone == "" {
			o.TimeZone = plan.TimeZone
		}
		if err := s.Save(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// Save validates and saves one offer.
func (s *Offers) Save(ctx context.Context, o Offer) error {
	if err := validateOffer(o); err != nil {
		return err
	}
	if _, _, _, err := o.window(); err != nil {
		return err
	}
	return s.store.SaveOffer(ctx, o)
}

// Redeem records a redemption of code, identified by id (an order or
// receipt number: recording the same id twice fails with ErrConflict), at
// the current time. It fails with ErrNotFound for an unknown code and
// ErrOfferClosed outside the code's window.
func (s *Offers) Redeem(ctx context.Context, code, id, customer string) (Redemption, error) {
	if id == "" {
		return Redemption{}, fmt.Errorf("redeem %q: empty redemption id", code)
	}
	o, err := s.store.OfferByCode(ctx, code)
	if err != nil {
		return Redemption{}, fmt.Errorf("redeem %q: %w", code, err)
	}
	ch, _ := o.Channel(code)
	now := s.cfg.now()
	phase, err := o.PhaseAt(now)
	if err != nil {
		return Redemption{}, err
	}
	switch {
	case phase == OfferNotOpen:
		return Redemption{}, fmt.Errorf("redeem %q: offer %q opens %s: %w", code, o.ID, o.FollowersFrom, ErrOfferClosed)
	case phase == OfferEnded:
		return Redemption{}, fmt.Errorf("redeem %q: offer %q ended %s: %w", code, o.ID, o.Until, ErrOfferClosed)
	case ch == EmailChannel && phase == OfferFollowersOnly:
		return Redemption{}, fmt.Errorf("redeem %q: the email code is valid from %s (followers only until then): %w", code, o.EmailFrom, ErrOfferClosed)
	}
	r := Redemption{ID: id, OfferID: o.ID, Code: strings.ToUpper(strings.TrimSpace(code)), Channel: ch, Customer: customer, At: now.UTC()}
	if err := s.store.AddRedemption(ctx, r); err != nil {
		return Redemption{}, fmt.Errorf("redeem %q: %w", code, err)
	}
	s.cfg.logger.LogAttrs(ctx, slog.LevelInfo, "offer redeemed", slog.String("offer", o.ID), slog.String("channel", string(ch)))
	return r, nil
}

// Attribution sums an offer's redemptions.
type Attribution struct {
	OfferID string
	Total   int
	// ByChannel counts redemptions per platform (and EmailChannel).
	ByChannel map[providers.Platform]int
	// FollowersOnly counts redemptions made before the email went out.
	FollowersOnly int
}

// Attribution counts an offer's redemptions per channel.
func (s *Offers) Attribution(ctx context.Context, offerID string) (Attribution, error) {
	o, err := s.store.Offer(ctx, offerID)
	if err != nil {
		return Attribution{}, err
	}
	_, email, _, err := o.window()
	if err != nil {
		return Attribution{}, err
	}
	rs, err := s.store.Redemptions(ctx, offerID)
	if err != nil {
		return Attribution{}, err
	}
	a := Attribution{OfferID: offerID, ByChannel: map[providers.Platform]int{}}
	for _, r := range rs {
		a.Total++
		a.ByChannel[r.Channel]++
		if r.At.Before(email) {
			a.FollowersOnly++
		}
	}
	return a, nil
}
