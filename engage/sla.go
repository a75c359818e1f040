package engage

import (
	"fmt"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// SLAPolicy sets first-response targets. A target is business time when
// Hours is set (the clock stops outside opening hours), wall-clock time
// otherwise.
type SLAPolicy struct {
	// Targets are the first-response targets per priority; a priority
	// without a target has no SLA.
	Targets map[Priority]time.Duration
	// PlatformTargets override Targets for a platform (customers expect
	// faster answers on some networks).
	PlatformTargets map[providers.Platform]map[Priority]time.Duration
	// ListeningTarget is the target for conversations found by listening;
	// 0 means they have no SLA.
	ListeningTarget time.Duration
	// Hours are the business hours the clock runs in; nil is around the
	// clock.
	Hours *BusinessHours
	// AroundTheClock lists priorities whose clock runs outside business
	// hours too (typically PriorityUrgent).
	AroundTheClock []Priority
	// WarnBefore is how long before the deadline (in the same time as the
	// target) the warning fires; 0 means a quarter of the target.
	WarnBefore time.Duration
	// EscalateTo lists staff IDs (in order of preference) a breached
	// conversation is escalated to; empty means breaches are reported but
	// not escalated.
	EscalateTo []string
}

// DefaultSLA is used when no policy is given: urgent 1h, high 4h, normal
// 8h, low 24h, around the clock.
func DefaultSLA() SLAPolicy {
	return SLAPolicy{Targets: map[Priority]time.Duration{
		PriorityUrgent: time.Hour,
		PriorityHigh:   4 * time.Hour,
		PriorityNormal: 8 * time.Hour,
		PriorityLow:    24 * time.Hour,
	}}
}

func (p SLAPolicy) validate() error {
	for pr, d := range p.Targets {
		if d <= 0 {
			return fmt.Errorf("engage: SLA target for %s priority is %s, want > 0", pr, d)
		}
	}
	for pl, m := range p.PlatformTargets {
		for pr, d := range m {
			if d <= 0 {
				return fmt.Errorf("engage: SLA target for %s priority on %s is %s, want > 0", pr, pl, d)
			}
		}
	}
	if p.ListeningTarget < 0 || p.WarnBefore < 0 {
		return fmt.Errorf("engage: SLA: negative ListeningTarget or WarnBefore")
	}
	return p.Hours.validate()
}

// Target returns the first-response target for a conversation, false when
// it has none.
func (p SLAPolicy) Target(c Conversation) (time.Duration, bool) {
	if c.Source == SourceListening {
		return p.ListeningTarget, p.ListeningTarget > 0
	}
	if m, ok := p.PlatformTargets[c.Platform]; ok {
		if d, ok := m[c.Priority]; ok {
			return d, true
		}
	}
	d, ok := p.Targets[c.Priority]
	return d, ok
}

// Deadlines returns when to warn and when the first response is due for
// a wait that started at start. ok is false when the conversation has no
// SLA.
func (p SLAPolicy) Deadlines(c Conversation, start time.Time) (warnAt, dueAt time.Time, ok bool, err error) {
	target, ok := p.Target(c)
	if !ok || c.Intent == IntentSpam || c.State == StateIgnored {
		return time.Time{}, time.Time{}, false, nil
	}
	hours := p.Hours
	for _, pr := range p.AroundTheClock {
		if pr == c.Priority {
			hours = nil
		}
	}
	warnBefore := p.WarnBefore
	if warnBefore == 0 || warnBefore >= target {
		warnBefore = target / 4
	}
	dueAt, err = hours.Add(start, target)
	if err != nil {
		return time.Time{}, time.Time{}, false, err
	}
	warnAt, err = hours.Add(start, target-warnBefore)
	if err != nil {
		return time.Time{}, time.Time{}, false, err
	}
	return warnAt, dueAt, true, nil
}
