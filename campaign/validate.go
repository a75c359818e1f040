package campaign

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// FieldError is one problem with a plan, naming the field by its path
// ("goals[0].kpis[1].target", "calendar[3].at").
type FieldError struct {
	Field   string
	Problem string
}

// Error formats "field: problem".
func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidationError lists every problem found in a plan.
type ValidationError struct {
	PlanID string
	Errors []*FieldError
}

// Error lists the problems, one per line after the first.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %q is invalid (%d problem", e.PlanID, len(e.Errors))
	if len(e.Errors) != 1 {
		b.WriteByte('s')
	}
	b.WriteString(")")
	for _, fe := range e.Errors {
		b.WriteString("\n\t")
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Unwrap returns the individual problems, for errors.As.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, fe := range e.Errors {
		out[i] = fe
	}
	return out
}

// ErrInvalidPlan is wrapped by every *ValidationError (errors.Is).
var ErrInvalidPlan = errors.New("campaign: invalid plan")

// Is reports target == ErrInvalidPlan.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidPlan }

// Validate reports whether the plan can run: it has an ID, a loadable time
// zone and at least one goal; every goal has a known kind and at least one
// KPI; every KPI has an ID, a metric, a positive target and a valid
// deadline, and valid checkpoints; calendar items have unique IDs, a
// platform, a valid time and text; phases, offers and contingency rules
// refer to things that exist. It returns nil or a *ValidationError naming
// every bad field.
func Validate(p *Plan) error {
	problems := validate(p)
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{PlanID: p.ID, Errors: problems}
}

