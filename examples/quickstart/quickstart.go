package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/audience"
	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/simulate"
	"github.com/rapportkit/rapport/store"
)

const (
	business    = "Juniper Street Bakery"
	handle      = "juniperbakery"
	workspaceID = "juniper-street"
	zone        = "Europe/London"
)

// platforms are the bakery's three networks, in the order the program
// shows them.
var platforms = []providers.Platform{providers.Instagram, providers.Mastodon, providers.Bluesky}

// Files written to the output folder.
const (
	dbFile     = "rapport.db"
	htmlFile   = "report.html"
	jsonFile   = "report.json"
	csvFile    = "report.csv"
	inviteFile = "customers-to-invite.csv"
)

// site is the bakery on one simulated network.
type site struct {
	platform  providers.Platform
	net       *memory.Network
	biz       *memory.Client
	sim       *simulate.Sim
	rng       *rand.Rand
	people    []person
	listeners []simulate.Person
	// offer tracking: the offer's posts, who engaged with them (by
	// account ID) and the inbox position read so far.
	offerPosts map[string]bool
	engaged    map[string]providers.Account
	cursor     string
}

// tallies are the counts the program keeps as it runs.
type tallies struct {
	published, lostResponses    int
	slaWarnings, slaBreaches    int
	escalated                   int
	replies                     map[string]int // by staff ID
	gives                       int
	listeningFound, helped      int
	followed                    int // listeners who followed after being helped
	redemptions                 int
	weekPosts, weekWarn, weekBr int
}

// quickstart is one run.
type quickstart struct {
	cfg   config
	w     io.Writer
	loc   *time.Location
	sched schedule
	clock *memory.Clock
	sites []*site

	dbPath string
	db     *store.DB
	ws     *store.Workspace

	customers []audience.Customer
	matcher   *audience.Matcher
	first     *audience.Result // the survey at the start
	lookup    map[accountKey]int

	plan      *campaign.Plan
	approvals *campaign.Approvals
	offers    *campaign.Offers
	pub       *campaign.Publisher

	inbox *engage.Inbox
	team  []engage.Staff
	// staffRng decides the minute each reply goes out.
	staffRng *rand.Rand
	nextID   atomic.Int64

	collector *analytics.Collector
	actions   []analytics.Action
	goals     map[string][]analytics.Observation
	redeemed  map[string]bool // customer IDs and platform/account keys

	t tallies
}

type accountKey struct {
	platform providers.Platform
	id       string
}

func (k accountKey) String() string { return string(k.platform) + "/" + k.id }

