package campaign

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

func TestOffers(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 16, 12, 0, 0, 0, time.UTC) // 08:00 EDT, before the 09:00 opening
	o, err := NewOffers(NewMemoryStore(), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	p := cleanPlan()
	if err := o.Register(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Redeem(ctx, "masto-rye", "r1", "c1"); !errors.Is(err, ErrOfferClosed) {
		t.Fatalf("before the window: %v", err)
	}
	now = now.Add(2 * time.Hour) // followers-only window
	r, err := o.Redeem(ctx, "masto-rye", "r1", "c1")
	if err != nil || r.Channel != providers.Mastodon || r.Code != "MASTO-RYE" || r.OfferID != "rye" {
		t.Fatalf("mastodon code: %+v, %v", r, err)
	}
	if _, err := o.Redeem(ctx, "MASTO-RYE", "r1", "c1"); !errors.Is(err, ErrConflict) {
		t.Fatalf("same receipt twice: %v", err)
	}
	if r, err := o.Redeem(ctx, "SKY-RYE", "r2", "c2"); err != nil || r.Channel != providers.Bluesky {
		t.Fatalf("bluesky code: %+v, %v", r, err)
	}
	if _, err := o.Redeem(ctx, "MAIL-RYE", "r3", "c3"); !errors.Is(err, ErrOfferClosed) {
		t.Fatalf("email code during the followers-only window: %v", err)
	}
	if _, err := o.Redeem(ctx, "NOPE", "r4", "c4"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown code: %v", err)
	}
	now = time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC) // 09:00 EDT: the email goes out
	if r, err := o.Redeem(ctx, "mail-rye", "r3", "c3"); err != nil || r.Channel != EmailChannel {
		t.Fatalf("email code after the email: %+v, %v", r, err)
	}
	if _, err := o.Redeem(ctx, "SKY-RYE", "r5", "c5"); err != nil {
		t.Fatal(err)
	}
	now = time.Date(2026, 3, 29, 4, 0, 0, 0, time.UTC) // midnight EDT: ended
	if _, err := o.Redeem(ctx, "SKY-RYE", "r6", "c6"); !errors.Is(err, ErrOfferClosed) {
		t.Fatalf("after the end: %v", err)
	}
	a, err := o.Attribution(ctx, "rye")
	if err != nil {
		t.Fatal(err)
	}
	if a.Total != 4 || a.ByChannel[providers.Mastodon] != 1 || a.ByChannel[providers.Bluesky] != 2 || a.ByChannel[EmailChannel] != 1 || a.FollowersOnly != 2 {
		t.Fatalf("attribution: %+v", a)
	}
}

func TestOfferValidation(t *testing.T) {
	o, _ := NewOffers(NewMemoryStore())
	bad := cleanPlan().Offers[0]
	bad.EmailFrom = bad.FollowersFrom
	if err := o.Save(context.Background(), bad); err == nil {
		t.Error("email at the same time as followers accepted")
	}
	bad = cleanPlan().Offers[0]
	bad.Codes = nil
	if err := o.Save(context.Background(), bad); err == nil {
		t.Error("offer without codes accepted")
	}
	ph, err := cleanPlan().Offers[0].PhaseAt(time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC))
	if err != nil || ph != OfferEveryone {
		t.Errorf("PhaseAt = %s, %v", ph, err)
	}
}
