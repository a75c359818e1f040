package campaign

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// ActionKind is what a contingency rule does when it fires.
type ActionKind string

// Action kinds.
const (
	// SwitchBranch makes another calendar branch active from the
	// checkpoint on.
	SwitchBranch ActionKind = "switch_branch"
	// ChangeCadence sets a platform's posts-per-week target from the
	// checkpoint on.
	ChangeCadence ActionKind = "change_cadence"
	// Notify sends a message to a team member or to everyone in a role.
	Notify ActionKind = "notify"
)

// Action is one thing a contingency rule does.
type Action struct {
	Kind ActionKind `json:"kind"`
	// Branch is the branch to switch to (SwitchBranch).
	Branch string `json:"branch,omitempty"`
	// Platform and PostsPerWeek set the new cadence (ChangeCadence).
	Platform     providers.Platform `json:"platform,omitempty"`
	PostsPerWeek int                `json:"posts_per_week,omitempty"`
	// To is a member's name or a role (Notify).
	To      string `json:"to,omitempty"`
	Message string `json:"message,omitempty"`
}

// Comparison says when a contingency condition holds.
type Comparison string

// Comparisons. The empty Comparison means Below.
const (
	Below Comparison = "below"
	Above Comparison = "above"
)

// Contingency is a rule: at a KPI's checkpoint, if the KPI's value is
// below (or above) a threshold, take the actions.
type Contingency struct {
	ID string `json:"id"`
	// KPI is the ID of the KPI the rule watches.
	KPI string `json:"kpi"`
	// Checkpoint is the name of one of the KPI's checkpoints.
	Checkpoint string     `json:"checkpoint"`
	When       Comparison `json:"when,omitempty"`
	// Threshold is the value compared with; zero means the checkpoint's
	// Target.
	Threshold float64  `json:"threshold,omitempty"`
	Actions   []Action `json:"actions"`
}

// KPIValues are measured KPI values by KPI ID, as of the evaluation (for
// example computed by package analytics). A KPI without a value is not
// judged.
type KPIValues map[string]float64

// Decision is the outcome of one contingency rule at its checkpoint.
type Decision struct {
	// Key identifies the rule at its checkpoint ("rule@checkpoint"); Apply
	// records it so the rule fires once.
	Key         string `json:"key"`
	Contingency string `json:"contingency"`
	KPI         string `json:"kpi"`
	Checkpoint  string `json:"checkpoint"`
	// At is the checkpoint's time; EvaluatedAt when it was looked at.
	At          time.Time  `json:"at"`
	EvaluatedAt time.Time  `json:"evaluated_at"`
	Value       float64    `json:"value"`
	HasValue    bool       `json:"has_value"`
	When        Comparison `json:"when"`
	Threshold   float64    `json:"threshold"`
	// Fired reports whether the condition held; Actions are then the
	// rule's actions, else none.
	Fired       bool     `json:"fired"`
	Actions     []Action `json:"actions,omitempty"`
	Explanation string   `json:"explanation"`
}

