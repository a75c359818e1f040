package providertest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// wrapper wraps a provider the way logging or metrics middleware would:
// it forwards Provider and exposes the wrapped provider through Unwrap.
type wrapper struct{ providers.Provider }

// Unwrap returns the wrapped provider.
func (w wrapper) Unwrap() providers.Provider { return w.Provider }

// opaque hides every capability of the provider it holds.
type opaque struct{ providers.Provider }

func testCapabilities(t *testing.T, e *Env) {
	p := e.Provider
	if p.Platform() == "" {
		t.Error("Platform() is empty")
	}
	var want []providers.Capability
	for _, c := range providers.AllCapabilities {
		impl := implements(p, c)
		if impl {
			want = append(want, c)
		}
		if got := providers.Supports(p, c); got != impl {
			t.Errorf("Supports(%s) = %v, but the provider implements it: %v", c, got, impl)
		}
	}
	if got := providers.Capabilities(p); !slices.Equal(got, want) {
		t.Errorf("Capabilities = %v, want %v (the interfaces the provider implements)", got, want)
	}
	ctx := ctxT(t)
	for _, c := range providers.AllCapabilities {
		if implements(p, c) {
			continue
		}
		if err := callHelper(ctx, p, c); !errors.Is(err, providers.ErrUnsupported) {
			t.Errorf("provider lacks %s, but its helper returned %v; want an error wrapping ErrUnsupported", c, err)
		}
	}
	t.Logf("capabilities: %v", want)
}

func testWrapper(t *testing.T, e *Env) {
	p := e.Provider
	w := wrapper{p}
	if got, want := providers.Capabilities(w), providers.Capabilities(p); !slices.Equal(got, want) {
		t.Errorf("Capabilities through an Unwrapper = %v, want %v", got, want)
	}
	if _, ok := providers.As[providers.Publisher](w); ok != implements(p, providers.CapPublish) {
		t.Errorf("As[Publisher] through an Unwrapper = %v, want %v", ok, !ok)
	}
	ctx := ctxT(t)
	// A real call through the wrapper reaches the provider.
	switch {
	case implements(p, providers.CapLimits):
		if _, err := providers.GetLimits(ctx, w); err != nil {
			t.Errorf("GetLimits through an Unwrapper: %v", err)
		}
	case implements(p, providers.CapPosts):
		if err := firstErr(providers.Posts(ctx, w, providers.PostsOptions{Limit: 1})); err != nil {
			t.Errorf("Posts through an Unwrapper: %v", err)
		}
	case implements(p, providers.CapFollowers) && e.Followers > 0:
		if err := firstErr(providers.Followers(ctx, w, providers.FollowersOptions{PageSize: e.FollowersPageSize})); err != nil {
			t.Errorf("Followers through an Unwrapper: %v", err)
		}
	}
	o := opaque{p}
	if got := providers.Capabilities(o); len(got) != 0 {
		t.Errorf("Capabilities of a wrapper without Unwrap = %v, want none", got)
	}
	for _, c := range providers.AllCapabilities {
		if err := callHelper(ctx, o, c); !errors.Is(err, providers.ErrUnsupported) {
			t.Errorf("%s through a wrapper without Unwrap returned %v; want an error wrapping ErrUnsupported", c, err)
		}
	}
}

func testSelf(t *testing.T, e *Env) {
	ctx := ctxT(t)
	a, err := e.Provider.Self(ctx)
	if err != nil {
		t.Fatalf("Self: %v", err)
	}
	if a.ID == "" || a.Handle == "" {
		t.Errorf("Self = ID %q, Handle %q; want both set", a.ID, a.Handle)
	}
	if a.Platform != e.Provider.Platform() {
		t.Errorf("Self().Platform = %q, want %q", a.Platform, e.Provider.Platform())
	}
	if strings0(a.Handle) == '@' {
		t.Errorf("Self().Handle = %q; want it without a leading @", a.Handle)
	}
	b, err := e.Provider.Self(ctx)
	if err != nil {
		t.Fatalf("second Self: %v", err)
	}
	if b.ID != a.ID {
		t.Errorf("Self().ID changed between calls: %q then %q", a.ID, b.ID)
	}
}

