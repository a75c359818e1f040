package campaign

import (
	"fmt"
	"slices"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Plan is a campaign: its goals, phases, content calendar, cadence targets,
// staffing, contingency rules and offers. Plans are plain values that
// marshal to JSON; stores keep them whole.
type Plan struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Business string `json:"business,omitempty"`
	// TimeZone is the IANA name of the business's time zone
	// ("Europe/Paris"). Every LocalTime in the plan is a wall-clock time
	// there; empty means UTC.
	TimeZone string  `json:"time_zone,omitempty"`
	Goals    []Goal  `json:"goals"`
	Phases   []Phase `json:"phases,omitempty"`
	// Calendar is the content: one Item per post.
	Calendar      []Item        `json:"calendar"`
	Cadence       []Cadence     `json:"cadence,omitempty"`
	Staffing      Staffing      `json:"staffing"`
	Contingencies []Contingency `json:"contingencies,omitempty"`
	Offers        []Offer       `json:"offers,omitempty"`
	// Adjustments are the changes contingency rules have made so far.
	Adjustments Adjustments `json:"adjustments,omitzero"`
	// Version is the store's optimistic-concurrency counter: 0 for a plan
	// never saved.
	Version int64 `json:"version"`
}

// PhaseKind is the purpose of a phase.
type PhaseKind string

// Phase kinds, in the order that works: listen first, give, engage, then
// ask.
const (
	PhaseListen PhaseKind = "listen"
	PhaseGive   PhaseKind = "give"
	PhaseEngage PhaseKind = "engage"
	PhaseAsk    PhaseKind = "ask"
	PhaseLaunch PhaseKind = "launch"
)

// Phase is a period of the campaign with one purpose.
type Phase struct {
	Name  string    `json:"name"`
	Kind  PhaseKind `json:"kind"`
	Start LocalTime `json:"start"`
	// End is exclusive.
	End LocalTime `json:"end"`
}

// ContentKind is what a post does for its audience.
type ContentKind string

// Content kinds. A post that asks for something (buy, sign up, use a
// code, visit the shop) is an Ask; everything else gives or engages.
const (
	Give   ContentKind = "give"   // helpful, entertaining or generous: tips, shares of others' work
	Engage ContentKind = "engage" // questions, conversation, replies
	Inform ContentKind = "inform" // news, announcements without a call to buy
	Ask    ContentKind = "ask"    // promotion: a call to buy, book, sign up or redeem
)

// Item is one post of the content calendar.
type Item struct {
	// ID is unique within the plan.
	ID       string             `json:"id"`
	Platform providers.Platform `json:"platform"`
	// Account is the handle that publishes it; empty means the default
	// account for the platform.
	Account string `json:"account,omitempty"`
	// At is when to publish, on the business's wall clock.
	At LocalTime `json:"at"`
	// Branch is the calendar branch the item belongs to: empty for the
	// main calendar, a name for an alternative a contingency rule may
	// switch to.
	Branch string `json:"branch,omitempty"`
	// Kind is what the post does; empty means inferred from its text
	// (see InferKind).
	Kind  ContentKind     `json:"kind,omitempty"`
	Draft providers.Draft `json:"draft"`
	// OfferID links the post to an Offer of the plan.
	OfferID string `json:"offer_id,omitempty"`
}

// EffectiveKind returns Kind, or the kind inferred from the text.
func (it Item) EffectiveKind() ContentKind {
	if it.Kind != "" {
		return it.Kind
	}
	if it.OfferID != "" {
		return Ask
	}
	return InferKind(it.Draft.Text)
}

