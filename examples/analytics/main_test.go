package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapportkit/rapport/analytics/analyticstest"
)

// TestReportFromMemoryNetwork runs the program end to end: six simulated
// weeks on two memory networks, metrics collected every evening, and the
// report written as HTML, JSON and CSV.
func TestReportFromMemoryNetwork(t *testing.T) {
	dir := t.TempDir()
	opts := options{HTML: filepath.Join(dir, "report.html"), JSON: filepath.Join(dir, "report.json"), CSV: filepath.Join(dir, "report.csv"), Seed: 1}
	var out bytes.Buffer
	if err := run(context.Background(), opts, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"wrote " + opts.HTML, "What improved:", "Needs attention:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	var rep struct {
		Accounts []struct {
			Platform string
			Account  string
			Rates    struct {
				Posts           int
				EngagementBasis string   `json:"engagement_basis"`
				Conversation    *float64 `json:"conversation_rate"`
			}
			FollowersEnd *int64 `json:"followers_end"`
		}
		Goals []struct{ Status string }
	}
	js, err := os.ReadFile(opts.JSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if len(rep.Accounts) != 2 || len(rep.Goals) != 2 {
		t.Fatalf("report has %d accounts and %d goals, want 2 and 2", len(rep.Accounts), len(rep.Goals))
	}
	bases := map[string]string{}
	for _, a := range rep.Accounts {
		bases[a.Platform] = a.Rates.EngagementBasis
		if a.Rates.Posts == 0 || a.Rates.Conversation == nil || a.FollowersEnd == nil || *a.FollowersEnd == 0 {
			t.Errorf("%s: posts %d, conversation %v, followers %v: the simulation produced no data", a.Platform, a.Rates.Posts, a.Rates.Conversation, a.FollowersEnd)
		}
	}
	// The "mastodon" network reports no reach, like Mastodon; the other does.
	if bases["mastodon"] != "followers" || bases["memory"] != "reach" {
		t.Errorf("engagement bases = %v, want mastodon by followers, memory by reach", bases)
	}

	page, err := os.ReadFile(opts.HTML)
	if err != nil {
		t.Fatal(err)
	}
	figures := analyticstest.CheckHTMLReport(t, page)
	want := []string{"chart-followers", "chart-rates", "chart-response", "chart-cadence", "chart-goal-1", "chart-goal-2"}
	for _, a := range rep.Accounts {
		want = append(want, "chart-best-time-"+a.Platform+"-"+strings.ToLower(a.Account))
	}
	for _, id := range want {
		if !figures[id] {
			t.Errorf("HTML report lacks chart %q (found %v)", id, figures)
		}
	}
	if len(figures) != len(want) {
		t.Errorf("HTML report has %d charts, want %d: %v", len(figures), len(want), figures)
	}
	for _, section := range []string{`id="summary"`, `id="relationships"`, `id="responsiveness"`, `id="consistency"`, `id="best-time"`, `id="goals"`} {
		if !bytes.Contains(page, []byte(section)) {
			t.Errorf("HTML report lacks the section %s", section)
		}
	}

	f, err := os.Open(opts.CSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 50 {
		t.Fatalf("CSV report: %d rows, %v", len(rows), err)
	}

	// The simulation is reproducible: the same seed gives the same report.
	again := options{HTML: filepath.Join(dir, "again.html"), Seed: 1}
	if err := run(context.Background(), again, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	page2, err := os.ReadFile(again.HTML)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, page2) {
		t.Error("two runs with the same seed wrote different reports")
	}
}

func TestRunNeedsAnOutputPath(t *testing.T) {
	if err := run(context.Background(), options{}, &bytes.Buffer{}); err == nil {
		t.Error("run without -out succeeded")
	}
}
