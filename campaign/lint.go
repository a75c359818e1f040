package campaign

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Severity grades a finding.
type Severity int

// Severities, from mild to blocking.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	switch strings.ToLower(string(b)) {
	case "info":
		*s = Info
	case "warning", "warn":
		*s = Warning
	case "error":
		*s = Error
	default:
		return fmt.Errorf("unknown severity %q (want info, warning or error)", b)
	}
	return nil
}

// Finding is one problem the linter found.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Item is the offending thing: a calendar item ID, or "plan",
	// "goal[0]", "kpi:<id>", "phase:<name>", "offer:<id>",
	// "platform:<name>", "staffing".
	Item     string             `json:"item"`
	Platform providers.Platform `json:"platform,omitempty"`
	// Branch is the calendar branch the finding concerns ("" for main).
	Branch  string `json:"branch,omitempty"`
	Message string `json:"message"`
	Advice  string `json:"advice"`
}

// String formats the finding on one line.
func (f Finding) String() string {
	s := fmt.Sprintf("%s %s [%s]", f.Severity, f.Rule, f.Item)
	if f.Branch != "" {
		s += " (branch " + f.Branch + ")"
	}
	s += ": " + f.Message
	if f.Advice != "" {
		s += " → " + f.Advice
	}
	return s
}

// Report is the result of linting a plan.
type Report struct {
	Findings []Finding `json:"findings"`
}

// Count returns the number of findings at severity s.
func (r Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Clean reports whether there are no warnings or errors.
func (r Report) Clean() bool { return r.Count(Warning) == 0 && r.Count(Error) == 0 }

// ByRule returns the findings of one rule.
func (r Report) ByRule(id string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Rule == id {
			out = append(out, f)
		}
	}
	return out
}

// Rule checks one kind of problem. Rules must be deterministic and must
// not modify the subject.
type Rule interface {
	// ID names the rule in findings ("cadence-gap").
	ID() string
	// Check returns the rule's findings. The linter sets each finding's
	// Rule to ID() and applies LintConfig.Severity overrides.
	Check(s *Subject) []Finding
}

// RuleFunc makes a Rule of a function.
func RuleFunc(id string, check func(s *Subject) []Finding) Rule {
	return funcRule{id: id, check: check}
}

type funcRule struct {
	id    string
	check func(s *Subject) []Finding
}

// ID implements Rule.
func (r funcRule) ID() string { return r.id }

// Check implements Rule.
func (r funcRule) Check(s *Subject) []Finding { return r.check(s) }

// Registry is an ordered set of rules with unique IDs. Build one per use
// and pass it explicitly; there is no global registry.
type Registry struct {
	rules []Rule
}