// Cadence is a posting-rhythm target for one platform.
type Cadence struct {
	Platform providers.Platform `json:"platform"`
	// PostsPerWeek is the target number of posts a week.
	PostsPerWeek int `json:"posts_per_week"`
	// MaxGap is the longest silence allowed between two posts; zero means
	// twice the average spacing implied by PostsPerWeek.
	MaxGap time.Duration `json:"max_gap,omitempty"`
	// MaxPerDay caps posts on one local day; zero means
	// max(3, 2×PostsPerWeek/7).
	MaxPerDay int `json:"max_per_day,omitempty"`
	// MinSpacing is the shortest interval allowed between two posts; zero
	// means 30 minutes.
	MinSpacing time.Duration `json:"min_spacing,omitempty"`
}

func (c Cadence) maxGap() time.Duration {
	if c.MaxGap > 0 {
		return c.MaxGap
	}
	if c.PostsPerWeek <= 0 {
		return 0
	}
	return 2 * 7 * 24 * time.Hour / time.Duration(c.PostsPerWeek)
}

func (c Cadence) maxPerDay() int {
	if c.MaxPerDay > 0 {
		return c.MaxPerDay
	}
	return max(3, (2*c.PostsPerWeek+6)/7)
}

func (c Cadence) minSpacing() time.Duration {
	if c.MinSpacing > 0 {
		return c.MinSpacing
	}
	return 30 * time.Minute
}

// Role is what a team member may do.
type Role string

// Roles.
const (
	RoleOwner     Role = "owner"     // receives notifications; may do anything a reviewer may
	RoleAuthor    Role = "author"    // writes drafts and submits them for review
	RoleReviewer  Role = "reviewer"  // reviews and requests changes
	RoleApprover  Role = "approver"  // approves drafts for publishing
	RolePublisher Role = "publisher" // schedules approved drafts and records outcomes
	RoleReplier   Role = "replier"   // answers the audience
)

// Member is a named person on the team.
type Member struct {
	Name    string `json:"name"`
	Roles   []Role `json:"roles"`
	Contact string `json:"contact,omitempty"`
}

// Has reports whether m has role r.
func (m Member) Has(r Role) bool { return slices.Contains(m.Roles, r) }

// Shift is when a member answers the audience.
type Shift struct {
	Member string `json:"member"`
	// Platforms the shift covers; empty means all.
	Platforms []providers.Platform `json:"platforms,omitempty"`
	// Days the shift runs; empty means every day.
	Days  []time.Weekday `json:"days,omitempty"`
	Start ClockTime      `json:"start"`
	End   ClockTime      `json:"end"`
	// RepliesPerHour is how many replies the member can write in an hour;
	// zero means 20.
	RepliesPerHour int `json:"replies_per_hour,omitempty"`
}

func (s Shift) covers(p providers.Platform) bool {
	return len(s.Platforms) == 0 || slices.Contains(s.Platforms, p)
}

func (s Shift) runsOn(d time.Weekday) bool {
	return len(s.Days) == 0 || slices.Contains(s.Days, d)
}

// hours is the shift's length in hours (a shift ending before it starts
// runs past midnight).
func (s Shift) hours() float64 {
	m := s.End.Minutes() - s.Start.Minutes()
	if m <= 0 {
		m += 24 * 60
	}
	return float64(m) / 60
}

func (s Shift) rate() int {
	if s.RepliesPerHour > 0 {
		return s.RepliesPerHour
	}
	return 20
}

// Staffing is who reviews the content and who answers the audience, when.
type Staffing struct {
	Team   []Member `json:"team"`
	Shifts []Shift  `json:"shifts,omitempty"`
}

// Member returns the team member with the given name.
func (s Staffing) Member(name string) (Member, bool) {
	for _, m := range s.Team {
		if m.Name == name {
			return m, true
		}
	}
	return Member{}, false
}

// WithRole returns the names of the members with role r.
func (s Staffing) WithRole(r Role) []string {
	var out []string
	for _, m := range s.Team {
		if m.Has(r) {
			out = append(out, m.Name)
		}
	}
	return out
}