func strings0(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

func followersPageSize(t *testing.T, e *Env) int {
	t.Helper()
	if e.FollowersPageSize <= 0 {
		t.Log("Env.FollowersPageSize is 0: the platform's page size is used and pagination may not be exercised")
	} else if e.Followers < 3*e.FollowersPageSize {
		t.Logf("Env.Followers (%d) spans fewer than 3 pages of %d", e.Followers, e.FollowersPageSize)
	}
	return e.FollowersPageSize
}

func testFollowers(t *testing.T, e *Env) {
	size := followersPageSize(t, e)
	p := e.Provider
	ctx := ctxT(t)
	seq := providers.Followers(ctx, p, providers.FollowersOptions{PageSize: size})
	var first []providers.Account
	prompt(t, "Followers", func() { first, _ = collectOK(t, "Followers", seq) })
	if len(first) != e.Followers {
		t.Errorf("Followers yielded %d accounts, want %d", len(first), e.Followers)
	}
	seen := map[string]bool{}
	for i, a := range first {
		if a.ID == "" {
			t.Errorf("follower %d has no ID (handle %q)", i, a.Handle)
		}
		if seen[a.ID] {
			t.Errorf("follower %d: ID %q yielded twice", i, a.ID)
		}
		seen[a.ID] = true
		if a.Platform != p.Platform() {
			t.Errorf("follower %d (%s): Platform %q, want %q", i, a.ID, a.Platform, p.Platform())
		}
	}
	// Ranging the same sequence again starts from the first page.
	var again []providers.Account
	prompt(t, "Followers (second range)", func() { again, _ = collectOK(t, "Followers (second range)", seq) })
	if !slices.Equal(ids(again), ids(first)) {
		t.Errorf("ranging Followers twice gave different results:\nfirst  %v\nsecond %v", ids(first), ids(again))
	}
	// Breaking early stops the range; a new range yields the same first k.
	k := 1
	if size > 0 && e.Followers > size+1 {
		k = size + 1 // past the first page
	}
	var head []providers.Account
	prompt(t, "Followers with an early break", func() {
		for a, err := range seq {
			if err != nil {
				t.Errorf("Followers: %v", err)
				return
			}
			head = append(head, a)
			if len(head) == k {
				break
			}
		}
	})
	if len(first) >= k && !slices.Equal(ids(head), ids(first[:k])) {
		t.Errorf("after breaking at %d, a new range began with %v, want %v", k, ids(head), ids(first[:k]))
	}
}

func testFollowersCancel(t *testing.T, e *Env) {
	size := followersPageSize(t, e)
	p := e.Provider
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errs, items int
	var firstErr error
	prompt(t, "Followers with a cancelled context", func() {
		for _, err := range providers.Followers(ctx, p, providers.FollowersOptions{PageSize: size}) {
			if err != nil {
				errs++
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			items++
		}
	})
	if !errors.Is(firstErr, context.Canceled) {
		t.Errorf("Followers with a cancelled context: first error %v, want one wrapping context.Canceled", firstErr)
	}
	if errs != 1 || items != 0 {
		t.Errorf("Followers with a cancelled context yielded %d accounts and %d errors; want only one error", items, errs)
	}
	if size <= 0 || e.Followers <= size {
		t.Skip("cancelling mid-listing needs Followers > FollowersPageSize > 0")
	}
	// Cancelling while ranging ends the listing with the context's error
	// before another page is fetched.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	after := 0
	var last error
	prompt(t, "Followers cancelled mid-range", func() {
		n := 0
		for _, err := range providers.Followers(ctx, p, providers.FollowersOptions{PageSize: size}) {
			if err != nil {
				last = err
				break
			}
			n++
			if n == 1 {
				cancel()
				continue
			}
			after++
		}
	})
	if !errors.Is(last, context.Canceled) {
		t.Errorf("Followers cancelled mid-range ended with %v, want an error wrapping context.Canceled", last)
	}
	if after >= size {
		t.Errorf("Followers yielded %d accounts after the context was cancelled; want fewer than one page (%d)", after, size)
	}
}

// collectOK gathers seq, reporting an error to t.
func collectOK[T any](t *testing.T, what string, seq func(func(T, error) bool)) ([]T, bool) {
	t.Helper()
	out, err := providers.Collect(seq)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return out, false
	}
	return out, true
}

func interactionIDs(list []providers.Interaction) []string {
	out := make([]string, len(list))
	for i, it := range list {
		out[i] = it.ID
	}
	return out
}

func checkInteractions(t *testing.T, what string, p providers.Provider, list []providers.Interaction) {
	t.Helper()
	seen := map[string]bool{}
	for i, it := range list {
		if it.ID == "" || it.Cursor == "" {
			t.Errorf("%s: interaction %d (%s) has ID %q, Cursor %q; want both set", what, i, it.Kind, it.ID, it.Cursor)
		}
		if seen[it.ID] {
			t.Errorf("%s: interaction %q yielded twice", what, it.ID)
		}
		seen[it.ID] = true
		if it.Platform != p.Platform() {
			t.Errorf("%s: interaction %q: Platform %q, want %q", what, it.ID, it.Platform, p.Platform())
		}
		if it.Kind == "" {
			t.Errorf("%s: interaction %q has no Kind", what, it.ID)
		}
		if it.Author.ID == "" && it.Author.Handle == "" {
			t.Errorf("%s: interaction %q (%s) has no author", what, it.ID, it.Kind)
		}
		if it.Kind.HasPost() && it.Post.ID == "" {
			t.Errorf("%s: interaction %q is a %s without its post", what, it.ID, it.Kind)
		}
		if it.OccurredAt.IsZero() {
			t.Errorf("%s: interaction %q has no OccurredAt", what, it.ID)
		}
		if i > 0 && it.OccurredAt.Before(list[i-1].OccurredAt) {
			t.Errorf("%s: interaction %q (%v) comes after a newer one (%v); want oldest first", what, it.ID, it.OccurredAt, list[i-1].OccurredAt)
		}
	}
}

func testInbox(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	seq := providers.Interactions(ctx, p, providers.InboxOptions{})
	var all []providers.Interaction
	prompt(t, "Interactions", func() { all, _ = collectOK(t, "Interactions", seq) })
	if len(all) < e.InboxMin {
		t.Fatalf("Interactions yielded %d, want at least %d", len(all), e.InboxMin)
	}
	checkInteractions(t, "Interactions", p, all)
	var again []providers.Interaction
	prompt(t, "Interactions (second range)", func() { again, _ = collectOK(t, "Interactions (second range)", seq) })
	if !slices.Equal(interactionIDs(again), interactionIDs(all)) {
		t.Errorf("ranging Interactions twice gave different results:\nfirst  %v\nsecond %v", interactionIDs(all), interactionIDs(again))
	}
	// Resuming after the last cursor yields nothing old.
	last := all[len(all)-1].Cursor
	var rest []providers.Interaction
	prompt(t, "Interactions after the last cursor", func() {
		rest, _ = collectOK(t, "Interactions after the last cursor", providers.Interactions(ctx, p, providers.InboxOptions{Since: last}))
	})
	old := map[string]bool{}
	for _, it := range all {
		old[it.ID] = true
	}
	for _, it := range rest {
		if old[it.ID] {
			t.Errorf("Interactions after the last cursor yielded %q again", it.ID)
		}
	}
	// Resuming from a cursor in the middle yields exactly what came after it.
	if len(all) >= 2 {
		m := len(all) / 2
		var tail []providers.Interaction
		prompt(t, "Interactions after a middle cursor", func() {
			tail, _ = collectOK(t, "Interactions after a middle cursor", providers.Interactions(ctx, p, providers.InboxOptions{Since: all[m-1].Cursor}))
		})
		if want := interactionIDs(all[m:]); !slices.Equal(interactionIDs(tail), want) {
			t.Errorf("Interactions after the cursor of item %d = %v, want %v", m-1, interactionIDs(tail), want)
		}
	}
	// Kinds filters.
	kind := all[0].Kind
	want := 0
	for _, it := range all {
		if it.Kind == kind {
			want++
		}
	}
	var only []providers.Interaction
	prompt(t, "Interactions of one kind", func() {
		only, _ = collectOK(t, "Interactions of one kind", providers.Interactions(ctx, p, providers.InboxOptions{Kinds: []providers.InteractionKind{kind}}))
	})
	for _, it := range only {
		if it.Kind != kind {
			t.Errorf("Interactions with Kinds [%s] yielded a %s (%q)", kind, it.Kind, it.ID)
		}
	}
	if len(only) != want {
		t.Errorf("Interactions with Kinds [%s] yielded %d, want %d", kind, len(only), want)
	}
	// Limit keeps the newest.
	if len(all) >= 2 {
		var newest []providers.Interaction
		prompt(t, "Interactions with Limit 1", func() {
			newest, _ = collectOK(t, "Interactions with Limit 1", providers.Interactions(ctx, p, providers.InboxOptions{Limit: 1}))
		})
		if len(newest) != 1 || newest[0].ID != all[len(all)-1].ID {
			t.Errorf("Interactions with Limit 1 = %v, want only the newest, %q", interactionIDs(newest), all[len(all)-1].ID)
		}
	}
	// Breaking early, then ranging again, starts over.
	prompt(t, "Interactions with an early break", func() {
		for it, err := range seq {
			if err != nil {
				t.Errorf("Interactions: %v", err)
			} else if it.ID != all[0].ID {
				t.Errorf("a new range of Interactions began with %q, want %q", it.ID, all[0].ID)
			}
			break
		}
	})
}

func testInboxNew(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	var before []providers.Interaction
	prompt(t, "Interactions", func() {
		before, _ = collectOK(t, "Interactions", providers.Interactions(ctx, p, providers.InboxOptions{}))
	})
	cursor := ""
	if len(before) > 0 {
		cursor = before[len(before)-1].Cursor
	}
	e.NewInteraction(t)
	var got []providers.Interaction
	prompt(t, "Interactions after the cursor", func() {
		got, _ = collectOK(t, "Interactions after the cursor", providers.Interactions(ctx, p, providers.InboxOptions{Since: cursor}))
	})
	if len(got) != 1 {
		t.Fatalf("after NewInteraction, Interactions after the last cursor yielded %v; want exactly the new one", interactionIDs(got))
	}
	checkInteractions(t, "new interaction", p, got)
	for _, it := range before {
		if it.ID == got[0].ID {
			t.Errorf("the new interaction has the ID %q of an old one", it.ID)
		}
	}
	if got[0].Kind != providers.Mention {
		t.Errorf("NewInteraction should deliver a mention; got a %s", got[0].Kind)
	}
	var none []providers.Interaction
	prompt(t, "Interactions after the new cursor", func() {
		none, _ = collectOK(t, "Interactions after the new cursor", providers.Interactions(ctx, p, providers.InboxOptions{Since: got[0].Cursor}))
	})
	if len(none) != 0 {
		t.Errorf("Interactions after the newest cursor yielded %v, want nothing", interactionIDs(none))
	}
	var replay []providers.Interaction
	prompt(t, "Interactions after the old cursor again", func() {
		replay, _ = collectOK(t, "Interactions after the old cursor again", providers.Interactions(ctx, p, providers.InboxOptions{Since: cursor}))
	})
	if !slices.Equal(interactionIDs(replay), interactionIDs(got)) {
		t.Errorf("a cursor used twice gave %v, then %v", interactionIDs(got), interactionIDs(replay))
	}
}

func testDirectMessages(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	var dms []providers.Interaction
	prompt(t, "DirectMessages", func() {
		dms, _ = collectOK(t, "DirectMessages", providers.DirectMessages(ctx, p, providers.InboxOptions{}))
	})
	checkInteractions(t, "DirectMessages", p, dms)
	for _, it := range dms {
		if it.Kind != providers.DirectMessage {
			t.Errorf("DirectMessages yielded a %s (%q)", it.Kind, it.ID)
		}
	}
	if len(dms) == 0 {
		t.Skip("the environment holds no direct messages: only checked that listing them succeeds")
	}
	var rest []providers.Interaction
	prompt(t, "DirectMessages after the last cursor", func() {
		rest, _ = collectOK(t, "DirectMessages after the last cursor", providers.DirectMessages(ctx, p, providers.InboxOptions{Since: dms[len(dms)-1].Cursor}))
	})
	if len(rest) != 0 {
		t.Errorf("DirectMessages after the last cursor yielded %v, want nothing", interactionIDs(rest))
	}
}

// publish publishes d, failing t on error.
func publish(t *testing.T, ctx context.Context, p providers.Provider, d providers.Draft) providers.Post {
	t.Helper()
	var post providers.Post
	var err error
	prompt(t, "Publish", func() { post, err = providers.Publish(ctx, p, d) })
	if err != nil {
		t.Fatalf("Publish(%q): %v", d.Body(), err)
	}
	if post.ID == "" {
		t.Fatalf("Publish(%q) returned a post without an ID", d.Body())
	}
	return post
}

func count(t *testing.T, e *Env, text string) int {
	t.Helper()
	return e.CountPosts(t, text)
}

func testPublish(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	self, err := p.Self(ctx)
	if err != nil {
		t.Fatalf("Self: %v", err)
	}
	d := providers.Draft{Text: uniqueText(t, "publish"), Signature: "^PT", IdempotencyKey: providers.NewIdempotencyKey()}
	post := publish(t, ctx, p, d)
	if post.Text != d.Body() {
		t.Errorf("published text = %q, want Draft.Body() %q", post.Text, d.Body())
	}
	if post.Platform != "" && post.Platform != p.Platform() {
		t.Errorf("published post Platform = %q, want %q", post.Platform, p.Platform())
	}
	if post.Author.ID != "" && post.Author.ID != self.ID {
		t.Errorf("published post author = %q, want Self %q", post.Author.ID, self.ID)
	}
	if !post.ReplyTo.IsZero() {
		t.Errorf("a top-level post has ReplyTo %q", post.ReplyTo.ID)
	}
	if e.CountPosts != nil {
		if n := count(t, e, d.Body()); n != 1 {
			t.Errorf("after one Publish, CountPosts = %d, want 1", n)
		}
	}
	hasPosts := implements(p, providers.CapPosts)
	if hasPosts {
		found, ok, err := providers.FindPublished(ctx, p, d, time.Time{})
		if err != nil || !ok || found.ID != post.ID {
			t.Errorf("FindPublished after Publish = %q, %v, %v; want %q", found.ID, ok, err, post.ID)
		}
	}
	if !implements(p, providers.CapDelete) {
		t.Skip("provider does not implement delete: the round trip stops after publishing")
	}
	if err := providers.Delete(ctx, p, post.Ref); err != nil {
		t.Fatalf("Delete(%q): %v", post.ID, err)
	}
	if e.CountPosts != nil {
		if n := count(t, e, d.Body()); n != 0 {
			t.Errorf("after Delete, CountPosts = %d, want 0", n)
		}
	}
	if hasPosts {
		if found, ok, err := providers.FindPublished(ctx, p, d, time.Time{}); err != nil || ok {
			t.Errorf("FindPublished after Delete = %q, %v, %v; want nothing", found.ID, ok, err)
		}
	}
	if implements(p, providers.CapMetrics) && len(e.MetricsPosts) > 0 {
		ms, err := providers.GetMetrics(ctx, p, []providers.Ref{post.Ref, e.MetricsPosts[0]})
		if err != nil {
			t.Errorf("Metrics of a deleted and a live post: %v", err)
		}
		for _, m := range ms {
			if m.Post.ID == post.ID {
				t.Errorf("Metrics reported the deleted post %q; deleted posts must be left out", post.ID)
			}
		}
		if len(ms) != 1 {
			t.Errorf("Metrics of a deleted and a live post returned %d entries, want 1", len(ms))
		}
	}
}

func testReply(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	parent := publish(t, ctx, p, providers.Draft{Text: uniqueText(t, "parent"), IdempotencyKey: providers.NewIdempotencyKey()})
	rd := providers.Draft{Text: uniqueText(t, "reply"), ReplyTo: parent.Ref, IdempotencyKey: providers.NewIdempotencyKey()}
	reply := publish(t, ctx, p, rd)
	if reply.ReplyTo.ID != parent.ID {
		t.Errorf("reply.ReplyTo = %q, want the parent %q", reply.ReplyTo.ID, parent.ID)
	}
	if reply.Text != rd.Body() {
		t.Errorf("reply text = %q, want %q", reply.Text, rd.Body())
	}
	if !implements(p, providers.CapThread) {
		t.Skip("provider does not implement thread: the reply's thread is not checked")
	}
	th, err := providers.GetThread(ctx, p, reply.Ref)
	if err != nil {
		t.Fatalf("Thread(reply): %v", err)
	}
	if n := len(th.Ancestors); n == 0 || th.Ancestors[n-1].ID != parent.ID {
		t.Errorf("Thread(reply).Ancestors = %v, want it to end with the parent %q", postIDs(th.Ancestors), parent.ID)
	}
	th, err = providers.GetThread(ctx, p, parent.Ref)
	if err != nil {
		t.Fatalf("Thread(parent): %v", err)
	}
	if !slices.Contains(postIDs(th.Replies), reply.ID) {
		t.Errorf("Thread(parent).Replies = %v, want it to hold the reply %q", postIDs(th.Replies), reply.ID)
	}
}

func postIDs(list []providers.Post) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.ID
	}
	return out
}

