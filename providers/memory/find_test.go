package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

func TestFindPublishedPost(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, []string{"shop", "ana"})
	shop := w.c["shop"]
	d := providers.Draft{Text: "Spring sale starts today", IdempotencyKey: providers.NewIdempotencyKey()}

	if _, ok, err := shop.FindPublished(ctx, d, "", time.Time{}); err != nil || ok {
		t.Fatalf("before publishing: found=%v err=%v, want nothing", ok, err)
	}
	w.clock.Advance(time.Minute)
	post, err := shop.Publish(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	// Another post with the same text but no key must not be taken for it.
	w.clock.Advance(time.Minute)
	if _, err := shop.Publish(ctx, providers.Draft{Text: "Spring sale starts today"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := shop.FindPublished(ctx, d, "", start)
	if err != nil || !ok || got.ID != post.ID {
		t.Fatalf("FindPublished = %q, %v, %v; want %q", got.ID, ok, err, post.ID)
	}
	// The window starts after the post: not found.
	if got, ok, err := shop.FindPublished(ctx, d, "", post.CreatedAt.Add(time.Second)); err != nil || ok {
		t.Errorf("since after the post: %q, %v, %v; want nothing", got.ID, ok, err)
	}
	// Another account's key space is its own.
	if got, ok, err := w.c["ana"].FindPublished(ctx, d, "", time.Time{}); err != nil || ok {
		t.Errorf("other account: %q, %v, %v; want nothing", got.ID, ok, err)
	}
	// Without a key, the newest post matching the text is found.
	nokey := providers.Draft{Text: "  Spring sale\nstarts today "}
	got, ok, err = shop.FindPublished(ctx, nokey, "", time.Time{})
	if err != nil || !ok || got.ID == post.ID {
		t.Errorf("without a key: %q, %v, %v; want the later post", got.ID, ok, err)
	}
	if _, ok, _ := shop.FindPublished(ctx, providers.Draft{Text: "something else"}, "", time.Time{}); ok {
		t.Error("a draft never published was found")
	}
	// A deleted post is not found.
	if err := shop.Delete(ctx, post.Ref); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := shop.FindPublished(ctx, d, "", time.Time{}); err != nil || ok {
		t.Errorf("after delete: %q, %v, %v; want nothing", got.ID, ok, err)
	}
}

func TestFindPublishedMessage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, []string{"shop", "ana", "ben"})
	shop := w.c["shop"]
	d := providers.Draft{Text: "Your order ships tomorrow", IdempotencyKey: providers.NewIdempotencyKey()}
	ana, err := w.net.Account("ana")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := shop.SendMessage(ctx, ana.ID, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{ana.ID, "ana", "@ana"} {
		got, ok, err := shop.FindPublished(ctx, d, to, time.Time{})
		if err != nil || !ok || got.ID != msg.ID {
			t.Errorf("to %q: %q, %v, %v; want %q", to, got.ID, ok, err, msg.ID)
		}
	}
	for _, to := range []string{"ben", "nobody"} {
		if got, ok, err := shop.FindPublished(ctx, d, to, time.Time{}); err != nil || ok {
			t.Errorf("to %q: %q, %v, %v; want nothing", to, got.ID, ok, err)
		}
	}
	// Without a key the read-back also honours the recipient.
	nokey := providers.Draft{Text: d.Text}
	if got, ok, err := shop.FindPublished(ctx, nokey, "ana", time.Time{}); err != nil || !ok || got.ID != msg.ID {
		t.Errorf("without a key to ana: %q, %v, %v; want %q", got.ID, ok, err, msg.ID)
	}
	if got, ok, err := shop.FindPublished(ctx, nokey, "ben", time.Time{}); err != nil || ok {
		t.Errorf("without a key to ben: %q, %v, %v; want nothing", got.ID, ok, err)
	}
	// A public post is not a message.
	pub := providers.Draft{Text: "Hello everyone", IdempotencyKey: providers.NewIdempotencyKey()}
	if _, err := shop.Publish(ctx, pub); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := shop.FindPublished(ctx, pub, "ana", time.Time{}); err != nil || ok {
		t.Errorf("public post as a message: %q, %v, %v; want nothing", got.ID, ok, err)
	}
	// providers.FindSent uses the finder.
	if got, ok, err := providers.FindSent(ctx, shop, "ana", d, time.Time{}); err != nil || !ok || got.ID != msg.ID {
		t.Errorf("providers.FindSent = %q, %v, %v; want %q", got.ID, ok, err, msg.ID)
	}
}