// NewRegistry returns a registry holding rules, failing on an empty or
// duplicate ID.
func NewRegistry(rules ...Rule) (*Registry, error) {
	r := &Registry{}
	for _, rule := range rules {
		if err := r.Register(rule); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a rule, failing on an empty or duplicate ID.
func (r *Registry) Register(rule Rule) error {
	if rule == nil || rule.ID() == "" {
		return fmt.Errorf("register rule: empty rule id")
	}
	for _, x := range r.rules {
		if x.ID() == rule.ID() {
			return fmt.Errorf("register rule %q: already registered", rule.ID())
		}
	}
	r.rules = append(r.rules, rule)
	return nil
}

// Remove drops the rule with the given ID and reports whether it was
// there.
func (r *Registry) Remove(id string) bool {
	for i, x := range r.rules {
		if x.ID() == id {
			r.rules = slices.Delete(r.rules, i, i+1)
			return true
		}
	}
	return false
}

// Rules returns the registered rules in order.
func (r *Registry) Rules() []Rule { return slices.Clone(r.rules) }

// LintConfig are the linter's thresholds. Zero fields take the defaults
// documented on each.
type LintConfig struct {
	// MaxAskRatio is the highest share of posts that may ask for
	// something, per platform and per week; default 0.2 (one in five).
	MaxAskRatio float64 `json:"max_ask_ratio,omitempty"`
	// MinGiveBeforeAsk is how many give or engage posts a platform needs
	// before its first ask, when the plan has no give phase; default 3.
	MinGiveBeforeAsk int `json:"min_give_before_ask,omitempty"`
	// DupThreshold is the similarity at which two posts are
	// near-duplicates; default DefaultDupThreshold.
	DupThreshold float64 `json:"dup_threshold,omitempty"`
	// CrossPosting accepts the same copy on different platforms (it is
	// still a near-duplicate on one platform).
	CrossPosting bool `json:"cross_posting,omitempty"`
	// Limits override DefaultLimits per platform (a Mastodon instance's
	// own limit, read with providers.GetLimits).
	Limits map[providers.Platform]providers.Limits `json:"limits,omitempty"`
	// Measurable lists extra metrics KPIs may use, besides
	// MeasurableMetrics.
	Measurable []Metric `json:"measurable,omitempty"`
	// RepliesPerPost is how many replies a post is expected to draw, for
	// reply staffing; default 5.
	RepliesPerPost float64 `json:"replies_per_post,omitempty"`
	// ReplyWindow is how soon after a post someone should be on shift to
	// answer; default 4h.
	ReplyWindow time.Duration `json:"reply_window,omitempty"`
	// Severity overrides a rule's severity for all its findings.
	Severity map[string]Severity `json:"severity,omitempty"`
	// Disabled rules are skipped.
	Disabled []string `json:"disabled,omitempty"`
}

func (c LintConfig) withDefaults() LintConfig {
	if c.MaxAskRatio <= 0 {
		c.MaxAskRatio = 0.2
	}
	if c.MinGiveBeforeAsk <= 0 {
		c.MinGiveBeforeAsk = 3
	}
	if c.DupThreshold <= 0 {
		c.DupThreshold = DefaultDupThreshold
	}
	if c.RepliesPerPost <= 0 {
		c.RepliesPerPost = 5
	}
	if c.ReplyWindow <= 0 {
		c.ReplyWindow = 4 * time.Hour
	}
	return c
}

// Linter checks plans with the rules of a registry.
type Linter struct {
	reg *Registry
	cfg LintConfig
}

// LintOption configures a Linter.
type LintOption func(*LintConfig) error

// WithLintConfig replaces the whole configuration.
func WithLintConfig(c LintConfig) LintOption {
	return func(dst *LintConfig) error { *dst = c; return nil }
}

// WithMaxAskRatio sets LintConfig.MaxAskRatio (0 < r ≤ 1).
func WithMaxAskRatio(r float64) LintOption {
	return func(c *LintConfig) error {
		if r <= 0 || r > 1 {
			return fmt.Errorf("max ask ratio %v: want 0 < r ≤ 1", r)
		}
		c.MaxAskRatio = r
		return nil
	}
}

// WithDupThreshold sets LintConfig.DupThreshold (0 < t ≤ 1).
func WithDupThreshold(t float64) LintOption {
	return func(c *LintConfig) error {
		if t <= 0 || t > 1 {
			return fmt.Errorf("duplicate threshold %v: want 0 < t ≤ 1", t)
		}
		c.DupThreshold = t
		return nil
	}
}

// WithLimits sets a platform's limits (LintConfig.Limits).
func WithLimits(p providers.Platform, l providers.Limits) LintOption {
	return func(c *LintConfig) error {
		if c.Limits == nil {
			c.Limits = map[providers.Platform]providers.Limits{}
		}
		c.Limits[p] = l
		return nil
	}
}

// WithSeverity overrides the severity of a rule's findings.
func WithSeverity(rule string, s Severity) LintOption {
	return func(c *LintConfig) error {
		if c.Severity == nil {
			c.Severity = map[string]Severity{}
		}
		c.Severity[rule] = s
		return nil
	}
}

// WithDisabled skips rules.
func WithDisabled(rules ...string) LintOption {
	return func(c *LintConfig) error { c.Disabled = append(c.Disabled, rules...); return nil }
}

// NewLinter returns a linter running reg's rules (nil: DefaultRules).
func NewLinter(reg *Registry, opts ...LintOption) (*Linter, error) {
	if reg == nil {
		var err error
		if reg, err = NewRegistry(DefaultRules()...); err != nil {
			return nil, err
		}
	}
	var cfg LintConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("campaign: linter: %w", err)
		}
	}
	return &Linter{reg: reg, cfg: cfg.withDefaults()}, nil
}

