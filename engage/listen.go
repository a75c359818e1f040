package engage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// SaveSearch validates and stores a saved search, giving it an ID and a
// creation time when it has none.
func (in *Inbox) SaveSearch(ctx context.Context, s SavedSearch) (SavedSearch, error) {
	if _, err := in.account(s.Account); err != nil {
		return SavedSearch{}, fmt.Errorf("engage: saved search %q: %w", s.Name, err)
	}
	if s.Query == "" {
		return SavedSearch{}, fmt.Errorf("engage: saved search %q: empty query", s.Name)
	}
	switch s.Kind {
	case SearchBrand, SearchProduct, SearchHashtag, SearchTopic:
	case "":
		s.Kind = SearchTopic
	default:
		return SavedSearch{}, fmt.Errorf("engage: saved search %q: unknown kind %q", s.Name, s.Kind)
	}
	if s.Limit < 0 {
		return SavedSearch{}, fmt.Errorf("engage: saved search %q: negative limit", s.Name)
	}
	if s.ID == "" {
		s.ID = in.cfg.newID()
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = in.now()
	}
	if err := in.store.PutSearch(ctx, s); err != nil {
		return SavedSearch{}, err
	}
	return s, nil
}

// ListenResult reports one run of a saved search.
type ListenResult struct {
	Search string `json:"search"`
	IngestResult
	// HighWater is the creation time of the newest post taken so far.
	HighWater time.Time `json:"high_water"`
	// Contended is true when another run moved the high-water mark first.
	Contended bool `json:"contended,omitempty"`
}

// ListenKey returns the store key of a saved search's high-water mark.
func ListenKey(searchID string) string { return "listen:" + searchID }

// Listen runs one saved search through its account's provider
// (providers.Searcher) and brings the posts newer than the search's
// high-water mark into the inbox, marked SourceListening. The posts are
// stored oldest first, each batch atomically with the mark, so a crash
// loses nothing and a rerun takes nothing twice. A listened post arrives
// as an interaction of kind providers.Mention (a brand mention) with ID
// "listen:<post id>"; a post that also reaches the inbox directly is kept
// once.
func (in *Inbox) Listen(ctx context.Context, searchID string) (ListenResult, error) {
	res := ListenResult{Search: searchID}
	l := in.lock("listen:" + searchID)
	l.Lock()
	defer l.Unlock()
	ss, err := in.store.SavedSearch(ctx, searchID)
	if err != nil {
		return res, err
	}
	if ss.Disabled {
		return res, nil
	}
	a, err := in.account(ss.Account)
	if err != nil {
		return res, fmt.Errorf("engage: listen %q: %w", searchID, err)
	}
	self, err := a.selfAccount(ctx)
	if err != nil {
		return res, err
	}
	key := ListenKey(searchID)
	from, err := in.store.Cursor(ctx, key)
	if err != nil {
		return res, err
	}
	var since time.Time
	if from != "" {
		if since, err = time.Parse(time.RFC3339Nano, from); err != nil {
			return res, fmt.Errorf("engage: listen %q: stored high-water mark %q: %w", searchID, from, err)
		}
	}
	res.HighWater = since
	limit := ss.Limit
	if limit == 0 {
		limit = 200
	}
	// Search yields newest first; a partial result would move the mark past
	// older posts not yet seen, so an error leaves everything untouched.
	posts, err := providers.Collect(providers.Search(ctx, a.provider, providers.SearchQuery{Query: ss.Query, Since: since, Limit: limit}))
	if err != nil {
		return res, fmt.Errorf("engage: listen %q: search %q: %w", searchID, ss.Query, err)
	}
	slices.SortStableFunc(posts, func(x, y providers.Post) int {
		if c := x.CreatedAt.Compare(y.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	its := make([]providers.Interaction, 0, len(posts))
	for _, p := range posts {
		if p.Author.ID == self.ID && self.ID != "" {
			res.Skipped++
			continue
		}
		if p.Platform == "" {
			p.Platform = a.platform
		}
		its = append(its, providers.Interaction{
			Platform: p.Platform, Kind: providers.Mention, ID: "listen:" + p.ID,
			Author: p.Author, Post: p, OccurredAt: p.CreatedAt,
		})
	}
	for chunk := range slices.Chunk(its, in.cfg.batchSize) {
		newest := chunk[len(chunk)-1].OccurredAt
		to := from
		if newest.After(since) {
			to = newest.UTC().Format(time.RFC3339Nano)
		}
		r, err := in.ingest(ctx, a, SourceListening, chunk, &CursorMove{Key: key, From: from, To: to})
		res.add(r)
		if errors.Is(err, errCursorMoved) {
			res.Contended = true
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("engage: listen %q: %w", searchID, err)
		}
		if to != from {
			from, since, res.HighWater = to, newest, newest
		}
	}
	return res, nil
}

// ListenAll runs every enabled saved search; errors are joined.
func (in *Inbox) ListenAll(ctx context.Context) ([]ListenResult, error) {
	searches, err := in.store.SavedSearches(ctx)
	if err != nil {
		return nil, err
	}
	var out []ListenResult
	var errs []error
	for _, s := range searches {
		if s.Disabled {
			continue
		}
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		r, err := in.Listen(ctx, s.ID)
		out = append(out, r)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}
