package analytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// AccountInput is the data of one connected account for a report.
type AccountInput struct {
	Platform providers.Platform `json:"platform"`
	// Account is the account's platform id; Handle is shown in reports.
	Account string `json:"account"`
	Handle  string `json:"handle,omitempty"`
	// PostSnapshots and FollowerSnapshots cover the report's period and
	// the period before it (for comparison); older history improves the
	// best-time grid. See LoadSnapshots.
	PostSnapshots     []PostSnapshot     `json:"-"`
	FollowerSnapshots []FollowerSnapshot `json:"-"`
	// Interactions are the inbound interactions of both periods.
	Interactions []providers.Interaction `json:"-"`
	// Followers are the follower ids where the platform lists them; nil
	// when it gives a count only (active followers are then n/a).
	Followers []string `json:"-"`
	// CustomerFollowers are the follower ids matched to the customer list
	// (audience's match results); CustomerCount is used instead when the
	// ids are not known (a count from matching engagers, say).
	CustomerFollowers []string        `json:"-"`
	CustomerCount     providers.Count `json:"-"`
	// Overlap maps an advocate's id to how many of their followers also
	// follow the business, where known.
	Overlap map[string]int64 `json:"-"`
}

// GoalInput is a KPI and its observations.
type GoalInput struct {
	KPI          KPI
	Observations []Observation
}

// ReportInput is everything a report is built from, as plain data.
type ReportInput struct {
	Title    string
	Business string
	// Period is the reporting period; the period of the same length before
	// it is the comparison.
	Period Period
	// Location is the time zone for calendar weeks, hours of the week and
	// displayed times; nil means UTC.
	Location *time.Location
	// GeneratedAt is the report's time (goal progress is measured at it);
	// zero means Period.To.
	GeneratedAt time.Time
	Accounts    []AccountInput
	// Responses, Hours and SLA feed the responsiveness section.
	//
	// People are named in reports by the latest handle the input carries
	// for their id anywhere: interaction authors (of any account),
	// ResponseSample.Author, Action.TargetHandle. Pass them so that people
	// the business only answered show as handles, not bare ids.
	Responses []ResponseSample
	Hours     *BusinessHours
	SLA       map[string]time.Duration
	// Actions are the business's own actions (give/ask, reciprocity).
	Actions []Action
	// CadenceTarget is the target number of posts per week per account.
	CadenceTarget float64
	Goals         []GoalInput
	// TopN caps the lists of relationships, advocates and posts; 0 means 10.
	TopN int
}

// AccountReport is the report section of one account.
type AccountReport struct {
	Platform providers.Platform `json:"platform"`
	Account  string             `json:"account"`
	Handle   string             `json:"handle,omitempty"`
	// Followers at the start and end of the period (latest snapshot at or
	// before each bound) and the change.
	FollowersStart providers.Count `json:"followers_start"`
	FollowersEnd   providers.Count `json:"followers_end"`
	FollowerGrowth providers.Count `json:"follower_growth"`
	// FollowerSeries are the follower snapshots of the period.
	FollowerSeries []FollowerSnapshot `json:"follower_series"`
	Rates          AccountRate        `json:"rates"`
	PreviousRates  AccountRate        `json:"previous_rates"`
	// Posts are the period's posts with their rates, best engagement first.
	Posts          []PostRate  `json:"posts"`
	Active         Share       `json:"active_followers"`
	PreviousActive Share       `json:"previous_active_followers"`
	Customers      Share       `json:"customer_share"`
	Strongest      []Strength  `json:"strongest_relationships"`
	Advocates      []Advocate  `json:"advocates"`
	GiveAsk        GiveAsk     `json:"give_ask"`
	Consistency    Consistency `json:"consistency"`
	BestTimes      *BestTimes  `json:"best_times,omitempty"`
}

// Label names the account in reports: "platform @handle" or the id.
func (a AccountReport) Label() string {
	if a.Handle != "" {
		return string(a.Platform) + " @" + a.Handle
	}
	return string(a.Platform) + " " + a.Account
}

