package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rapportkit/rapport/campaign"
)

// CampaignStore is the workspace's campaign.Store: plans, approval
// transitions, the publishing outbox, offers and redemptions. Records are
// kept as JSON documents beside the columns that queries filter, order and
// compare-and-set on.
type CampaignStore struct{ w *Workspace }

var _ campaign.Store = CampaignStore{}

// Campaign returns the workspace's campaign store.
func (w *Workspace) Campaign() CampaignStore { return CampaignStore{w} }

// isUniqueViolation reports whether err is a primary-key or unique
// constraint violation on either engine.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// errExists reports a row that an insert found already there.
var errExists = errors.New("store: row exists")

// insertNew runs an INSERT that must create its row. An existing row (by
// any unique key) is reported as errExists without an error inside the
// database: ON CONFLICT DO NOTHING keeps a surrounding PostgreSQL
// transaction usable, where a unique violation would abort it and with it
// the caller's other writes (the worker records outcomes that way).
func (w *Workspace) insertNew(ctx context.Context, q string, args ...any) error {
	n, err := w.exec(ctx, q+" ON CONFLICT DO NOTHING", args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return errExists
	}
	return nil
}

func scanDoc[T any](r row) (T, error) {
	var doc string
	if err := r.Scan(&doc); err != nil {
		var zero T
		return zero, err
	}
	return decodeJSON[T](doc)
}

func decodeJSON[T any](doc string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, fmt.Errorf("store: decode: %w", err)
	}
	return v, nil
}

