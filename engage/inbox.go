package engage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Workflow errors.
var (
	// ErrUnknownAccount: no account with that ID was configured.
	ErrUnknownAccount = errors.New("engage: unknown account")
	// ErrUnknownStaff: no staff member with that ID is on the team.
	ErrUnknownStaff = errors.New("engage: unknown staff member")
	// ErrNoContext: the conversation's thread context was not loaded (or a
	// newer message arrived since); call LoadContext first.
	ErrNoContext = errors.New("engage: conversation context not loaded")
	// ErrTooLong: the signed reply does not fit the platform's limit.
	ErrTooLong = errors.New("engage: reply too long for the platform")
	// ErrInvalidState: the operation is not allowed in the current state.
	ErrInvalidState = errors.New("engage: invalid state for this operation")
	// ErrNotPermitted: the staff member may not do this (approve without
	// being a reviewer, for example).
	ErrNotPermitted = errors.New("engage: not permitted")
	// ErrBusy: another attempt is sending the same reply right now.
	ErrBusy = errors.New("engage: another attempt is in progress")
)

// CustomerLookup finds the customer behind a social account, typically by
// asking audience matching results. Return nil, nil for "not a customer".
type CustomerLookup interface {
	LookupCustomer(ctx context.Context, author providers.Account) (*Customer, error)
}

// CustomerLookupFunc adapts a function to CustomerLookup.
type CustomerLookupFunc func(ctx context.Context, author providers.Account) (*Customer, error)

// LookupCustomer calls f.
func (f CustomerLookupFunc) LookupCustomer(ctx context.Context, a providers.Account) (*Customer, error) {
	return f(ctx, a)
}

// SavedReply is a reusable answer with placeholders: {{first_name}},
// {{name}}, {{handle}}, {{staff}}, {{staff_first_name}}, {{business}},
// and any key given in ReplyRequest.Vars.
type SavedReply struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Text string `json:"text"`
}

// ApprovalPolicy says which replies need a reviewer before they are sent.
type ApprovalPolicy struct {
	// All makes every reply need approval.
	All bool
	// Staff lists authors whose replies need approval (new starters).
	Staff []string
	// Intents and MinPriority select conversations whose replies need
	// approval (complaints, urgent matters); MinPriority 0 is off.
	Intents     []Intent
	MinPriority Priority
	// Canned makes flagged canned replies (see CannedPolicy) need approval.
	Canned bool
	// Reviewers may approve; empty means every staff member with Lead set.
	Reviewers []string
}

// CannedPolicy flags saved replies sent unedited to many people: a
// reply is flagged when, counting it, the same saved reply went out
// unedited to at least Threshold conversations within Window.
type CannedPolicy struct {
	Threshold int
	Window    time.Duration
}

// Option configures an Inbox.
type Option func(*config) error

type config struct {
	store      Store
	accounts   map[string]providers.Provider
	order      []string
	classifier Classifier
	lookup     CustomerLookup
	team       []Staff
	routes     []RouteRule
	sla        SLAPolicy
	slaSet     bool
	now        func() time.Time
	logger     *slog.Logger
	newID      func() string
	batchSize  int
	signatures map[providers.Platform]Signature
	limits     map[string]providers.Limits
	replies    map[string]SavedReply
	approval   ApprovalPolicy
	canned     CannedPolicy
	vipValue   float64
	reach      int64
	business   string
	sendLease  time.Duration
	readBack   time.Duration
	keepSpam   bool
}

// WithStore sets the store (default: a new MemoryStore).
func WithStore(s Store) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("engage: WithStore: nil store")
		}
		c.store = s
		return nil
	}
}

// WithAccount connects a business account under an ID of the caller's
// choosing ("bakery-mastodon"); the ID names it in cursors, conversations
// and operations.
func WithAccount(id string, p providers.Provider) Option {
	return func(c *config) error {
		if id == "" {
			return errors.New("engage: WithAccount: empty account ID")
		}
		if p == nil {
			return fmt.Errorf("engage: WithAccount %q: nil provider", id)
		}
		if _, dup := c.accounts[id]; dup {
			return fmt.Errorf("engage: WithAccount: account %q given twice", id)
		}
		c.accounts[id] = p
		c.order = append(c.order, id)
		return nil
	}
}

// WithClassifier sets the classifier (default: NewRuleClassifier()).
func WithClassifier(cl Classifier) Option {
	return func(c *config) error {
		if cl == nil {
			return errors.New("engage: WithClassifier: nil classifier")
		}
		c.classifier = cl
		return nil
	}
}