func testPosts(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	var older, newer providers.Post
	published := implements(p, providers.CapPublish)
	if published {
		older = publish(t, ctx, p, providers.Draft{Text: uniqueText(t, "older"), IdempotencyKey: providers.NewIdempotencyKey()})
		newer = publish(t, ctx, p, providers.Draft{Text: uniqueText(t, "newer"), IdempotencyKey: providers.NewIdempotencyKey()})
	}
	seq := providers.Posts(ctx, p, providers.PostsOptions{Limit: 20})
	var list []providers.Post
	prompt(t, "Posts", func() { list, _ = collectOK(t, "Posts", seq) })
	if len(list) > 20 {
		t.Errorf("Posts with Limit 20 yielded %d", len(list))
	}
	for i := 1; i < len(list); i++ {
		if list[i].CreatedAt.After(list[i-1].CreatedAt) {
			t.Errorf("Posts: %q (%v) comes after the older %q (%v); want newest first", list[i].ID, list[i].CreatedAt, list[i-1].ID, list[i-1].CreatedAt)
		}
	}
	if !published {
		if len(list) == 0 {
			t.Skip("the account has no posts and the provider cannot publish: nothing to list")
		}
		return
	}
	listed := postIDs(list)
	io, in := slices.Index(listed, older.ID), slices.Index(listed, newer.ID)
	if io < 0 || in < 0 || in > io {
		t.Errorf("Posts = %v; want the newer post %q before the older %q", listed, newer.ID, older.ID)
	}
	var since []providers.Post
	prompt(t, "Posts since the older post", func() {
		since, _ = collectOK(t, "Posts since", providers.Posts(ctx, p, providers.PostsOptions{Since: older.CreatedAt}))
	})
	sids := postIDs(since)
	if !slices.Contains(sids, older.ID) || !slices.Contains(sids, newer.ID) {
		t.Errorf("Posts since %v = %v; want both new posts", older.CreatedAt, sids)
	}
	for _, s := range since {
		if s.CreatedAt.Before(older.CreatedAt) {
			t.Errorf("Posts since %v yielded %q from %v", older.CreatedAt, s.ID, s.CreatedAt)
		}
	}
	var one []providers.Post
	prompt(t, "Posts with Limit 1", func() {
		one, _ = collectOK(t, "Posts with Limit 1", providers.Posts(ctx, p, providers.PostsOptions{Limit: 1}))
	})
	if len(one) != 1 || one[0].ID != listed[0] {
		t.Errorf("Posts with Limit 1 = %v, want [%s]", postIDs(one), listed[0])
	}
}

