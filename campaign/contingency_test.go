package campaign

import (
	"reflect"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

func TestEvaluateBeforeCheckpoint(t *testing.T) {
	p := cleanPlan()
	// Week-1 checkpoint: Thu 19 Mar 2026 09:00 New York (EDT) = 13:00 UTC.
	ds, err := Evaluate(p, KPIValues{"redemptions": 3}, time.Date(2026, 3, 19, 12, 59, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 0 {
		t.Fatalf("decisions before the checkpoint: %+v", ds)
	}
}

func TestEvaluateFires(t *testing.T) {
	p := cleanPlan()
	now := time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC)
	ds, err := Evaluate(p, KPIValues{"redemptions": 9}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("decisions: %+v", ds)
	}
	d := ds[0]
	if !d.Fired || d.Threshold != 15 || d.When != Below || d.Key != "behind-week1@week1" || len(d.Actions) != 3 {
		t.Fatalf("decision: %+v", d)
	}
	want := `behind-week1: redemptions = 9 at checkpoint "week1" (Thu 19 Mar 2026 09:00 EDT) is below the threshold 15, so: switch the calendar to branch "boost"; set the bluesky cadence to 5 posts a week; notify owner (Ana): launch redemptions are behind`
	if d.Explanation != want {
		t.Errorf("explanation:\n got %s\nwant %s", d.Explanation, want)
	}
	// Deterministic.
	again, _ := Evaluate(p, KPIValues{"redemptions": 9}, now)
	if !reflect.DeepEqual(ds, again) {
		t.Error("two evaluations differ")
	}

	before, _ := p.Schedule()
	applied, notes := Apply(*p, ds)
	if len(notes) != 1 || notes[0].To != "Ana" || notes[0].Message != "launch redemptions are behind ("+want+")" {
		t.Errorf("notifications: %+v", notes)
	}
	if got := applied.BranchAt(now.Add(time.Hour)); got != "boost" {
		t.Errorf("branch after apply = %q", got)
	}
	if got := applied.BranchAt(now.Add(-time.Hour)); got != "" {
		t.Errorf("branch before the switch = %q", got)
	}
	if c, _ := applied.CadenceAt(providers.Bluesky, now.Add(time.Hour)); c.PostsPerWeek != 5 {
		t.Errorf("bluesky cadence after apply = %+v", c)
	}
	if c, _ := applied.CadenceAt(providers.Bluesky, now.Add(-time.Hour)); c.PostsPerWeek != 3 {
		t.Errorf("bluesky cadence before = %+v", c)
	}
	if p.Adjustments.Switches != nil {
		t.Error("Apply modified the original plan")
	}
	after, _ := applied.Schedule()
	ids := func(s []ScheduledItem) (out []string) {
		for _, it := range s {
			out = append(out, it.ID)
		}
		return out
	}
	if !contains(ids(after), "m-boost") || contains(ids(after), "m10") || contains(ids(after), "m09") || !contains(ids(after), "m08") {
		t.Errorf("schedule after the switch: %v", ids(after))
	}
	if contains(ids(before), "m-boost") || !contains(ids(before), "m10") {
		t.Errorf("schedule before the switch: %v", ids(before))
	}
	// Applied decisions do not fire again; applying twice changes nothing.
	if ds2, _ := Evaluate(&applied, KPIValues{"redemptions": 1}, now.Add(48*time.Hour)); len(ds2) != 0 {
		t.Errorf("fired again: %+v", ds2)
	}
	twice, notes2 := Apply(applied, ds)
	if len(notes2) != 0 || !reflect.DeepEqual(twice.Adjustments, applied.Adjustments) {
		t.Error("applying the same decisions twice changed the plan")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestEvaluateOnTrack(t *testing.T) {
	p := cleanPlan()
	now := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	ds, err := Evaluate(p, KPIValues{"redemptions": 15}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Fired || len(ds[0].Actions) != 0 {
		t.Fatalf("decisions: %+v", ds)
	}
	want := `behind-week1: redemptions = 15 at checkpoint "week1" (Thu 19 Mar 2026 09:00 EDT) is not below the threshold 15; no action`
	if ds[0].Explanation != want {
		t.Errorf("explanation: %s", ds[0].Explanation)
	}
	applied, notes := Apply(*p, ds)
	if len(notes) != 0 || len(applied.Adjustments.Switches) != 0 || len(applied.Adjustments.Evaluated) != 1 {
		t.Errorf("adjustments: %+v", applied.Adjustments)
	}
}

func TestEvaluateMissingValue(t *testing.T) {
	p := cleanPlan()
	now := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	ds, _ := Evaluate(p, KPIValues{}, now)
	if len(ds) != 1 || ds[0].HasValue || ds[0].Fired {
		t.Fatalf("decisions: %+v", ds)
	}
	applied, _ := Apply(*p, ds)
	if len(applied.Adjustments.Evaluated) != 0 {
		t.Fatal("a decision without a value was recorded")
	}
	ds, _ = Evaluate(&applied, KPIValues{"redemptions": 2}, now.Add(time.Hour))
	if len(ds) != 1 || !ds[0].Fired {
		t.Fatalf("once measured: %+v", ds)
	}
}

func TestEvaluateOrderAndDirection(t *testing.T) {
	p := cleanPlan()
	p.Goals[0].KPIs = append(p.Goals[0].KPIs, KPI{ID: "p90", Metric: MetricResponseTimeP90, Target: 60, Direction: AtMost,
		Deadline: MustParseLocal("2026-03-31T00:00"), Checkpoints: []Checkpoint{{Name: "early", At: MustParseLocal("2026-03-10T09:00"), Target: 90}}})
	p.Contingencies = append(p.Contingencies,
		Contingency{ID: "slow-replies", KPI: "p90", Checkpoint: "early", Actions: []Action{{Kind: Notify, To: "Lee", Message: "replies are slow"}}},
		Contingency{ID: "a-quiet", KPI: "conversation", Checkpoint: "mid", Threshold: 0.02, Actions: []Action{{Kind: Notify, To: string(RoleReplier)}}},
		Contingency{ID: "z-quiet", KPI: "conversation", Checkpoint: "mid", Actions: []Action{{Kind: ChangeCadence, Platform: providers.Mastodon, PostsPerWeek: 4}}},
	)
	if err := Validate(p); err != nil {
		t.Fatal(err)
	}
	ds, err := Evaluate(p, KPIValues{"p90": 120, "conversation": 0.025, "redemptions": 20}, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Key)
	}
	want := []string{"slow-replies@early", "a-quiet@mid", "z-quiet@mid", "behind-week1@week1"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	// p90 is an at-most KPI: 120 minutes is above 90, so it fires.
	if !ds[0].Fired || ds[0].When != Above {
		t.Errorf("at-most KPI: %+v", ds[0])
	}
	// 0.025 is not below the explicit 0.02, but below the checkpoint's 0.03.
	if ds[1].Fired || !ds[2].Fired {
		t.Errorf("thresholds: %+v / %+v", ds[1], ds[2])
	}
	_, notes := Apply(*p, ds)
	if len(notes) != 1 || notes[0].To != "Lee" {
		t.Errorf("notifications: %+v", notes)
	}
}

func TestValidateNamesFields(t *testing.T) {
	p := cleanPlan()
	p.Goals[0].KPIs[1].Target = 0
	p.Goals[0].KPIs[0].Deadline = LocalTime{}
	p.Contingencies[0].Actions[0].Branch = "nope"
	err := Validate(p)
	if err == nil {
		t.Fatal("invalid plan accepted")
	}
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("error type %T", err)
	}
	var fields []string
	for _, fe := range ve.Errors {
		fields = append(fields, fe.Field)
	}
	for _, f := range []string{"goals[0].kpis[0].deadline", "goals[0].kpis[1].target", "contingencies[0].actions[0].branch"} {
		if !contains(fields, f) {
			t.Errorf("field %s not named; got %v", f, fields)
		}
	}
	p = cleanPlan()
	p.Goals = nil
	p.Contingencies = nil
	if err := Validate(p); err == nil || err.Error() != "plan \"rye-launch\" is invalid (1 problem)\n\tgoals: a campaign needs at least one goal" {
		t.Errorf("no goal: %v", err)
	}
}