func validate(p *Plan) []*FieldError {
	var out []*FieldError
	add := func(field, format string, args ...any) {
		out = append(out, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(p.ID) == "" {
		add("id", "is empty")
	}
	if p.TimeZone != "" {
		if _, err := time.LoadLocation(p.TimeZone); err != nil {
			add("time_zone", "unknown time zone %q", p.TimeZone)
		}
	}
	if len(p.Goals) == 0 {
		add("goals", "a campaign needs at least one goal")
	}
	kpis := map[string]KPI{}
	for gi, g := range p.Goals {
		gf := fmt.Sprintf("goals[%d]", gi)
		if !g.Kind.Known() {
			add(gf+".kind", "unknown goal kind %q (want one of %v)", g.Kind, GoalKinds)
		}
		if len(g.KPIs) == 0 {
			add(gf+".kpis", "a goal needs at least one KPI")
		}
		for ki, k := range g.KPIs {
			kf := fmt.Sprintf("%s.kpis[%d]", gf, ki)
			if k.ID == "" {
				add(kf+".id", "is empty")
			} else if _, dup := kpis[k.ID]; dup {
				add(kf+".id", "duplicate KPI id %q", k.ID)
			} else {
				kpis[k.ID] = k
			}
			if k.Metric == "" {
				add(kf+".metric", "is empty")
			}
			if k.Target <= 0 {
				add(kf+".target", "must be greater than zero (got %v)", k.Target)
			}
			if k.Direction != "" && k.Direction != AtLeast && k.Direction != AtMost {
				add(kf+".direction", "unknown direction %q", k.Direction)
			}
			if k.Deadline.IsZero() {
				add(kf+".deadline", "is missing")
			} else if !k.Deadline.Valid() {
				add(kf+".deadline", "%s is not a valid date and time", k.Deadline)
			}
			names := map[string]bool{}
			for ci, c := range k.Checkpoints {
				cf := fmt.Sprintf("%s.checkpoints[%d]", kf, ci)
				if c.Name == "" {
					add(cf+".name", "is empty")
				} else if names[c.Name] {
					add(cf+".name", "duplicate checkpoint %q", c.Name)
				}
				names[c.Name] = true
				if !c.At.Valid() {
					add(cf+".at", "is missing or not a valid date and time")
				} else if k.Deadline.Valid() && k.Deadline.Before(c.At) {
					add(cf+".at", "%s is after the KPI deadline %s", c.At, k.Deadline)
				}
			}
		}
	}
	for i, ph := range p.Phases {
		f := fmt.Sprintf("phases[%d]", i)
		if !ph.Start.Valid() || !ph.End.Valid() {
			add(f, "phase %q needs a valid start and end", ph.Name)
		} else if !ph.Start.Before(ph.End) {
			add(f+".end", "phase %q ends (%s) before it starts (%s)", ph.Name, ph.End, ph.Start)
		}
	}
	ids := map[string]bool{}
	branches := map[string]bool{"": true}
	for i, it := range p.Calendar {
		f := fmt.Sprintf("calendar[%d]", i)
		if it.ID == "" {
			add(f+".id", "is empty")
		} else if ids[it.ID] {
			add(f+".id", "duplicate item id %q", it.ID)
		}
		ids[it.ID] = true
		branches[it.Branch] = true
		if it.Platform == "" {
			add(f+".platform", "item %q has no platform", it.ID)
		}
		if !it.At.Valid() {
			add(f+".at", "item %q has no valid publishing time", it.ID)
		}
		if strings.TrimSpace(it.Draft.Text) == "" && len(it.Draft.Media) == 0 {
			add(f+".draft.text", "item %q is empty", it.ID)
		}
		if it.OfferID != "" {
			if _, ok := p.Offer(it.OfferID); !ok {
				add(f+".offer_id", "item %q refers to unknown offer %q", it.ID, it.OfferID)
			}
		}
	}
	offerIDs := map[string]bool{}
	for i, o := range p.Offers {
		f := fmt.Sprintf("offers[%d]", i)
		if o.ID == "" {
			add(f+".id", "is empty")
		} else if offerIDs[o.ID] {
			add(f+".id", "duplicate offer id %q", o.ID)
		}
		offerIDs[o.ID] = true
	}
	members := map[string]bool{}
	for i, m := range p.Staffing.Team {
		if m.Name == "" {
			add(fmt.Sprintf("staffing.team[%d].name", i), "is empty")
		}
		members[m.Name] = true
	}
	for i, s := range p.Staffing.Shifts {
		if !members[s.Member] {
			add(fmt.Sprintf("staffing.shifts[%d].member", i), "%q is not on the team", s.Member)
		}
	}
	cids := map[string]bool{}
	for i, c := range p.Contingencies {
		f := fmt.Sprintf("contingencies[%d]", i)
		if c.ID == "" {
			add(f+".id", "is empty")
		} else if cids[c.ID] {
			add(f+".id", "duplicate contingency id %q", c.ID)
		}
		cids[c.ID] = true
		k, ok := kpis[c.KPI]
		if !ok {
			add(f+".kpi", "unknown KPI %q", c.KPI)
		} else if !hasCheckpoint(k, c.Checkpoint) {
			add(f+".checkpoint", "KPI %q has no checkpoint %q", c.KPI, c.Checkpoint)
		}
		if c.When != "" && c.When != Below && c.When != Above {
			add(f+".when", "unknown comparison %q", c.When)
		}
		if len(c.Actions) == 0 {
			add(f+".actions", "a contingency rule needs at least one action")
		}
		for ai, a := range c.Actions {
			af := fmt.Sprintf("%s.actions[%d]", f, ai)
			switch a.Kind {
			case SwitchBranch:
				if !branches[a.Branch] {
					add(af+".branch", "no calendar item is on branch %q", a.Branch)
				}
			case ChangeCadence:
				if a.Platform == "" {
					add(af+".platform", "is empty")
				}
				if a.PostsPerWeek <= 0 {
					add(af+".posts_per_week", "must be greater than zero")
				}
			case Notify:
				if a.To == "" {
					add(af+".to", "is empty")
				} else if !members[a.To] && len(p.Staffing.WithRole(Role(a.To))) == 0 {
					add(af+".to", "%q is neither a team member nor a role anyone has", a.To)
				}
			default:
				add(af+".kind", "unknown action %q", a.Kind)
			}
		}
	}
	return out
}

func hasCheckpoint(k KPI, name string) bool {
	for _, c := range k.Checkpoints {
		if c.Name == name {
			return true
		}
	}
	return false
}
