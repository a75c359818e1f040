package engage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Staff is a named person who answers conversations.
type Staff struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Signature, when set, is used as is to sign this person's replies;
	// otherwise the account's signature format is rendered.
	Signature string `json:"signature,omitempty"`
	// Skills are free-form ("billing", "wholesale") or intents
	// ("complaint") that route rules can require.
	Skills []string `json:"skills,omitempty"`
	// Platforms this person answers on; empty means all.
	Platforms []providers.Platform `json:"platforms,omitempty"`
	// Languages this person answers in ("en", "fr"); empty means any.
	Languages []string `json:"languages,omitempty"`
	// Hours are the person's working hours; nil means always on shift.
	Hours *BusinessHours `json:"-"`
	// Capacity caps the conversations awaiting this person's answer; 0 is
	// no cap.
	Capacity int `json:"capacity,omitempty"`
	// Lead marks people who take escalations and approve replies.
	Lead bool `json:"lead,omitempty"`
	// Away takes the person out of routing (holiday, sick day).
	Away bool `json:"away,omitempty"`
}

// FirstName is the first word of Name.
func (s Staff) FirstName() string {
	f, _, _ := strings.Cut(strings.TrimSpace(s.Name), " ")
	return f
}

// Initials are the capitalised first letters of the words of Name.
func (s Staff) Initials() string {
	var b strings.Builder
	for _, w := range strings.Fields(s.Name) {
		for _, r := range w {
			b.WriteString(strings.ToUpper(string(r)))
			break
		}
	}
	return b.String()
}

// HasSkill reports whether the person has the skill (case-insensitive).
func (s Staff) HasSkill(skill string) bool {
	return slices.ContainsFunc(s.Skills, func(x string) bool { return strings.EqualFold(x, skill) })
}

// RouteRule assigns matching conversations to a pool of staff. Zero fields
// match everything.
type RouteRule struct {
	Name        string
	Intents     []Intent
	MinPriority Priority
	Platforms   []providers.Platform
	Sources     []Source
	Accounts    []string
	// CustomersOnly matches conversations whose author is a known customer.
	CustomersOnly bool
	// Skill, when set, is required of the assignee.
	Skill string
	// To restricts the pool to these staff IDs (in order of preference on
	// equal load); empty means the whole team.
	To []string
}

func (r RouteRule) matches(c Conversation) bool {
	if len(r.Intents) > 0 && !slices.Contains(r.Intents, c.Intent) {
		return false
	}
	if c.Priority < r.MinPriority {
		return false
	}
	if len(r.Platforms) > 0 && !slices.Contains(r.Platforms, c.Platform) {
		return false
	}
	if len(r.Sources) > 0 && !slices.Contains(r.Sources, c.Source) {
		return false
	}
	if len(r.Accounts) > 0 && !slices.Contains(r.Accounts, c.Account) {
		return false
	}
	if r.CustomersOnly && c.Enrichment.Customer == nil {
		return false
	}
	return true
}

// router picks assignees.
type router struct {
	team  []Staff
	byID  map[string]int
	rules []RouteRule
}

func newRouter(team []Staff, rules []RouteRule) (*router, error) {
	r := &router{team: team, byID: map[string]int{}, rules: rules}
	for i, s := range team {
		if s.ID == "" {
			return nil, fmt.Errorf("engage: staff %d (%q): empty ID", i, s.Name)
		}
		if _, dup := r.byID[s.ID]; dup {
			return nil, fmt.Errorf("engage: staff ID %q appears twice", s.ID)
		}
		if s.Capacity < 0 {
			return nil, fmt.Errorf("engage: staff %q: negative capacity", s.ID)
		}
		if err := s.Hours.validate(); err != nil {
			return nil, fmt.Errorf("engage: staff %q: %w", s.ID, err)
		}
		r.byID[s.ID] = i
	}
	for _, rule := range rules {
		for _, id := range rule.To {
			if _, ok := r.byID[id]; !ok {
				return nil, fmt.Errorf("engage: route rule %q: unknown staff %q", rule.Name, id)
			}
		}
	}
	return r, nil
}

func (r *router) staff(id string) (Staff, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Staff{}, false
	}
	return r.team[i], true
}

// eligible reports whether s can take c now with the given load.
func eligible(s Staff, c Conversation, now time.Time, load int, ignoreCapacity bool) bool {
	if s.Away {
		return false
	}
	if len(s.Platforms) > 0 && !slices.Contains(s.Platforms, c.Platform) {
		return false
	}
	if c.Language != "" && len(s.Languages) > 0 && !slices.ContainsFunc(s.Languages, func(l string) bool {
		return strings.EqualFold(l, c.Language) || strings.HasPrefix(strings.ToLower(c.Language), strings.ToLower(l)+"-")
	}) {
		return false
	}
	if !s.Hours.Open(now) {
		return false
	}
	if !ignoreCapacity && s.Capacity > 0 && load >= s.Capacity {
		return false
	}
	return true
}

// pick returns the best staff member for c from pool (all when nil), or
// "" when nobody is available: the lowest load relative to capacity, then
// the lowest load, then pool order.
func (r *router) pick(c Conversation, pool []string, skill string, now time.Time, load map[string]int, exclude string, ignoreCapacity bool) string {
	n := len(pool)
	if n == 0 {
		n = len(r.team)
	}
	best, bestRatio, bestLoad := "", 0.0, 0
	for i := range n {
		var s Staff
		if len(pool) > 0 {
			var ok bool
			if s, ok = r.staff(pool[i]); !ok {
				continue
			}
		} else {
			s = r.team[i]
		}
		id := s.ID
		if id == exclude {
			continue
		}
		if skill != "" && !s.HasSkill(skill) {
			continue
		}
		l := load[id]
		if !eligible(s, c, now, l, ignoreCapacity) {
			continue
		}
		ratio := float64(l)
		if s.Capacity > 0 {
			ratio = float64(l) / float64(s.Capacity)
		} else {
			ratio = float64(l) / 1000
		}
		if best == "" || ratio < bestRatio || (ratio == bestRatio && l < bestLoad) {
			best, bestRatio, bestLoad = id, ratio, l
		}
	}
	return best
}

// route returns the assignee for c and the rule that chose it ("" rule
// name for the default pool); "" when nobody is available.
func (r *router) route(c Conversation, now time.Time, load map[string]int) (string, string) {
	if len(r.team) == 0 {
		return "", ""
	}
	for _, rule := range r.rules {
		if !rule.matches(c) {
			continue
		}
		if id := r.pick(c, rule.To, rule.Skill, now, load, "", false); id != "" {
			return id, rule.Name
		}
	}
	return r.pick(c, nil, "", now, load, "", false), ""
}

// escalate returns the first available escalation target other than the
// current assignee; capacity does not apply.
func (r *router) escalate(c Conversation, targets []string, now time.Time, load map[string]int) string {
	for _, id := range targets {
		if id == c.Assignee {
			continue
		}
		if s, ok := r.staff(id); ok && eligible(s, c, now, load[id], true) {
			return id
		}
	}
	// Nobody on shift: the first target other than the assignee.
	for _, id := range targets {
		if id != c.Assignee {
			return id
		}
	}
	return ""
}