// WithCustomerLookup sets how authors are matched to customers.
func WithCustomerLookup(l CustomerLookup) Option {
	return func(c *config) error {
		c.lookup = l
		return nil
	}
}

// WithTeam sets the staff who answer conversations.
func WithTeam(staff ...Staff) Option {
	return func(c *config) error {
		c.team = append(c.team, staff...)
		return nil
	}
}

// WithRoutes sets the routing rules, tried in order; a conversation no
// rule places goes to the least-loaded available staff member.
func WithRoutes(rules ...RouteRule) Option {
	return func(c *config) error {
		c.routes = append(c.routes, rules...)
		return nil
	}
}

// WithSLA sets the first-response policy (default: DefaultSLA()).
func WithSLA(p SLAPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.sla, c.slaSet = p, true
		return nil
	}
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("engage: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("engage: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithIDs sets the generator of conversation, reply and give IDs (default:
// random). IDs must be unique.
func WithIDs(newID func() string) Option {
	return func(c *config) error {
		if newID == nil {
			return errors.New("engage: WithIDs: nil generator")
		}
		c.newID = newID
		return nil
	}
}

// WithBatchSize sets how many interactions are stored per atomic batch
// (default 200).
func WithBatchSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("engage: WithBatchSize: %d, want >= 1", n)
		}
		c.batchSize = n
		return nil
	}
}

// Signature is how replies are signed on a platform. Format and Short are
// rendered with {{first_name}}, {{name}} and {{initials}} of the staff
// member; Short is used when the reply with Format would not fit.
type Signature struct {
	Format string
	Short  string
}

// DefaultSignature signs "^Sam" and, when short of room, "^SL".
func DefaultSignature() Signature {
	return Signature{Format: "^{{first_name}}", Short: "^{{initials}}"}
}

// WithSignature sets the signature format for a platform ("" platform:
// every platform without its own).
func WithSignature(platform providers.Platform, s Signature) Option {
	return func(c *config) error {
		if s.Format == "" {
			return fmt.Errorf("engage: WithSignature %q: empty format", platform)
		}
		c.signatures[platform] = s
		return nil
	}
}

// WithLimits sets an account's publishing limits, instead of asking the
// provider (providers.GetLimits) or using none.
func WithLimits(account string, l providers.Limits) Option {
	return func(c *config) error {
		c.limits[account] = l
		return nil
	}
}

// WithSavedReplies adds saved replies.
func WithSavedReplies(replies ...SavedReply) Option {
	return func(c *config) error {
		for _, r := range replies {
			if r.ID == "" || r.Text == "" {
				return fmt.Errorf("engage: WithSavedReplies: reply %q needs an ID and a text", r.Name)
			}
			if _, err := parseTemplate(r.Text); err != nil {
				return fmt.Errorf("engage: saved reply %q: %w", r.ID, err)
			}
			c.replies[r.ID] = r
		}
		return nil
	}
}

// WithApproval sets which replies need approval (default: none).
func WithApproval(p ApprovalPolicy) Option {
	return func(c *config) error {
		c.approval = p
		return nil
	}
}

// WithCannedPolicy sets when unedited saved replies are flagged (default:
// 3 conversations within 24 hours).
func WithCannedPolicy(p CannedPolicy) Option {
	return func(c *config) error {
		if p.Threshold < 2 || p.Window <= 0 {
			return fmt.Errorf("engage: WithCannedPolicy: threshold %d and window %s, want >= 2 and > 0", p.Threshold, p.Window)
		}
		c.canned = p
		return nil
	}
}

// WithVIPValue raises the priority of customers whose Value is at least v
// (default 0: off).
func WithVIPValue(v float64) Option {
	return func(c *config) error {
		c.vipValue = v
		return nil
	}
}

// WithInfluencerReach raises the priority of non-praise messages from
// authors with at least n followers (default 10,000; 0 turns it off).
func WithInfluencerReach(n int64) Option {
	return func(c *config) error {
		c.reach = n
		return nil
	}
}

// WithBusinessName sets the {{business}} placeholder of saved replies.
func WithBusinessName(name string) Option {
	return func(c *config) error {
		c.business = name
		return nil
	}
}

// WithSendLease sets how long a reply stays claimed by a sender before
// another attempt may take it over (after a read-back); default 2 minutes.
func WithSendLease(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("engage: WithSendLease: want > 0")
		}
		c.sendLease = d
		return nil
	}
}

// WithKeepSpam keeps conversations the classifier calls spam open for
// triage; by default they are created ignored (reason "spam").
func WithKeepSpam() Option {
	return func(c *config) error {
		c.keepSpam = true
		return nil
	}
}