func testThread(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	var th providers.Thread
	var err error
	prompt(t, "Thread", func() { th, err = providers.GetThread(ctx, p, e.ThreadPost) })
	if err != nil {
		t.Fatalf("Thread(%q): %v", e.ThreadPost.ID, err)
	}
	if th.Post.ID != e.ThreadPost.ID {
		t.Errorf("Thread(%q).Post.ID = %q", e.ThreadPost.ID, th.Post.ID)
	}
	if len(th.Ancestors)+len(th.Replies) == 0 {
		t.Errorf("Thread(%q) has no ancestors and no replies; Env.ThreadPost promises at least one", e.ThreadPost.ID)
	}
	for i := 1; i < len(th.Ancestors); i++ {
		if th.Ancestors[i].ReplyTo.ID != th.Ancestors[i-1].ID {
			t.Errorf("ancestor %d (%q) replies to %q, want %q: ancestors must run from the root down", i, th.Ancestors[i].ID, th.Ancestors[i].ReplyTo.ID, th.Ancestors[i-1].ID)
		}
	}
	if n := len(th.Ancestors); n > 0 && th.Post.ReplyTo.ID != th.Ancestors[n-1].ID {
		t.Errorf("the post replies to %q, but its last ancestor is %q", th.Post.ReplyTo.ID, th.Ancestors[n-1].ID)
	}
	inThread := map[string]bool{th.Post.ID: true}
	for _, r := range th.Replies {
		inThread[r.ID] = true
	}
	for _, r := range th.Replies {
		if !inThread[r.ReplyTo.ID] {
			t.Errorf("reply %q answers %q, which is not in the thread below the post", r.ID, r.ReplyTo.ID)
		}
	}
}