// Report is a full analytics report. Write it with WriteJSON, WriteCSV or
// WriteHTML.
type Report struct {
	Title       string          `json:"title"`
	Business    string          `json:"business,omitempty"`
	Period      Period          `json:"period"`
	Previous    Period          `json:"previous_period"`
	Location    string          `json:"location"`
	GeneratedAt time.Time       `json:"generated_at"`
	Accounts    []AccountReport `json:"accounts"`
	// Responsiveness over all platforms, for the period and the one before.
	Responsiveness         Responsiveness `json:"responsiveness"`
	PreviousResponsiveness Responsiveness `json:"previous_responsiveness"`
	GiveAsk                GiveAsk        `json:"give_ask"`
	PreviousGiveAsk        GiveAsk        `json:"previous_give_ask"`
	Goals                  []GoalProgress `json:"goals"`
	// Findings are the plain-language summary.
	Findings []Finding `json:"findings"`

	loc *time.Location
}

// location is the report's time zone: the one it was built with, else the
// one its Location names (a report decoded from JSON), else UTC.
func (r *Report) location() *time.Location {
	if r.loc != nil {
		return r.loc
	}
	if loc, err := time.LoadLocation(r.Location); err == nil && r.Location != "" {
		return loc
	}
	return time.UTC
}

// LoadSnapshots reads an account's post and follower snapshots measured in
// [from, to) from a store.
func LoadSnapshots(ctx context.Context, store SnapshotStore, platform providers.Platform, account string, from, to time.Time) ([]PostSnapshot, []FollowerSnapshot, error) {
	q := SnapshotQuery{Platform: platform, Account: account, From: from, To: to}
	posts, err := providers.Collect(store.PostSnapshots(ctx, q))
	if err != nil {
		return nil, nil, fmt.Errorf("analytics: load post snapshots of %s %s: %w", platform, account, err)
	}
	fols, err := providers.Collect(store.FollowerSnapshots(ctx, q))
	if err != nil {
		return nil, nil, fmt.Errorf("analytics: load follower snapshots of %s %s: %w", platform, account, err)
	}
	return posts, fols, nil
}

// BuildReport computes a report. It fails only on invalid input (a bad
// period, business hours, goal or cadence target).
func BuildReport(in ReportInput) (*Report, error) {
	if err := in.Period.validate(); err != nil {
		return nil, fmt.Errorf("analytics: build report: %w", err)
	}
	if in.Hours != nil {
		if err := in.Hours.Validate(); err != nil {
			return nil, fmt.Errorf("analytics: build report: %w", err)
		}
	}
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	top := in.TopN
	if top <= 0 {
		top = 10
	}
	now := in.GeneratedAt
	if now.IsZero() {
		now = in.Period.To
	}
	title := in.Title
	if title == "" {
		title = "Social media report"
	}
	p, prev := in.Period, in.Period.Previous()
	r := &Report{
		Title: title, Business: in.Business, Period: p, Previous: prev, Location: loc.String(),
		GeneratedAt: now, loc: loc,
	}
	book := newHandleBook(in)
	for i, a := range in.Accounts {
		if a.Platform == "" || a.Account == "" {
			return nil, fmt.Errorf("analytics: build report: account %d: %w", i, invalid("platform/account", "is empty"))
		}
		ar, err := buildAccount(in, a, loc, top, book)
		if err != nil {
			return nil, fmt.Errorf("analytics: build report: account %d (%s %s): %w", i, a.Platform, a.Account, err)
		}
		r.Accounts = append(r.Accounts, ar)
	}
	opts := ResponseOptions{Period: p, Hours: in.Hours, SLA: in.SLA, Now: now}
	r.Responsiveness = MeasureResponses(in.Responses, opts)
	opts.Period, opts.Now = prev, prev.To
	r.PreviousResponsiveness = MeasureResponses(in.Responses, opts)
	r.GiveAsk = GiveAskRatio(in.Actions, "", p)
	r.PreviousGiveAsk = GiveAskRatio(in.Actions, "", prev)
	for i, g := range in.Goals {
		gp, err := TrackGoal(g.KPI, g.Observations, now)
		if err != nil {
			return nil, fmt.Errorf("analytics: build report: goal %d: %w", i, err)
		}
		r.Goals = append(r.Goals, gp)
	}
	r.Findings = summarise(r, in.CadenceTarget)
	return r, nil
}