func newQuickstart(ctx context.Context, w io.Writer, cfg config) (*quickstart, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	start := time.Date(2026, time.March, 2, 0, 0, 0, 0, loc) // a Monday; clocks go forward on 29 March
	q := &quickstart{cfg: cfg, w: w, loc: loc, sched: newSchedule(start, cfg.Weeks), clock: memory.NewClock(start),
		staffRng: rand.New(rand.NewPCG(uint64(cfg.Seed), 3)), lookup: map[accountKey]int{}, goals: map[string][]analytics.Observation{}, redeemed: map[string]bool{}}
	q.t.replies = map[string]int{}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	q.dbPath = filepath.Join(cfg.Out, dbFile)
	for _, suffix := range []string{"", "-wal", "-shm"} { // every run starts from an empty database
		if err := os.Remove(q.dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	if q.db, err = store.Open(ctx, "sqlite:"+q.dbPath, store.WithClock(q.clock.Now)); err != nil {
		return nil, err
	}
	if q.ws, err = q.db.Workspace(workspaceID); err != nil {
		q.db.Close()
		return nil, err
	}
	return q, nil
}

func (q *quickstart) close() {
	if q.db != nil {
		q.db.Close()
	}
}

func (q *quickstart) printf(format string, args ...any) { fmt.Fprintf(q.w, format, args...) }

// run runs the steps in order.
func (q *quickstart) run(ctx context.Context, customers []byte, source string) error {
	q.printf("rapport quickstart: %s (Bristol) over %d simulated weeks from %s, seed %d.\n", business, q.cfg.Weeks,
		q.sched.start.Format("Mon 2 Jan 2006"), q.cfg.Seed)
	q.printf("Everything runs in this process: three simulated networks (package providers/memory) with simulated\n")
	q.printf("people (package simulate), and the state in SQLite at %s.\n\n", q.dbPath)
	steps := []struct {
		name string
		do   func(context.Context) error
	}{
		{"customers", func(ctx context.Context) error { return q.importCustomers(ctx, customers, source) }},
		{"networks", q.buildNetworks},
		{"audience", q.surveyAudience},
		{"plan", q.planCampaign},
		{"inbox", q.openInbox},
		{"weeks", q.runWeeks},
		{"report", q.writeReport},
	}
	for _, s := range steps {
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// importCustomers reads the customer list.
func (q *quickstart) importCustomers(ctx context.Context, data []byte, source string) error {
	im, err := audience.NewImporter(audience.WithRegion("GB"), audience.WithDayFirst())
	if err != nil {
		return err
	}
	cs, rep, err := im.ReadAll(ctx, bytes.NewReader(data))
	if err != nil {
		return err
	}
	q.customers = cs
	q.printf("1. Customer list (package audience): %s\n", source)
	q.printf("   %d rows read: %d imported, %d rejected, %s merged → %d customers\n",
		rep.Read, rep.Kept, rep.Rejected, plural(rep.Duplicates, "duplicate"), rep.Customers)
	for _, is := range rep.Rejects {
		q.printf("   rejected %s\n", is)
	}
	for _, is := range rep.Warnings {
		q.printf("   kept, %s\n", is)
	}
	if len(cs) == 0 {
		return errors.New("the customer list holds no customer")
	}
	q.printf("\n")
	return nil
}

// buildNetworks creates the three networks, the bakery's accounts and the
// simulated people.
func (q *quickstart) buildNetworks(ctx context.Context) error {
	for i, p := range platforms {
		s, err := newSite(ctx, q.clock, p, q.cfg.Seed, i, q.customers)
		if err != nil {
			return err
		}
		q.sites = append(q.sites, s)
	}
	return nil
}

// newSite builds one network with the bakery and its audience: the same
// seed gives the same people, follows and randomness.
func newSite(ctx context.Context, clock *memory.Clock, p providers.Platform, seed int64, i int, customers []audience.Customer) (*site, error) {
	net, err := memory.NewNetwork(memory.WithClock(clock.Now), memory.WithPlatform(p), memory.WithSeed(seed*16+int64(i)))
	if err != nil {
		return nil, err
	}
	if _, err := net.CreateAccount(providers.Account{Handle: handle, DisplayName: business,
		Bio: "Sourdough, pastries and celebration cakes on Juniper Street. Open Monday to Saturday.", Location: "Bristol, UK"}); err != nil {
		return nil, err
	}
	s := &site{platform: p, net: net, rng: net.Rand(7), offerPosts: map[string]bool{}, engaged: map[string]providers.Account{}}
	if s.biz, err = net.Client(handle); err != nil {
		return nil, err
	}
	s.people, s.listeners = buildAudience(p, customers, net.Rand(1))
	if s.sim, err = simulate.New(ctx, net, handle, simPeople(s.people), simulate.DefaultParams(), uint64(seed)*16+uint64(i)+1); err != nil {
		return nil, err
	}
	for _, l := range s.listeners {
		if _, err := net.CreateAccount(providers.Account{Handle: l.Handle, DisplayName: l.DisplayName, Bio: l.Bio, Location: l.Location}); err != nil {
			return nil, err
		}
	}
	// People follow a few others, so a repost reaches people who do not
	// follow the bakery yet.
	var everyone []string
	for _, pp := range s.people {
		everyone = append(everyone, pp.Handle)
	}
	for _, l := range s.listeners {
		everyone = append(everyone, l.Handle)
	}
	g := net.Rand(2)
	for _, h := range everyone {
		for range g.IntN(5) {
			if o := everyone[g.IntN(len(everyone))]; o != h {
				if err := net.Follow(h, o); err != nil {
					return nil, err
				}
			}
		}
	}
	return s, nil
}

// surveyAudience matches the followers of every platform against the
// customers.
func (q *quickstart) surveyAudience(ctx context.Context) error {
	var err error
	if q.matcher, err = audience.NewMatcher(q.customers); err != nil {
		return err
	}
	res, err := q.survey(ctx)
	if err != nil {
		return err
	}
	q.first = res
	for _, m := range res.Matches {
		q.lookup[accountKey{m.Account.Platform, m.Account.ID}] = m.Customer
	}
	sum := res.Summary()
	q.printf("2. Who follows the bakery? Followers on %d platforms matched to the customer list (audience.Survey)\n", len(q.sites))
	q.printf("   %-4s %-10s %9s %9s %14s %16s %11s\n", "rank", "platform", "followers", "customers", "of customers", "of their value", "only here")
	for _, p := range sum.Platforms {
		q.printf("   %-4d %-10s %9d %9d %13.0f%% %15.0f%% %11d\n", p.Rank, p.Platform, p.Followers, p.Customers,
			100*p.CustomerShare, 100*p.ValueShare, p.Exclusive)
	}
	q.printf("   %d of %d customers follow on at least one platform; %d follow on none (to invite by email: %s).\n",
		sum.Found, sum.Customers, sum.NotOnAnyPlatform, filepath.Join(q.cfg.Out, inviteFile))
	if sum.Prospects == 1 {
		q.printf("   1 follower is not a customer yet (a prospect).")
	} else {
		q.printf("   %d followers are not customers yet (prospects).", sum.Prospects)
	}
	var overlaps []string
	for _, o := range sum.Overlap {
		if o.Customers > 0 {
			overlaps = append(overlaps, fmt.Sprintf("%s & %s %d", o.A, o.B, o.Customers))
		}
	}
	if len(overlaps) > 0 {
		q.printf(" Customers on two platforms: %s.", strings.Join(overlaps, ", "))
	}
	q.printf("\n")
	exact, fuzzy := 0, 0
	var example *audience.Match
	for i, m := range res.Matches {
		if m.Exact {
			exact++
			continue
		}
		fuzzy++
		if example == nil {
			example = &res.Matches[i]
		}
	}
	q.printf("   %d matches by a handle the customer listed, %d by name and profile", exact, fuzzy)
	if example != nil {
		c := q.customers[example.Customer]
		q.printf(", for example:\n     %s @%s → %s %s, confidence %.2f: %s", example.Account.Platform, example.Account.Handle, c.ID, c.Name,
			example.Confidence, example.Explanation())
	}
	q.printf(".\n\n")
	return writeFile(filepath.Join(q.cfg.Out, inviteFile), func(w io.Writer) error {
		return audience.WriteCustomersCSV(w, res.NotOnAnyPlatform())
	})
}

// survey matches the current followers of every platform.
func (q *quickstart) survey(ctx context.Context) (*audience.Result, error) {
	sv := q.matcher.NewSurvey()
	for _, s := range q.sites {
		if err := sv.AddProviderFollowers(ctx, s.biz); err != nil {
			return nil, fmt.Errorf("%s followers: %w", s.platform, err)
		}
	}
	return sv.Result(), nil
}

// planCampaign writes the plan, lints it, fixes it, has it approved and
// puts it in the outbox.
func (q *quickstart) planCampaign(ctx context.Context) error {
	plan := draftPlan(q.sched)
	linter, err := campaign.NewLinter(nil, campaign.WithLintConfig(campaign.LintConfig{CrossPosting: true}))
	if err != nil {
		return err
	}
	q.printf("3. Campaign plan %q: goals with KPIs, a give phase then the offer, %d posts on %d platforms (package campaign)\n",
		plan.Name, len(plan.Calendar), len(platforms))
	for _, g := range plan.Goals {
		var kpis []string
		for _, k := range g.KPIs {
			kpis = append(kpis, kpiText(k))
		}
		q.printf("   goal %s: %s\n", g.Kind, strings.Join(kpis, "; "))
	}
	rep := linter.Lint(plan, nil)
	q.printf("   linting the first draft: %d errors, %d warnings\n", rep.Count(campaign.Error), rep.Count(campaign.Warning))
	printFindings(q.w, rep.Findings)
	q.printf("   fixes:\n")
	done := map[string]bool{}
	for _, f := range rep.Findings {
		if how := fix(plan, q.sched, f); how != "" && !done[how] {
			done[how] = true
			q.printf("     %s\n", how)
		}
	}
	rep = linter.Lint(plan, nil)
	if !rep.Clean() {
		printFindings(q.w, rep.Findings)
		return errors.New("the plan still has findings after the fixes")
	}
	if err := campaign.Validate(plan); err != nil {
		return err
	}
	q.printf("   linting the second draft: clean\n")

	cs := q.ws.Campaign()
	saved, err := cs.SavePlan(ctx, *plan)
	if err != nil {
		return err
	}
	q.plan = &saved
	if q.approvals, err = campaign.NewApprovals(cs, q.plan.Staffing.Team, campaign.WithClock(q.clock.Now)); err != nil {
		return err
	}
	for _, it := range q.plan.Calendar {
		if _, err := q.approvals.Submit(ctx, q.plan.ID, it.ID, tariq); err != nil {
			return err
		}
		if _, err := q.approvals.Approve(ctx, q.plan.ID, it.ID, rosa, "approved"); err != nil {
			return err
		}
	}
	if q.offers, err = campaign.NewOffers(cs, campaign.WithClock(q.clock.Now)); err != nil {
		return err
	}
	if err := q.offers.Register(ctx, q.plan); err != nil {
		return err
	}
	resolver := campaign.Providers{}
	for _, s := range q.sites {
		resolver[s.platform] = s.biz
	}
	if q.pub, err = campaign.NewPublisher(cs, resolver, campaign.WithClock(q.clock.Now)); err != nil {
		return err
	}
	sr, err := q.pub.Schedule(ctx, q.plan)
	if err != nil {
		return err
	}
	o := q.plan.Offers[0]
	q.printf("   %d posts written by %s, approved by %s and scheduled in the outbox (in SQLite).\n", len(sr.Scheduled), tariq, rosa)
	q.printf("   Offer %q: codes %s, email %s;\n", o.Title, codesText(o), o.EmailCode)
	q.printf("   followers only from %s, email list from %s, until %s.\n\n", o.FollowersFrom.String()[:10], o.EmailFrom.String()[:10],
		q.sched.offerUntil.Add(-time.Minute).Format("2006-01-02"))
	// The answer to the first Mastodon post will be lost on its way back,
	// as happens with real networks: the publisher must find the post by
	// reading the account back, not post it twice.
	q.site(providers.Mastodon).net.Inject(memory.Fault{Op: providers.CapPublish, Kind: memory.FaultLoseResponse})
	return nil
}

func kpiText(k campaign.KPI) string {
	op := "≥"
	if k.Direction == campaign.AtMost {
		op = "≤"
	}
	return fmt.Sprintf("%s %s %g by %s", k.Metric, op, k.Target, k.Deadline.String()[:10])
}

func codesText(o campaign.Offer) string {
	var out []string
	for _, p := range platforms {
		out = append(out, fmt.Sprintf("%s %s", p, o.Codes[p]))
	}
	return strings.Join(out, ", ")
}

// printFindings prints the findings grouped by rule: one line per rule
// with the first message and the items concerned.
func printFindings(w io.Writer, fs []campaign.Finding) {
	type group struct {
		f     campaign.Finding
		items []string
	}
	var order []string
	groups := map[string]*group{}
	for _, f := range fs {
		key := f.Severity.String() + " " + f.Rule
		g := groups[key]
		if g == nil {
			g = &group{f: f}
			groups[key] = g
			order = append(order, key)
		}
		g.items = append(g.items, f.Item)
	}
	for _, key := range order {
		g := groups[key]
		items := g.items
		more := ""
		if len(items) > 4 {
			more = fmt.Sprintf(" and %d more", len(items)-4)
			items = items[:4]
		}
		fmt.Fprintf(w, "     %-7s %-22s %s [%s%s]\n", g.f.Severity, g.f.Rule, g.f.Message, strings.Join(items, ", "), more)
	}
}

func (q *quickstart) site(p providers.Platform) *site {
	for _, s := range q.sites {
		if s.platform == p {
			return s
		}
	}
	return nil
}

// openInbox sets up the shared inbox: the three accounts, the two staff
// members, routing, SLAs, listening and the customer lookup.
func (q *quickstart) openInbox(ctx context.Context) error {
	shop, err := engage.Weekdays(q.loc, "08:00-18:00")
	if err != nil {
		return err
	}
	if err := shop.Set(time.Saturday, "08:00-18:00"); err != nil {
		return err
	}
	rosaHours, err := engage.Weekdays(q.loc, "08:00-16:00")
	if err != nil {
		return err
	}
	if err := rosaHours.Set(time.Sunday, "10:00-12:00"); err != nil { // a look at the inbox on Sunday morning
		return err
	}
	tariqHours := engage.NewBusinessHours(q.loc)
	for d := time.Tuesday; d <= time.Saturday; d++ {
		if err := tariqHours.Set(d, "10:00-18:00"); err != nil {
			return err
		}
	}
	// Tariq is off sick on the Wednesday of the third week (or the last).
	sick := q.sickDay()
	if err := tariqHours.Close(sick.Format(time.DateOnly)); err != nil {
		return err
	}
	q.team = []engage.Staff{
		{ID: "rosa", Name: "Rosa Lindqvist", Skills: []string{"complaint", "wholesale"}, Hours: rosaHours, Lead: true, Capacity: 8},
		{ID: "tariq", Name: "Tariq Hale", Skills: []string{"question", "orders"}, Hours: tariqHours, Capacity: 8},
	}
	opts := []engage.Option{
		engage.WithStore(q.ws.Engage()),
		engage.WithClock(q.clock.Now),
		engage.WithIDs(func() string { return fmt.Sprintf("c%05d", q.nextID.Add(1)) }),
		engage.WithBusinessName(business),
		engage.WithTeam(q.team...),
		engage.WithRoutes(engage.RouteRule{Name: "complaints to the lead", Intents: []engage.Intent{engage.IntentComplaint}, Skill: "complaint"}),
		engage.WithSLA(engage.SLAPolicy{
			Targets: map[engage.Priority]time.Duration{engage.PriorityUrgent: time.Hour, engage.PriorityHigh: 2 * time.Hour,
				engage.PriorityNormal: 4 * time.Hour, engage.PriorityLow: 8 * time.Hour},
			ListeningTarget: 8 * time.Hour,
			Hours:           shop,
			EscalateTo:      []string{"rosa", "tariq"},
		}),
		engage.WithVIPValue(1000),
		engage.WithCustomerLookup(engage.CustomerLookupFunc(q.lookupCustomer)),
	}
	for _, s := range q.sites {
		opts = append(opts, engage.WithAccount(string(s.platform), s.biz))
	}
	if q.inbox, err = engage.New(opts...); err != nil {
		return err
	}
	for _, s := range q.sites {
		for _, ss := range []engage.SavedSearch{
			{ID: string(s.platform) + "-brand", Account: string(s.platform), Name: "the bakery's name", Kind: engage.SearchBrand, Query: "Juniper Street"},
			{ID: string(s.platform) + "-sourdough", Account: string(s.platform), Name: "#sourdough", Kind: engage.SearchHashtag, Query: "#sourdough"},
		} {
			if _, err := q.inbox.SaveSearch(ctx, ss); err != nil {
				return err
			}
		}
	}
	if q.collector, err = analytics.NewCollector(q.ws.Snapshots(), analytics.WithClock(q.clock.Now)); err != nil {
		return err
	}
	return nil
}

// sickDay is the Wednesday of the third week (or of the last, in shorter
// runs), when Tariq is off sick.
func (q *quickstart) sickDay() time.Time {
	return q.sched.start.AddDate(0, 0, 7*(min(3, q.cfg.Weeks)-1)+2)
}

// lookupCustomer tells the inbox which customer wrote: the survey's match,
// or a match of the author's profile now.
func (q *quickstart) lookupCustomer(_ context.Context, a providers.Account) (*engage.Customer, error) {
	idx, ok := q.lookup[accountKey{a.Platform, a.ID}]
	conf, why := 1.0, "matched when the followers were surveyed"
	if !ok {
		m, found := q.matcher.Match(a)
		if !found {
			return nil, nil
		}
		idx, conf, why = m.Customer, m.Confidence, m.Explanation()
	}
	c := q.customers[idx]
	out := &engage.Customer{ID: c.ID, Name: c.Name, Value: c.Value, LastOrderAt: c.LastPurchase, Confidence: conf, Explanation: why}
	if f := strings.Fields(c.Name); len(f) > 0 {
		out.FirstName = f[0]
	}
	if len(c.Emails) > 0 {
		out.Email = c.Emails[0]
	}
	return out, nil
}

func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// plural formats a count with a noun, adding "s" unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