func testMetrics(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	var ms []providers.Metrics
	var err error
	prompt(t, "Metrics", func() { ms, err = providers.GetMetrics(ctx, p, e.MetricsPosts) })
	if err != nil {
		t.Fatalf("Metrics: %v", err)
	}
	if len(ms) != len(e.MetricsPosts) {
		t.Fatalf("Metrics returned %d entries for %d posts", len(ms), len(e.MetricsPosts))
	}
	for i, m := range ms {
		if m.Post.ID != e.MetricsPosts[i].ID {
			t.Errorf("Metrics entry %d is for %q, want %q (the order asked)", i, m.Post.ID, e.MetricsPosts[i].ID)
		}
		counts := map[string]providers.Count{
			"likes": m.Likes, "reposts": m.Reposts, "replies": m.Replies, "quotes": m.Quotes,
			"bookmarks": m.Bookmarks, "impressions": m.Impressions, "reach": m.Reach, "clicks": m.Clicks,
		}
		valid := 0
		for name, c := range counts {
			if c.Valid {
				valid++
				if c.Value < 0 {
					t.Errorf("Metrics of %q: %s = %d", m.Post.ID, name, c.Value)
				}
			}
		}
		if valid == 0 {
			t.Errorf("Metrics of %q reports no count at all", m.Post.ID)
		}
	}
}