func listDocs[T any](ctx context.Context, w *Workspace, q string, args ...any) ([]T, error) {
	rs, err := w.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []T
	for rs.Next() {
		v, err := scanDoc[T](rs)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rs.Err()
}

func mustJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// SavePlan implements campaign.PlanStore.
func (s CampaignStore) SavePlan(ctx context.Context, p campaign.Plan) (campaign.Plan, error) {
	if p.ID == "" {
		return campaign.Plan{}, errors.New("store: save plan: empty id")
	}
	prev := p.Version
	p.Version++
	doc, err := mustJSON(p)
	if err != nil {
		return campaign.Plan{}, fmt.Errorf("store: save plan %q: %w", p.ID, err)
	}
	if prev == 0 {
		err := s.w.insertNew(ctx, "INSERT INTO rapport_plans (workspace, id, version, doc) VALUES (?, ?, ?, ?)", s.w.id, p.ID, p.Version, doc)
		if errors.Is(err, errExists) {
			return campaign.Plan{}, fmt.Errorf("store: save plan %q: already exists: %w", p.ID, campaign.ErrConflict)
		}
		if err != nil {
			return campaign.Plan{}, fmt.Errorf("store: save plan %q: %w", p.ID, err)
		}
		return p, nil
	}
	n, err := s.w.exec(ctx, "UPDATE rapport_plans SET version = ?, doc = ? WHERE workspace = ? AND id = ? AND version = ?", p.Version, doc, s.w.id, p.ID, prev)
	if err != nil {
		return campaign.Plan{}, fmt.Errorf("store: save plan %q: %w", p.ID, err)
	}
	if n == 0 {
		if _, err := s.Plan(ctx, p.ID); err != nil {
			return campaign.Plan{}, err
		}
		return campaign.Plan{}, fmt.Errorf("store: save plan %q: version %d is stale: %w", p.ID, prev, campaign.ErrConflict)
	}
	return p, nil
}

// Plan implements campaign.PlanStore.
func (s CampaignStore) Plan(ctx context.Context, id string) (campaign.Plan, error) {
	p, err := scanDoc[campaign.Plan](s.w.queryRow(ctx, "SELECT doc FROM rapport_plans WHERE workspace = ? AND id = ?", s.w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Plan{}, fmt.Errorf("store: plan %q: %w", id, campaign.ErrNotFound)
	}
	return p, err
}

// Plans implements campaign.PlanStore.
func (s CampaignStore) Plans(ctx context.Context) ([]campaign.Plan, error) {
	return listDocs[campaign.Plan](ctx, s.w, "SELECT doc FROM rapport_plans WHERE workspace = ? ORDER BY id", s.w.id)
}

// AddTransition implements campaign.ApprovalStore.
func (s CampaignStore) AddTransition(ctx context.Context, t campaign.Transition) error {
	doc, err := mustJSON(t)
	if err != nil {
		return err
	}
	return s.w.InTx(ctx, func(w *Workspace) error {
		n, cur := 0, campaign.StateDraft
		var last string
		err := w.queryRow(ctx, `SELECT seq, to_state FROM rapport_transitions
			WHERE workspace = ? AND plan_id = ? AND item_id = ? ORDER BY seq DESC LIMIT 1`,
			w.id, t.PlanID, t.ItemID).Scan(&n, &last)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("store: transitions of %s/%s: %w", t.PlanID, t.ItemID, err)
		default:
			cur = campaign.ApprovalState(last)
		}
		if t.Seq != n+1 || t.From != cur {
			return fmt.Errorf("store: transition %d %s→%s of %s/%s: history has %d, state %s: %w",
				t.Seq, t.From, t.To, t.PlanID, t.ItemID, n, cur, campaign.ErrConflict)
		}
		err = w.insertNew(ctx, "INSERT INTO rapport_transitions (workspace, plan_id, item_id, seq, to_state, doc) VALUES (?, ?, ?, ?, ?, ?)",
			w.id, t.PlanID, t.ItemID, t.Seq, string(t.To), doc)
		if errors.Is(err, errExists) {
			return fmt.Errorf("store: transition %d of %s/%s: recorded meanwhile: %w", t.Seq, t.PlanID, t.ItemID, campaign.ErrConflict)
		}
		return err
	})
}

// Transitions implements campaign.ApprovalStore.
func (s CampaignStore) Transitions(ctx context.Context, planID, itemID string) ([]campaign.Transition, error) {
	out, err := listDocs[campaign.Transition](ctx, s.w,
		"SELECT doc FROM rapport_transitions WHERE workspace = ? AND plan_id = ? AND item_id = ? ORDER BY seq", s.w.id, planID, itemID)
	if out == nil && err == nil {
		out = []campaign.Transition{}
	}
	return out, err
}

// AddOutbox implements campaign.OutboxStore.
func (s CampaignStore) AddOutbox(ctx context.Context, e campaign.OutboxEntry) (campaign.OutboxEntry, error) {
	if e.ID == "" {
		return campaign.OutboxEntry{}, errors.New("store: add outbox: empty id")
	}
	e.Version = 1
	doc, err := mustJSON(e)
	if err != nil {
		return campaign.OutboxEntry{}, err
	}
	err = s.w.insertNew(ctx, `INSERT INTO rapport_outbox (workspace, id, plan_id, state, due_at, next_attempt_at, attempt_started_at, version, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.w.id, e.ID, e.PlanID, string(e.State), nanos(e.DueAt), nanos(e.NextAttemptAt), nanos(e.AttemptStartedAt), e.Version, doc)
	if errors.Is(err, errExists) {
		return campaign.OutboxEntry{}, fmt.Errorf("store: outbox %q: already exists: %w", e.ID, campaign.ErrConflict)
	}
	if err != nil {
		return campaign.OutboxEntry{}, fmt.Errorf("store: add outbox %q: %w", e.ID, err)
	}
	return e, nil
}

// OutboxEntry implements campaign.OutboxStore.
func (s CampaignStore) OutboxEntry(ctx context.Context, id string) (campaign.OutboxEntry, error) {
	e, err := scanDoc[campaign.OutboxEntry](s.w.queryRow(ctx, "SELECT doc FROM rapport_outbox WHERE workspace = ? AND id = ?", s.w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.OutboxEntry{}, fmt.Errorf("store: outbox %q: %w", id, campaign.ErrNotFound)
	}
	return e, err
}

// UpdateOutbox implements campaign.OutboxStore: a compare-and-set on the
// entry's version, which is how concurrent publishers claim it.
func (s CampaignStore) UpdateOutbox(ctx context.Context, e campaign.OutboxEntry) (campaign.OutboxEntry, error) {
	prev := e.Version
	e.Version++
	doc, err := mustJSON(e)
	if err != nil {
		return campaign.OutboxEntry{}, err
	}
	n, err := s.w.exec(ctx, `UPDATE rapport_outbox SET plan_id = ?, state = ?, due_at = ?, next_attempt_at = ?, attempt_started_at = ?, version = ?, doc = ?
		WHERE workspace = ? AND id = ? AND version = ?`,
		e.PlanID, string(e.State), nanos(e.DueAt), nanos(e.NextAttemptAt), nanos(e.AttemptStartedAt), e.Version, doc, s.w.id, e.ID, prev)
	if err != nil {
		return campaign.OutboxEntry{}, fmt.Errorf("store: update outbox %q: %w", e.ID, err)
	}
	if n == 0 {
		if _, err := s.OutboxEntry(ctx, e.ID); err != nil {
			return campaign.OutboxEntry{}, err
		}
		return campaign.OutboxEntry{}, fmt.Errorf("store: update outbox %q: version %d is stale: %w", e.ID, prev, campaign.ErrConflict)
	}
	return e, nil
}

// DueOutbox implements campaign.OutboxStore.
func (s CampaignStore) DueOutbox(ctx context.Context, q campaign.DueQuery) ([]campaign.OutboxEntry, error) {
	query := `SELECT doc, next_attempt_at AS sort_at, id FROM rapport_outbox
		WHERE workspace = ? AND state IN ('pending', 'unknown') AND next_attempt_at <= ?`
	args := []any{s.w.id, nanos(q.Now)}
	if !q.StaleBefore.IsZero() {
		query += ` UNION ALL SELECT doc, attempt_started_at AS sort_at, id FROM rapport_outbox
			WHERE workspace = ? AND state = 'publishing' AND attempt_started_at <= ?`
		args = append(args, s.w.id, nanos(q.StaleBefore))
	}
	query = "SELECT doc FROM (" + query + ") due ORDER BY sort_at, id"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	return listDocs[campaign.OutboxEntry](ctx, s.w, query, args...)
}

// PlanOutbox implements campaign.OutboxStore.
func (s CampaignStore) PlanOutbox(ctx context.Context, planID string) ([]campaign.OutboxEntry, error) {
	return listDocs[campaign.OutboxEntry](ctx, s.w, "SELECT doc FROM rapport_outbox WHERE workspace = ? AND plan_id = ? ORDER BY due_at, id", s.w.id, planID)
}

func offerCodes(o campaign.Offer) []string {
	var codes []string
	for _, c := range o.Codes {
		if c != "" {
			codes = append(codes, strings.ToLower(c))
		}
	}
	if o.EmailCode != "" {
		codes = append(codes, strings.ToLower(o.EmailCode))
	}
	return codes
}

// SaveOffer implements campaign.OfferStore.
func (s CampaignStore) SaveOffer(ctx context.Context, o campaign.Offer) error {
	if o.ID == "" {
		return errors.New("store: save offer: empty id")
	}
	doc, err := mustJSON(o)
	if err != nil {
		return err
	}
	return s.w.InTx(ctx, func(w *Workspace) error {
		if _, err := w.exec(ctx, "DELETE FROM rapport_offer_codes WHERE workspace = ? AND offer_id = ?", w.id, o.ID); err != nil {
			return fmt.Errorf("store: save offer %q: %w", o.ID, err)
		}
		seen := map[string]bool{}
		for _, c := range offerCodes(o) {
			if seen[c] {
				continue // the same code on two channels of one offer
			}
			seen[c] = true
			_, err := w.exec(ctx, "INSERT INTO rapport_offer_codes (workspace, code, offer_id) VALUES (?, ?, ?)", w.id, c, o.ID)
			if isUniqueViolation(err) {
				return fmt.Errorf("store: save offer %q: code %q is used by another offer: %w", o.ID, c, campaign.ErrConflict)
			}
			if err != nil {
				return fmt.Errorf("store: save offer %q: %w", o.ID, err)
			}
		}
		_, err := w.exec(ctx, `INSERT INTO rapport_offers (workspace, id, doc) VALUES (?, ?, ?)
			ON CONFLICT (workspace, id) DO UPDATE SET doc = excluded.doc`, w.id, o.ID, doc)
		if err != nil {
			return fmt.Errorf("store: save offer %q: %w", o.ID, err)
		}
		return nil
	})
}

// Offer implements campaign.OfferStore.
func (s CampaignStore) Offer(ctx context.Context, id string) (campaign.Offer, error) {
	o, err := scanDoc[campaign.Offer](s.w.queryRow(ctx, "SELECT doc FROM rapport_offers WHERE workspace = ? AND id = ?", s.w.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Offer{}, fmt.Errorf("store: offer %q: %w", id, campaign.ErrNotFound)
	}
	return o, err
}

// OfferByCode implements campaign.OfferStore.
func (s CampaignStore) OfferByCode(ctx context.Context, code string) (campaign.Offer, error) {
	o, err := scanDoc[campaign.Offer](s.w.queryRow(ctx, `SELECT o.doc FROM rapport_offer_codes c
		JOIN rapport_offers o ON o.workspace = c.workspace AND o.id = c.offer_id
		WHERE c.workspace = ? AND c.code = ?`, s.w.id, strings.ToLower(code)))
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Offer{}, fmt.Errorf("store: offer with code %q: %w", code, campaign.ErrNotFound)
	}
	return o, err
}

// AddRedemption implements campaign.OfferStore.
func (s CampaignStore) AddRedemption(ctx context.Context, r campaign.Redemption) error {
	doc, err := mustJSON(r)
	if err != nil {
		return err
	}
	err = s.w.insertNew(ctx, "INSERT INTO rapport_redemptions (workspace, offer_id, id, at, doc) VALUES (?, ?, ?, ?, ?)",
		s.w.id, r.OfferID, r.ID, nanos(r.At), doc)
	if errors.Is(err, errExists) {
		return fmt.Errorf("store: redemption %q of offer %q: already recorded: %w", r.ID, r.OfferID, campaign.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: add redemption %q: %w", r.ID, err)
	}
	return nil
}

// Redemptions implements campaign.OfferStore.
func (s CampaignStore) Redemptions(ctx context.Context, offerID string) ([]campaign.Redemption, error) {
	return listDocs[campaign.Redemption](ctx, s.w, "SELECT doc FROM rapport_redemptions WHERE workspace = ? AND offer_id = ? ORDER BY at, id", s.w.id, offerID)
}