// Lint checks p against the account's earlier posts (history, for canned
// copy; may be nil). Findings come errors first, then by item and rule.
func (l *Linter) Lint(p *Plan, history []providers.Post) Report {
	s := newSubject(p, history, l.cfg)
	var out []Finding
	seen := map[string]bool{}
	for _, r := range l.reg.rules {
		if slices.Contains(l.cfg.Disabled, r.ID()) {
			continue
		}
		for _, f := range r.Check(s) {
			f.Rule = r.ID()
			if sev, ok := l.cfg.Severity[r.ID()]; ok {
				f.Severity = sev
			}
			key := f.Rule + "\x00" + f.Item + "\x00" + f.Message
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := cmp.Compare(s.order(a.Item), s.order(b.Item)); c != 0 {
			return c
		}
		return cmp.Compare(a.Rule, b.Rule)
	})
	return Report{Findings: out}
}

// Subject is what rules look at: the plan with its items resolved, plus
// shared, lazily computed views of it.
type Subject struct {
	Plan    *Plan
	History []providers.Post
	Config  LintConfig
	// Location is the plan's time zone (UTC if it cannot be loaded; the
	// invalid-plan rule reports that).
	Location *time.Location
	// Items are every calendar item resolved, all branches, in time order,
	// with Kind set to the item's EffectiveKind.
	Items []ScheduledItem

	itemOrder map[string]int
	dupDocs   []*DupDoc
}