func testSearch(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	seq := providers.Search(ctx, p, providers.SearchQuery{Query: e.SearchQuery, Limit: 50})
	var list []providers.Post
	prompt(t, "Search", func() { list, _ = collectOK(t, "Search", seq) })
	if len(list) == 0 {
		t.Fatalf("Search(%q) found nothing; Env.SearchQuery promises a result", e.SearchQuery)
	}
	for i, post := range list {
		if post.ID == "" {
			t.Errorf("Search result %d has no ID", i)
		}
		if i > 0 && post.CreatedAt.After(list[i-1].CreatedAt) {
			t.Errorf("Search: %q (%v) comes after the older %q (%v); want newest first", post.ID, post.CreatedAt, list[i-1].ID, list[i-1].CreatedAt)
		}
	}
	var again []providers.Post
	prompt(t, "Search (second range)", func() { again, _ = collectOK(t, "Search (second range)", seq) })
	if !slices.Equal(postIDs(again), postIDs(list)) {
		t.Errorf("ranging Search twice gave different results:\nfirst  %v\nsecond %v", postIDs(list), postIDs(again))
	}
	var one []providers.Post
	prompt(t, "Search with Limit 1", func() {
		one, _ = collectOK(t, "Search with Limit 1", providers.Search(ctx, p, providers.SearchQuery{Query: e.SearchQuery, Limit: 1}))
	})
	if len(one) != 1 {
		t.Errorf("Search with Limit 1 yielded %d posts", len(one))
	}
	if len(list) < 2 {
		t.Logf("Search(%q) has a single result, so Limit is not really exercised", e.SearchQuery)
	}
}

func testReact(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	for _, k := range []providers.ReactionKind{providers.ReactLike, providers.ReactRepost} {
		for i := range 2 {
			var err error
			prompt(t, "React", func() { err = providers.React(ctx, p, k, e.ReactTo) })
			if err != nil {
				t.Errorf("React(%s) #%d: %v; reacting twice must not be an error", k, i+1, err)
			}
		}
		for i := range 2 {
			var err error
			prompt(t, "Unreact", func() { err = providers.Unreact(ctx, p, k, e.ReactTo) })
			if err != nil {
				t.Errorf("Unreact(%s) #%d: %v; taking back twice must not be an error", k, i+1, err)
			}
		}
	}
}

func testSendMessage(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	d := providers.Draft{Text: uniqueText(t, "message"), Signature: "^PT", IdempotencyKey: providers.NewIdempotencyKey()}
	var m1, m2 providers.Post
	var err error
	prompt(t, "SendMessage", func() { m1, err = providers.SendMessage(ctx, p, e.MessageTo, d) })
	if err != nil {
		t.Fatalf("SendMessage(%q): %v", e.MessageTo, err)
	}
	if m1.ID == "" {
		t.Fatal("SendMessage returned a message without an ID")
	}
	if m1.Text != d.Body() {
		t.Errorf("message text = %q, want Draft.Body() %q", m1.Text, d.Body())
	}
	prompt(t, "SendMessage again", func() { m2, err = providers.SendMessage(ctx, p, e.MessageTo, d) })
	switch {
	case errors.Is(err, providers.ErrConflict):
		t.Logf("sending the same draft again failed with a conflict: %v", err)
	case err != nil:
		t.Errorf("sending the same draft again: %v; want the first message or an error wrapping ErrConflict", err)
	case m2.ID != m1.ID:
		t.Errorf("sending the same draft again created %q; want the first message %q", m2.ID, m1.ID)
	}
}

func testLimits(t *testing.T, e *Env) {
	ctx := ctxT(t)
	var l providers.Limits
	var err error
	prompt(t, "Limits", func() { l, err = providers.GetLimits(ctx, e.Provider) })
	if err != nil {
		t.Fatalf("Limits: %v", err)
	}
	if l.MaxChars < 0 || l.MaxGraphemes < 0 || l.MaxBytes < 0 || l.URLLength < 0 || l.MaxMedia < 0 || l.MaxImageKB < 0 {
		t.Errorf("Limits has a negative field: %+v", l)
	}
	if l.MaxChars == 0 && l.MaxGraphemes == 0 && l.MaxBytes == 0 {
		t.Errorf("Limits reports no length limit at all: %+v", l)
	}
}

