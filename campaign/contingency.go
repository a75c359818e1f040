package campaign

import (
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
