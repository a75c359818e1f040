package campaign

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store held in memory, for tests, examples and
// single-process use. Records are kept as JSON, so what comes out is a copy
// that shares nothing with what went in (as with a database). Use
// NewMemoryStore; it is safe for concurrent use.
type MemoryStore struct {
	mu          sync.Mutex
	plans       map[string][]byte
	transitions map[string][]Transition
	outbox      map[string][]byte
	offers      map[string][]byte
	redemptions map[string][]Redemption
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		plans:       map[string][]byte{},
		transitions: map[string][]Transition{},
		outbox:      map[string][]byte{},
		offers:      map[string][]byte{},
		redemptions: map[string][]Redemption{},
	}
}

func encode(v any) ([]byte, error) { return json.Marshal(v) }

func decode[T any](b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// SavePlan implements PlanStore.
func (s *MemoryStore) SavePlan(ctx context.Context, p Plan) (Plan, error) {
	if err := ctx.Err(); err != nil {
		return Plan{}, err
	}
	if p.ID == "" {
		return Plan{}, fmt.Errorf("save plan: empty id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.plans[p.ID]
	switch {
	case p.Version == 0 && ok:
		return Plan{}, fmt.Errorf("save plan %q: already exists: %w", p.ID, ErrConflict)
	case p.Version != 0 && !ok:
		return Plan{}, fmt.Errorf("save plan %q: %w", p.ID, ErrNotFound)
	case p.Version != 0:
		stored, err := decode[Plan](cur)
		if err != nil {
			return Plan{}, err
		}
		if stored.Version != p.Version {
			return Plan{}, fmt.Errorf("save plan %q: version %d, stored %d: %w", p.ID, p.Version, stored.Version, ErrConflict)
		}
	}
	p.Version++
	b, err := encode(p)
	if err != nil {
		return Plan{}, fmt.Errorf("save plan %q: %w", p.ID, err)
	}
	s.plans[p.ID] = b
	return decode[Plan](b)
}

// Plan implements PlanStore.
func (s *MemoryStore) Plan(ctx context.Context, id string) (Plan, error) {
	return getRecord[Plan](ctx, &s.mu, s.plans, "plan", id)
}

// Plans implements PlanStore.
func (s *MemoryStore) Plans(ctx context.Context) ([]Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := sortedKeys(s.plans)
	out := make([]Plan, 0, len(ids))
	for _, id := range ids {
		p, err := decode[Plan](s.plans[id])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// getRecord decodes the record with the given id from m under mu, or
// returns an error wrapping ErrNotFound that names what was looked for.
func getRecord[T any](ctx context.Context, mu *sync.Mutex, m map[string][]byte, what, id string) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	mu.Lock()
	defer mu.Unlock()
	b, ok := m[id]
	if !ok {
		return zero, fmt.Errorf("%s %q: %w", what, id, ErrNotFound)
	}
	return decode[T](b)
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func itemKey(planID, itemID string) string { return planID + "\x00" + itemID }

// AddTransition implements ApprovalStore.
func (s *MemoryStore) AddTransition(ctx context.Context, t Transition) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := itemKey(t.PlanID, t.ItemID)
	hist := s.transitions[k]
	cur := StateDraft
	if len(hist) > 0 {
		cur = hist[len(hist)-1].To
	}
	if t.Seq != len(hist)+1 {
		return fmt.Errorf("approval %s/%s: transition seq %d, want %d: %w", t.PlanID, t.ItemID, t.Seq, len(hist)+1, ErrConflict)
	}
	if t.From != cur {
		return fmt.Errorf("approval %s/%s: transition from %s, current state %s: %w", t.PlanID, t.ItemID, t.From, cur, ErrConflict)
	}
	s.transitions[k] = append(hist, t)
	return nil
}

// Transitions implements ApprovalStore.
func (s *MemoryStore) Transitions(ctx context.Context, planID, itemID string) ([]Transition, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.transitions[itemKey(planID, itemID)]), nil
}

// AddOutbox implements OutboxStore.
func (s *MemoryStore) AddOutbox(ctx context.Context, e OutboxEntry) (OutboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return OutboxEntry{}, err
	}
	if e.ID == "" {
		return OutboxEntry{}, fmt.Errorf("add outbox entry: empty id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.outbox[e.ID]; ok {
		return OutboxEntry{}, fmt.Errorf("outbox entry %q: already exists: %w", e.ID, ErrConflict)
	}
	e.Version = 1
	b, err := encode(e)
	if err != nil {
		return OutboxEntry{}, err
	}
	s.outbox[e.ID] = b
	return decode[OutboxEntry](b)
}

// OutboxEntry implements OutboxStore.
func (s *MemoryStore) OutboxEntry(ctx context.Context, id string) (OutboxEntry, error) {
	return getRecord[OutboxEntry](ctx, &s.mu, s.outbox, "outbox entry", id)
}

// UpdateOutbox implements OutboxStore.
func (s *MemoryStore) UpdateOutbox(ctx context.Context, e OutboxEntry) (OutboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return OutboxEntry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.outbox[e.ID]
	if !ok {
		return OutboxEntry{}, fmt.Errorf("outbox entry %q: %w", e.ID, ErrNotFound)
	}
	cur, err := decode[OutboxEntry](b)
	if err != nil {
		return OutboxEntry{}, err
	}
	if cur.Version != e.Version {
		return OutboxEntry{}, fmt.Errorf("outbox entry %q: version %d, stored %d: %w", e.ID, e.Version, cur.Version, ErrConflict)
	}
	e.Version++
	nb, err := encode(e)
	if err != nil {
		return OutboxEntry{}, err
	}
	s.outbox[e.ID] = nb
	return decode[OutboxEntry](nb)
}

// DueOutbox implements OutboxStore.
func (s *MemoryStore) DueOutbox(ctx context.Context, q DueQuery) ([]OutboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []OutboxEntry
	for _, b := range s.outbox {
		e, err := decode[OutboxEntry](b)
		if err != nil {
			return nil, err
		}
		if q.Matches(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b OutboxEntry) int {
		if c := dueOrderTime(a).Compare(dueOrderTime(b)); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

func dueOrderTime(e OutboxEntry) time.Time {
	if e.State == OutboxPublishing {
		return e.AttemptStartedAt
	}
	return e.NextAttemptAt
}

// PlanOutbox implements OutboxStore.
func (s *MemoryStore) PlanOutbox(ctx context.Context, planID string) ([]OutboxEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []OutboxEntry
	for _, b := range s.outbox {
		e, err := decode[OutboxEntry](b)
		if err != nil {
			return nil, err
		}
		if e.PlanID == planID {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b OutboxEntry) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// offerCodes lists every code of o, upper-cased.
func offerCodes(o Offer) []string {
	var codes []string
	for _, c := range o.Codes {
		if c != "" {
			codes = append(codes, strings.ToUpper(c))
		}
	}
	if o.EmailCode != "" {
		codes = append(codes, strings.ToUpper(o.EmailCode))
	}
	return codes
}

// SaveOffer implements OfferStore.
func (s *MemoryStore) SaveOffer(ctx context.Context, o Offer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.ID == "" {
		return fmt.Errorf("save offer: empty id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	mine := offerCodes(o)
	for id, b := range s.offers {
		if id == o.ID {
			continue
		}
		other, err := decode[Offer](b)
		if err != nil {
			return err
		}
		for _, c := range offerCodes(other) {
			if slices.Contains(mine, c) {
				return fmt.Errorf("save offer %q: code %q is used by offer %q: %w", o.ID, c, id, ErrConflict)
			}
		}
	}
	b, err := encode(o)
	if err != nil {
		return err
	}
	s.offers[o.ID] = b
	return nil
}

// Offer implements OfferStore.
func (s *MemoryStore) Offer(ctx context.Context, id string) (Offer, error) {
	return getRecord[Offer](ctx, &s.mu, s.offers, "offer", id)
}

// OfferByCode implements OfferStore.
func (s *MemoryStore) OfferByCode(ctx context.Context, code string) (Offer, error) {
	if err := ctx.Err(); err != nil {
		return Offer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	want := strings.ToUpper(strings.TrimSpace(code))
	for _, id := range sortedKeys(s.offers) {
		o, err := decode[Offer](s.offers[id])
		if err != nil {
			return Offer{}, err
		}
		if slices.Contains(offerCodes(o), want) {
			return o, nil
		}
	}
	return Offer{}, fmt.Errorf("offer with code %q: %w", code, ErrNotFound)
}

// AddRedemption implements OfferStore.
func (s *MemoryStore) AddRedemption(ctx context.Context, r Redemption) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.redemptions[r.OfferID] {
		if x.ID == r.ID {
			return fmt.Errorf("redemption %q of offer %q: already recorded: %w", r.ID, r.OfferID, ErrConflict)
		}
	}
	s.redemptions[r.OfferID] = append(s.redemptions[r.OfferID], r)
	return nil
}

// Redemptions implements OfferStore.
func (s *MemoryStore) Redemptions(ctx context.Context, offerID string) ([]Redemption, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.redemptions[offerID])
	slices.SortFunc(out, func(a, b Redemption) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}