func newSubject(p *Plan, history []providers.Post, cfg LintConfig) *Subject {
	s := &Subject{Plan: p, History: history, Config: cfg}
	loc, err := p.Location()
	if err != nil {
		loc = time.UTC
	}
	s.Location = loc
	s.Items = make([]ScheduledItem, 0, len(p.Calendar))
	for _, it := range p.Calendar {
		if !it.At.Valid() {
			continue
		}
		t, r := it.At.Resolve(loc)
		it.Kind = it.EffectiveKind() // inferred once for every rule
		s.Items = append(s.Items, ScheduledItem{Item: it, Time: t, Resolution: r})
	}
	slices.SortStableFunc(s.Items, func(a, b ScheduledItem) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	s.itemOrder = make(map[string]int, len(s.Items))
	for i, it := range s.Items {
		s.itemOrder[it.ID] = i
	}
	return s
}

// order sorts plan-level findings first, then items in time order.
func (s *Subject) order(item string) int {
	if i, ok := s.itemOrder[item]; ok {
		return i
	}
	return -1
}

// Timeline is the sequence of posts that would publish if a branch were
// switched to at its first item: the main calendar up to then, the
// branch's items after.
type Timeline struct {
	Branch string
	Items  []ScheduledItem
}

// Timelines returns the main timeline, then one per alternative branch
// (by name).
func (s *Subject) Timelines() []Timeline {
	var main []ScheduledItem
	starts := map[string]time.Time{}
	for _, it := range s.Items {
		if it.Branch == "" {
			main = append(main, it)
		} else if _, ok := starts[it.Branch]; !ok {
			starts[it.Branch] = it.Time
		}
	}
	out := []Timeline{{Items: main}}
	for _, b := range sortedKeys(starts) {
		var items []ScheduledItem
		for _, it := range s.Items {
			if (it.Branch == "" && it.Time.Before(starts[b])) || it.Branch == b {
				items = append(items, it)
			}
		}
		out = append(out, Timeline{Branch: b, Items: items})
	}
	return out
}

// Platforms returns the platforms that have calendar items, sorted.
func (s *Subject) Platforms() []providers.Platform {
	var out []providers.Platform
	for _, it := range s.Items {
		if !slices.Contains(out, it.Platform) {
			out = append(out, it.Platform)
		}
	}
	slices.Sort(out)
	return out
}

// Resolve resolves a wall-clock time in the plan's zone.
func (s *Subject) Resolve(l LocalTime) time.Time {
	t, _ := l.Resolve(s.Location)
	return t
}

// dupDoc returns the prepared near-duplicate document of s.Items[i].
func (s *Subject) dupDoc(x *DupIndex, i int) *DupDoc {
	if s.dupDocs == nil {
		s.dupDocs = make([]*DupDoc, len(s.Items))
	}
	if s.dupDocs[i] == nil {
		s.dupDocs[i] = x.Prepare(s.Items[i].Draft.Body())
	}
	return s.dupDocs[i]
}

// PatternRule is a data-driven rule: posts whose text matches Pattern
// (and, if set, do not match Unless) are reported. PatternRules load from
// JSON with LoadPatternRules.
type PatternRule struct {
	RuleID  string `json:"id"`
	Pattern string `json:"pattern"`
	// Unless, if set, exempts posts that also match it.
	Unless string `json:"unless,omitempty"`
	// Platforms limits the rule to these platforms; empty means all.
	Platforms []providers.Platform `json:"platforms,omitempty"`
	// Kinds limits the rule to posts of these kinds; empty means all.
	Kinds    []ContentKind `json:"kinds,omitempty"`
	Severity Severity      `json:"severity"`
	Message  string        `json:"message"`
	Advice   string        `json:"advice"`

	re, unless *regexp.Regexp
}

// NewPatternRule compiles a PatternRule.
func NewPatternRule(r PatternRule) (*PatternRule, error) {
	if r.RuleID == "" {
		return nil, fmt.Errorf("pattern rule: empty id")
	}
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		return nil, fmt.Errorf("pattern rule %q: pattern: %w", r.RuleID, err)
	}
	r.re = re
	if r.Unless != "" {
		if r.unless, err = regexp.Compile(r.Unless); err != nil {
			return nil, fmt.Errorf("pattern rule %q: unless: %w", r.RuleID, err)
		}
	}
	return &r, nil
}

// LoadPatternRules reads a JSON array of PatternRules.
func LoadPatternRules(r io.Reader) ([]Rule, error) {
	var raw []PatternRule
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("pattern rules: %w", err)
	}
	out := make([]Rule, 0, len(raw))
	for i, pr := range raw {
		c, err := NewPatternRule(pr)
		if err != nil {
			return nil, fmt.Errorf("pattern rules[%d]: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ID implements Rule.
func (r *PatternRule) ID() string { return r.RuleID }

// Check implements Rule.
func (r *PatternRule) Check(s *Subject) []Finding {
	if r.re == nil {
		c, err := NewPatternRule(*r)
		if err != nil {
			return []Finding{{Severity: Error, Item: "plan", Message: err.Error(), Advice: "fix the rule's pattern"}}
		}
		r = c
	}
	var out []Finding
	for _, it := range s.Items {
		if len(r.Platforms) > 0 && !slices.Contains(r.Platforms, it.Platform) {
			continue
		}
		if len(r.Kinds) > 0 && !slices.Contains(r.Kinds, it.EffectiveKind()) {
			continue
		}
		body := it.Draft.Body()
		m := r.re.FindString(body)
		if m == "" && !r.re.MatchString(body) {
			continue
		}
		if r.unless != nil && r.unless.MatchString(body) {
			continue
		}
		msg := r.Message
		if msg == "" {
			msg = fmt.Sprintf("matches %q", m)
		}
		out = append(out, Finding{Severity: r.Severity, Item: it.ID, Platform: it.Platform, Branch: it.Branch, Message: msg, Advice: r.Advice})
	}
	return out
}