func testUnavailable(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	e.FailNext(t, 1, 503, 0)
	var err error
	prompt(t, "Self after a 503", func() { _, err = p.Self(ctx) })
	if err != nil && !errors.Is(err, providers.ErrUnavailable) {
		t.Errorf("Self after one 503 = %v; want success (retried) or an error wrapping ErrUnavailable", err)
	}
	if err != nil && !providers.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = false for a 503", err)
	}
	prompt(t, "Self after the outage", func() { _, err = p.Self(ctx) })
	if err != nil {
		t.Errorf("Self once the outage is over: %v", err)
	}
}

func rateLimited(t *testing.T, e *Env, retryAfter time.Duration) {
	p := e.Provider
	ctx := ctxT(t)
	e.FailNext(t, 100, 429, retryAfter)
	var err error
	prompt(t, "Self while rate limited", func() { _, err = p.Self(ctx) })
	if !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("Self while rate limited = %v; want an error wrapping ErrRateLimited", err)
	}
	var rl *providers.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("Self while rate limited = %v (%T); want a *providers.RateLimitError in the chain", err, err)
	}
	if retryAfter > 0 && rl.Reset.IsZero() {
		t.Errorf("RateLimitError.Reset is zero although the platform said Retry-After %v", retryAfter)
	}
	if !providers.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = false for a rate limit", err)
	}
}

func testRateLimited(t *testing.T, e *Env) { rateLimited(t, e, time.Hour) }

func testRateLimitedNoRetryAfter(t *testing.T, e *Env) { rateLimited(t, e, 0) }

func testListingError(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	var seq func(func(string, error) bool)
	switch {
	case implements(p, providers.CapFollowers) && e.Followers > 0:
		seq = mapIDs(providers.Followers(ctx, p, providers.FollowersOptions{PageSize: e.FollowersPageSize}), func(a providers.Account) string { return a.ID })
	case implements(p, providers.CapInbox):
		seq = mapIDs(providers.Interactions(ctx, p, providers.InboxOptions{}), func(i providers.Interaction) string { return i.ID })
	case implements(p, providers.CapPosts):
		seq = mapIDs(providers.Posts(ctx, p, providers.PostsOptions{}), func(p providers.Post) string { return p.ID })
	default:
		t.Skip("provider has no listing (followers, inbox or posts) to fail")
	}
	e.FailNext(t, 100, 503, 0)
	errs, after := 0, 0
	prompt(t, "a listing during an outage", func() {
		for _, err := range seq {
			if err != nil {
				errs++
				if !errors.Is(err, providers.ErrUnavailable) {
					t.Errorf("listing during an outage yielded %v; want an error wrapping ErrUnavailable", err)
				}
				continue
			}
			if errs > 0 {
				after++
			}
		}
	})
	if errs != 1 || after != 0 {
		t.Errorf("listing during an outage yielded %d errors and %d items after the error; want exactly one error, then the end", errs, after)
	}
}

func mapIDs[T any](seq func(func(T, error) bool), id func(T) string) func(func(string, error) bool) {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			if !yield(id(v), err) {
				return
			}
		}
	}
}

func testNotFound(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	post := publish(t, ctx, p, providers.Draft{Text: uniqueText(t, "delete"), IdempotencyKey: providers.NewIdempotencyKey()})
	if err := providers.Delete(ctx, p, post.Ref); err != nil {
		t.Fatalf("Delete(%q): %v", post.ID, err)
	}
	err := providers.Delete(ctx, p, post.Ref)
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("deleting the deleted post %q = %v; want an error wrapping ErrNotFound", post.ID, err)
	}
	if providers.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = true for a missing post", err)
	}
	if implements(p, providers.CapThread) {
		if _, err := providers.GetThread(ctx, p, post.Ref); !errors.Is(err, providers.ErrNotFound) {
			t.Errorf("Thread of the deleted post %q = %v; want an error wrapping ErrNotFound", post.ID, err)
		}
	}
}

// republish publishes d again and checks that no second post appears: it
// must return the post with ID want (when known) or fail with ErrConflict.
func republish(t *testing.T, ctx context.Context, e *Env, d providers.Draft, want string) {
	t.Helper()
	var again providers.Post
	var err error
	prompt(t, "Publish of the same draft", func() { again, err = providers.Publish(ctx, e.Provider, d) })
	switch {
	case errors.Is(err, providers.ErrConflict):
		t.Logf("publishing the same draft again failed with a conflict: %v", err)
	case err != nil:
		t.Errorf("publishing the same draft again: %v; want the first post or an error wrapping ErrConflict", err)
	case want != "" && again.ID != want:
		t.Errorf("publishing the same draft again returned %q; want the first post %q", again.ID, want)
	}
	if e.CountPosts != nil {
		if n := count(t, e, d.Body()); n != 1 {
			t.Errorf("after publishing the same draft again, CountPosts = %d, want 1", n)
		}
	}
}