// Inbox is a workspace's unified inbox. It is safe for concurrent use.
type Inbox struct {
	cfg        config
	store      Store
	classifier Classifier
	router     *router
	now        func() time.Time
	log        *slog.Logger
	events     hub

	mu       sync.Mutex
	accounts map[string]*account
	locks    map[string]*sync.Mutex
	buffers  sync.Pool // *ingestBuffers
}

type account struct {
	id       string
	provider providers.Provider
	platform providers.Platform

	mu        sync.Mutex
	self      providers.Account
	selfKnown bool
	limits    *providers.Limits
}

// New returns an Inbox. It validates the options and never touches the
// network.
func New(opts ...Option) (*Inbox, error) {
	c := config{
		accounts:   map[string]providers.Provider{},
		signatures: map[providers.Platform]Signature{},
		limits:     map[string]providers.Limits{},
		replies:    map[string]SavedReply{},
		batchSize:  200,
		reach:      10000,
		canned:     CannedPolicy{Threshold: 3, Window: 24 * time.Hour},
		sendLease:  2 * time.Minute,
		readBack:   2 * time.Minute,
	}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.store == nil {
		c.store = NewMemoryStore()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.newID == nil {
		c.newID = providers.NewIdempotencyKey
	}
	if !c.slaSet {
		c.sla = DefaultSLA()
	}
	cl := c.classifier
	if cl == nil {
		rc, err := NewRuleClassifier()
		if err != nil {
			return nil, err
		}
		cl = rc
	}
	r, err := newRouter(c.team, c.routes)
	if err != nil {
		return nil, err
	}
	for _, id := range c.sla.EscalateTo {
		if _, ok := r.staff(id); !ok {
			return nil, fmt.Errorf("engage: SLA EscalateTo: %w: %q", ErrUnknownStaff, id)
		}
	}
	for _, id := range append(append([]string{}, c.approval.Reviewers...), c.approval.Staff...) {
		if _, ok := r.staff(id); !ok {
			return nil, fmt.Errorf("engage: approval policy: %w: %q", ErrUnknownStaff, id)
		}
	}
	in := &Inbox{
		cfg: c, store: c.store, classifier: cl, router: r, now: c.now, log: c.logger,
		accounts: map[string]*account{}, locks: map[string]*sync.Mutex{},
	}
	for _, id := range c.order {
		p := c.accounts[id]
		in.accounts[id] = &account{id: id, provider: p, platform: p.Platform()}
	}
	return in, nil
}

// Store returns the inbox's store.
func (in *Inbox) Store() Store { return in.store }

// Accounts returns the IDs of the connected accounts, in the order given.
func (in *Inbox) Accounts() []string { return append([]string(nil), in.cfg.order...) }

// Team returns the staff.
func (in *Inbox) Team() []Staff { return append([]Staff(nil), in.router.team...) }

func (in *Inbox) account(id string) (*account, error) {
	a, ok := in.accounts[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAccount, id)
	}
	return a, nil
}

// lock returns the in-process mutex for a key (one sync per account, one
// run per search at a time in this process; across processes the store's
// compare-and-swap writes keep things correct).
func (in *Inbox) lock(key string) *sync.Mutex {
	in.mu.Lock()
	defer in.mu.Unlock()
	m, ok := in.locks[key]
	if !ok {
		m = &sync.Mutex{}
		in.locks[key] = m
	}
	return m
}

// selfAccount returns (and caches) the account the provider acts as.
func (a *account) selfAccount(ctx context.Context) (providers.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.selfKnown {
		return a.self, nil
	}
	s, err := a.provider.Self(ctx)
	if err != nil {
		return providers.Account{}, fmt.Errorf("engage: account %q: self: %w", a.id, err)
	}
	a.self, a.selfKnown = s, true
	return s, nil
}

// platformLimits returns the account's limits: configured, else read once
// from the provider, else none.
func (in *Inbox) platformLimits(ctx context.Context, a *account) providers.Limits {
	if l, ok := in.cfg.limits[a.id]; ok {
		return l
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.limits != nil {
		return *a.limits
	}
	l, err := providers.GetLimits(ctx, a.provider)
	if err != nil {
		if !errors.Is(err, providers.ErrUnsupported) {
			in.log.Warn("engage: reading limits failed; using none", "account", a.id, "err", err)
			return providers.Limits{}
		}
		l = providers.Limits{}
	}
	a.limits = &l
	return l
}

func (in *Inbox) staff(id string) (Staff, error) {
	s, ok := in.router.staff(id)
	if !ok {
		return Staff{}, fmt.Errorf("%w: %q", ErrUnknownStaff, id)
	}
	return s, nil
}