// Adjustments record what contingency rules changed.
type Adjustments struct {
	// Switches of the calendar branch, in time order.
	Switches []BranchSwitch `json:"switches,omitempty"`
	// CadenceChanges replace a platform's cadence target from a moment on.
	CadenceChanges []CadenceChange `json:"cadence_changes,omitempty"`
	// Evaluated are the keys (Decision.Key) of checkpoint decisions
	// already applied, so a checkpoint fires once.
	Evaluated []string `json:"evaluated,omitempty"`
	// Notifications are the notifications the rules asked for.
	Notifications []Notification `json:"notifications,omitempty"`
}

// BranchSwitch makes Branch the active calendar branch from At on.
type BranchSwitch struct {
	At     time.Time `json:"at"`
	Branch string    `json:"branch"`
	Reason string    `json:"reason,omitempty"`
}

// CadenceChange replaces a platform's cadence from At on.
type CadenceChange struct {
	At      time.Time `json:"at"`
	Cadence Cadence   `json:"cadence"`
	Reason  string    `json:"reason,omitempty"`
}

// Notification is a message a contingency rule sent to someone.
type Notification struct {
	At      time.Time `json:"at"`
	To      string    `json:"to"`
	Message string    `json:"message"`
}

// Location loads the plan's time zone.
func (p *Plan) Location() (*time.Location, error) {
	if p.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("plan %q: time_zone %q: %w", p.ID, p.TimeZone, err)
	}
	return loc, nil
}

// Item returns the calendar item with the given ID.
func (p *Plan) Item(id string) (Item, bool) {
	for _, it := range p.Calendar {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// Offer returns the offer with the given ID.
func (p *Plan) Offer(id string) (Offer, bool) {
	for _, o := range p.Offers {
		if o.ID == id {
			return o, true
		}
	}
	return Offer{}, false
}

// KPI returns the KPI with the given ID.
func (p *Plan) KPI(id string) (KPI, bool) {
	for _, g := range p.Goals {
		for _, k := range g.KPIs {
			if k.ID == id {
				return k, true
			}
		}
	}
	return KPI{}, false
}

// BranchAt returns the calendar branch in force at t.
func (p *Plan) BranchAt(t time.Time) string {
	branch := ""
	for _, s := range p.Adjustments.Switches {
		if !s.At.After(t) {
			branch = s.Branch
		}
	}
	return branch
}

// CadenceAt returns the cadence target for platform at t: the latest
// CadenceChange at or before t, else the plan's Cadence entry.
func (p *Plan) CadenceAt(platform providers.Platform, t time.Time) (Cadence, bool) {
	var out Cadence
	found := false
	for _, c := range p.Cadence {
		if c.Platform == platform {
			out, found = c, true
		}
	}
	for _, ch := range p.Adjustments.CadenceChanges {
		if ch.Cadence.Platform == platform && !ch.At.After(t) {
			out, found = ch.Cadence, true
		}
	}
	return out, found
}

// ScheduledItem is a calendar item with its publishing instant resolved.
type ScheduledItem struct {
	Item
	// Time is the instant to publish.
	Time time.Time
	// Resolution says how a daylight-saving transition affected it.
	Resolution Resolution
}

// Schedule returns the items that will publish, in time order (ties by
// ID): those of the branch in force at their time. Items of other branches
// are left out. It fails if the time zone cannot be loaded.
func (p *Plan) Schedule() ([]ScheduledItem, error) {
	all, err := p.resolveAll()
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if s.Branch == p.BranchAt(s.Time) {
			out = append(out, s)
		}
	}
	return out, nil
}

// resolveAll resolves every item, all branches, sorted by time then ID.
func (p *Plan) resolveAll() ([]ScheduledItem, error) {
	loc, err := p.Location()
	if err != nil {
		return nil, err
	}
	out := make([]ScheduledItem, 0, len(p.Calendar))
	for _, it := range p.Calendar {
		t, r := it.At.Resolve(loc)
		out = append(out, ScheduledItem{Item: it, Time: t, Resolution: r})
	}
	slices.SortStableFunc(out, func(a, b ScheduledItem) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out, nil
}