func testIdempotencyKey(t *testing.T, e *Env) {
	ctx := ctxT(t)
	d := providers.Draft{Text: uniqueText(t, "idempotent"), IdempotencyKey: providers.NewIdempotencyKey()}
	first := publish(t, ctx, e.Provider, d)
	republish(t, ctx, e, d, first.ID)
	republish(t, ctx, e, d, first.ID)
}

func testExactlyOnce(t *testing.T, e *Env) {
	p := e.Provider
	ctx := ctxT(t)
	d := providers.Draft{Text: uniqueText(t, "exactly once"), IdempotencyKey: providers.NewIdempotencyKey()}
	e.LoseNextCreate(t)
	var post providers.Post
	var err error
	prompt(t, "Publish with a lost response", func() { post, err = providers.Publish(ctx, p, d) })
	known := post.ID
	switch {
	case err == nil && post.ID == "":
		t.Fatal("Publish whose response was lost reported success without a post")
	case err == nil:
		t.Log("the provider recovered from the lost response by itself")
	case !errors.Is(err, providers.ErrUnknownOutcome):
		t.Fatalf("Publish whose response was lost = %v; want success or an error wrapping ErrUnknownOutcome", err)
	default:
		if !providers.IsRetryable(err) {
			t.Errorf("IsRetryable(%v) = false for an unknown outcome", err)
		}
		found := false
		if implements(p, providers.CapPosts) {
			var got providers.Post
			got, found, err = providers.FindPublished(ctx, p, d, time.Time{})
			if err != nil {
				t.Fatalf("FindPublished after a lost response: %v", err)
			}
			if !found {
				t.Errorf("the create was applied, but FindPublished did not find it")
			}
			known = got.ID
		}
		if !found {
			var retry providers.Post
			prompt(t, "Publish retried after a lost response", func() { retry, err = providers.Publish(ctx, p, d) })
			if err != nil {
				t.Fatalf("Publish retried after a lost response: %v", err)
			}
			known = retry.ID
		}
	}
	if n := count(t, e, d.Body()); n != 1 {
		t.Fatalf("after a lost response and a retry, CountPosts = %d, want exactly 1", n)
	}
	republish(t, ctx, e, d, known)
}

func testCancelled(t *testing.T, e *Env) {
	p := e.Provider
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(what string, f func() error) {
		t.Helper()
		var err error
		prompt(t, what+" with a cancelled context", func() { err = f() })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v; want an error wrapping context.Canceled", what, err)
		}
	}
	check("Self", func() error { _, err := p.Self(ctx); return err })
	text := uniqueText(t, "cancelled")
	ref := e.ThreadPost
	if ref.IsZero() {
		ref = providers.Ref{ID: "providertest-missing"}
	}
	for _, c := range providers.Capabilities(p) {
		switch c {
		case providers.CapPublish:
			check("Publish", func() error {
				_, err := providers.Publish(ctx, p, providers.Draft{Text: text, IdempotencyKey: providers.NewIdempotencyKey()})
				return err
			})
		case providers.CapSendMessage:
			to := e.MessageTo
			if to == "" {
				to = "providertest-missing"
			}
			check("SendMessage", func() error {
				_, err := providers.SendMessage(ctx, p, to, providers.Draft{Text: text, IdempotencyKey: providers.NewIdempotencyKey()})
				return err
			})
		case providers.CapDelete:
			check("Delete", func() error { return providers.Delete(ctx, p, ref) })
		case providers.CapFollowers:
			check("Followers", func() error {
				return firstErr(providers.Followers(ctx, p, providers.FollowersOptions{PageSize: e.FollowersPageSize}))
			})
		case providers.CapInbox:
			check("Interactions", func() error { return firstErr(providers.Interactions(ctx, p, providers.InboxOptions{})) })
		case providers.CapDirectMessages:
			check("DirectMessages", func() error { return firstErr(providers.DirectMessages(ctx, p, providers.InboxOptions{})) })
		case providers.CapThread:
			check("Thread", func() error { _, err := providers.GetThread(ctx, p, ref); return err })
		case providers.CapMetrics:
			check("Metrics", func() error { _, err := providers.GetMetrics(ctx, p, []providers.Ref{ref}); return err })
		case providers.CapSearch:
			q := e.SearchQuery
			if q == "" {
				q = "providertest"
			}
			check("Search", func() error { return firstErr(providers.Search(ctx, p, providers.SearchQuery{Query: q})) })
		case providers.CapReact:
			r := e.ReactTo
			if r.IsZero() {
				r = ref
			}
			check("React", func() error { return providers.React(ctx, p, providers.ReactLike, r) })
			check("Unreact", func() error { return providers.Unreact(ctx, p, providers.ReactLike, r) })
		case providers.CapPosts:
			check("Posts", func() error { return firstErr(providers.Posts(ctx, p, providers.PostsOptions{})) })
		case providers.CapLimits:
			check("Limits", func() error { _, err := providers.GetLimits(ctx, p); return err })
		}
	}
	if e.CountPosts != nil && implements(p, providers.CapPublish) {
		if n := count(t, e, text); n != 0 {
			t.Errorf("Publish with a cancelled context created %d posts", n)
		}
	}
}