func buildAccount(in ReportInput, a AccountInput, loc *time.Location, top int, book handleBook) (AccountReport, error) {
	p, prev := in.Period, in.Period.Previous()
	ar := AccountReport{Platform: a.Platform, Account: a.Account, Handle: a.Handle}
	var fols []FollowerSnapshot
	for _, f := range a.FollowerSnapshots {
		if f.Platform == a.Platform && f.Account == a.Account {
			fols = append(fols, f)
		}
	}
	slices.SortFunc(fols, func(x, y FollowerSnapshot) int { return x.MeasuredAt.Compare(y.MeasuredAt) })
	at := func(t time.Time) providers.Count { return FollowersAt(fols, a.Platform, a.Account, t) }
	before := func(t time.Time) providers.Count { return at(t.Add(-time.Nanosecond)) }
	ar.FollowersStart = at(p.From)
	for _, f := range fols {
		if p.Contains(f.MeasuredAt) {
			ar.FollowerSeries = append(ar.FollowerSeries, f)
			if !ar.FollowersStart.Valid && f.Followers.Valid {
				ar.FollowersStart = f.Followers
			}
		}
	}
	ar.FollowersEnd = before(p.To)
	if ar.FollowersStart.Valid && ar.FollowersEnd.Valid {
		ar.FollowerGrowth = providers.Known(ar.FollowersEnd.Value - ar.FollowersStart.Value)
	}

	var snaps []PostSnapshot
	for _, s := range a.PostSnapshots {
		if s.Platform == a.Platform && s.Account == a.Account {
			snaps = append(snaps, s)
		}
	}
	postedIn := func(per Period) func(PostSnapshot) bool {
		return func(s PostSnapshot) bool { return !s.PostedAt.IsZero() && per.Contains(s.PostedAt) }
	}
	cur := LatestPerPost(snaps, p.To, postedIn(p))
	ar.Rates = RateAccount(a.Platform, a.Account, cur, ar.FollowersEnd)
	ar.PreviousRates = RateAccount(a.Platform, a.Account, LatestPerPost(snaps, prev.To, postedIn(prev)), before(prev.To))
	for _, s := range cur {
		ar.Posts = append(ar.Posts, RatePost(s, at(s.Metrics.MeasuredAt)))
	}
	slices.SortStableFunc(ar.Posts, func(x, y PostRate) int {
		if x.Engagement.Valid != y.Engagement.Valid {
			if x.Engagement.Valid {
				return -1
			}
			return 1
		}
		return cmp.Compare(y.Engagement.Value, x.Engagement.Value)
	})
	ar.Posts = ar.Posts[:min(top, len(ar.Posts))]

	if a.Followers != nil {
		ar.Active = ActiveFollowers(a.Followers, a.Interactions, p)
		ar.PreviousActive = ActiveFollowers(a.Followers, a.Interactions, prev)
	}
	switch {
	case a.CustomerFollowers != nil && a.Followers != nil:
		ar.Customers = CustomerShareOf(a.Followers, a.CustomerFollowers)
	case a.CustomerFollowers != nil:
		ar.Customers = CustomerShare(int64(len(a.CustomerFollowers)), ar.FollowersEnd)
	case a.CustomerCount.Valid:
		ar.Customers = CustomerShare(a.CustomerCount.Value, ar.FollowersEnd)
	}
	var actions []Action
	for _, act := range in.Actions {
		if act.Platform == a.Platform {
			actions = append(actions, act)
		}
	}
	strong := RelationshipStrength(StrengthInput{Period: p, Interactions: a.Interactions, Actions: actions, Followers: a.Followers})
	for _, s := range strong {
		if len(ar.Strongest) == top || s.Score == 0 {
			break
		}
		if h := book.get(cmp.Or(s.Platform, a.Platform), s.Account); h != "" {
			s.Handle = h
		}
		ar.Strongest = append(ar.Strongest, s)
	}
	adv := Advocates(a.Interactions, a.Overlap, p)
	ar.Advocates = adv[:min(top, len(adv))]
	for i := range ar.Advocates {
		if acc := &ar.Advocates[i].Account; acc.Handle == "" {
			acc.Handle = book.get(ar.Advocates[i].Platform, acc.ID)
		}
	}
	ar.GiveAsk = GiveAskRatio(actions, a.Platform, p)

	var postTimes []time.Time
	for _, s := range LatestPerPost(snaps, time.Time{}, postedIn(p)) {
		postTimes = append(postTimes, s.PostedAt)
	}
	c, err := MeasureConsistency(postTimes, CadenceOptions{Period: p, Target: in.CadenceTarget, Location: loc})
	if err != nil {
		return ar, err
	}
	ar.Consistency = c
	history := LatestPerPost(snaps, p.To, func(s PostSnapshot) bool { return !s.PostedAt.IsZero() && s.PostedAt.Before(p.To) })
	if bt := BestTimesToPost(history, BestTimeOptions{Location: loc}); len(bt) == 1 {
		ar.BestTimes = &bt[0]
	}
	return ar, nil
}