// Evaluate judges the contingency rules whose checkpoint is due (at or
// before now) and not yet applied, against the KPI values. Decisions come
// in checkpoint time order, then by rule ID; each explains itself. A rule
// whose KPI has no value yields a Decision with HasValue false and no
// actions, which Apply does not record, so it is judged again once the
// value is known. Evaluate is deterministic: the same plan, values and
// time give the same decisions.
func Evaluate(p *Plan, values KPIValues, now time.Time) ([]Decision, error) {
	loc, err := p.Location()
	if err != nil {
		return nil, err
	}
	var out []Decision
	for _, c := range p.Contingencies {
		k, ok := p.KPI(c.KPI)
		if !ok {
			return nil, fmt.Errorf("contingency %q: unknown KPI %q", c.ID, c.KPI)
		}
		var cp Checkpoint
		found := false
		for _, x := range k.Checkpoints {
			if x.Name == c.Checkpoint {
				cp, found = x, true
			}
		}
		if !found {
			return nil, fmt.Errorf("contingency %q: KPI %q has no checkpoint %q", c.ID, c.KPI, c.Checkpoint)
		}
		at, _ := cp.At.Resolve(loc)
		key := c.ID + "@" + c.Checkpoint
		if at.After(now) || slices.Contains(p.Adjustments.Evaluated, key) {
			continue
		}
		d := Decision{Key: key, Contingency: c.ID, KPI: c.KPI, Checkpoint: c.Checkpoint, At: at, EvaluatedAt: now, When: c.When, Threshold: c.Threshold}
		if d.When == "" {
			d.When = Below
			if k.Direction == AtMost {
				d.When = Above
			}
		}
		if d.Threshold == 0 {
			d.Threshold = cp.Target
		}
		d.Value, d.HasValue = values[c.KPI]
		where := fmt.Sprintf("at checkpoint %q (%s)", cp.Name, at.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
		switch {
		case !d.HasValue:
			d.Explanation = fmt.Sprintf("%s: no value for KPI %q %s; nothing done until it is measured", c.ID, c.KPI, where)
		case (d.When == Below && d.Value < d.Threshold) || (d.When == Above && d.Value > d.Threshold):
			d.Fired = true
			d.Actions = slices.Clone(c.Actions)
			var acts []string
			for _, a := range c.Actions {
				acts = append(acts, describeAction(p, a))
			}
			d.Explanation = fmt.Sprintf("%s: %s = %s %s is %s the threshold %s, so: %s", c.ID, c.KPI, fmtNum(d.Value), where, d.When, fmtNum(d.Threshold), strings.Join(acts, "; "))
		default:
			d.Explanation = fmt.Sprintf("%s: %s = %s %s is not %s the threshold %s; no action", c.ID, c.KPI, fmtNum(d.Value), where, d.When, fmtNum(d.Threshold))
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Decision) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Contingency, b.Contingency)
	})
	return out, nil
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func describeAction(p *Plan, a Action) string {
	switch a.Kind {
	case SwitchBranch:
		if a.Branch == "" {
			return "switch the calendar back to the main branch"
		}
		return fmt.Sprintf("switch the calendar to branch %q", a.Branch)
	case ChangeCadence:
		return fmt.Sprintf("set the %s cadence to %d posts a week", a.Platform, a.PostsPerWeek)
	case Notify:
		s := "notify " + a.To
		if names := recipients(p, a.To); len(names) > 0 && (len(names) > 1 || names[0] != a.To) {
			s += " (" + strings.Join(names, ", ") + ")"
		}
		if a.Message != "" {
			s += ": " + a.Message
		}
		return s
	}
	return string(a.Kind)
}

// recipients resolves a member name or a role to member names.
func recipients(p *Plan, to string) []string {
	if _, ok := p.Staffing.Member(to); ok {
		return []string{to}
	}
	return p.Staffing.WithRole(Role(to))
}

// Apply records decisions in a copy of the plan: fired branch switches and
// cadence changes take effect at the decision's EvaluatedAt, notifications
// are added (one per recipient), and every decision with a value is marked
// evaluated so its rule does not fire again. Decisions already recorded
// are skipped. It returns the new plan and the notifications to deliver.
func Apply(p Plan, decisions []Decision) (Plan, []Notification) {
	adj := p.Adjustments
	adj.Switches = slices.Clone(adj.Switches)
	adj.CadenceChanges = slices.Clone(adj.CadenceChanges)
	adj.Evaluated = slices.Clone(adj.Evaluated)
	adj.Notifications = slices.Clone(adj.Notifications)
	var sent []Notification
	for _, d := range decisions {
		if !d.HasValue || slices.Contains(adj.Evaluated, d.Key) {
			continue
		}
		adj.Evaluated = append(adj.Evaluated, d.Key)
		if !d.Fired {
			continue
		}
		for _, a := range d.Actions {
			switch a.Kind {
			case SwitchBranch:
				adj.Switches = append(adj.Switches, BranchSwitch{At: d.EvaluatedAt, Branch: a.Branch, Reason: d.Explanation})
			case ChangeCadence:
				c, _ := p.CadenceAt(a.Platform, d.EvaluatedAt)
				c.Platform, c.PostsPerWeek, c.MaxGap = a.Platform, a.PostsPerWeek, 0
				adj.CadenceChanges = append(adj.CadenceChanges, CadenceChange{At: d.EvaluatedAt, Cadence: c, Reason: d.Explanation})
			case Notify:
				msg := a.Message
				if msg == "" {
					msg = d.Explanation
				} else {
					msg += " (" + d.Explanation + ")"
				}
				for _, to := range recipients(&p, a.To) {
					n := Notification{At: d.EvaluatedAt, To: to, Message: msg}
					adj.Notifications = append(adj.Notifications, n)
					sent = append(sent, n)
				}
			}
		}
	}
	p.Adjustments = adj
	return p, sent
}
