package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapportkit/rapport/analytics"
	"github.com/rapportkit/rapport/analytics/analyticstest"
	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/store"
)

// testWeeks is the simulated period of the tests: short, but long enough
// for the give phase, the offer and the report's comparison of two weeks.
const testWeeks = 2

// quickRun is one run of the quickstart shared by the tests.
type quickRun struct {
	dir    string
	output string
	err    error
}

var (
	sharedOnce sync.Once
	shared     quickRun
	sharedDir  string
)

// runShared runs the quickstart once for all tests of the package.
func runShared(t *testing.T) quickRun {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "quickstart-test-")
		if err != nil {
			shared.err = err
			return
		}
		sharedDir = dir
		var out bytes.Buffer
		shared = quickRun{dir: dir, err: run(context.Background(), &out, config{Weeks: testWeeks, Seed: 1, Out: dir, Compare: true})}
		shared.output = out.String()
	})
	if shared.err != nil {
		t.Fatalf("quickstart: %v\n%s", shared.err, shared.output)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// find returns the submatches of re in the output, failing the test when
// it does not match.
func find(t *testing.T, out, re string) []string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output does not match %q:\n%s", re, out)
	}
	return m
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSummaryMatchesFiles runs the quickstart for two simulated weeks and
// checks that the SQLite file and the report hold what the summary says.
func TestSummaryMatchesFiles(t *testing.T) {
	r := runShared(t)
	out := r.output
	ctx := t.Context()

	// What a new user reads first: the rejected rows with their lines, the
	// platform ranking, the linter's findings and their fixes.
	for _, want := range []string{
		"rejected line 9: record has 4 fields, header has 14",
		"rejected line 17: E-mail Address: invalid email \"not-an-email\"",
		"rank platform", "1    instagram",
		"error   promotion-before-give", "error   over-limit", "linting the second draft: clean",
		"week  dates", "Why the practices matter",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	dbPath := find(t, out, `database (\S+) \(workspace`)[1]
	htmlPath := find(t, out, `report   (\S+) \(also (\S+) and (\S+)\)`)
	if dbPath != filepath.Join(r.dir, dbFile) || htmlPath[1] != filepath.Join(r.dir, htmlFile) {
		t.Errorf("paths %s and %s are not in the output folder %s", dbPath, htmlPath[1], r.dir)
	}
	db, err := store.Open(ctx, "sqlite:"+dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ws, err := db.Workspace(workspaceID)
	if err != nil {
		t.Fatal(err)
	}

	// Publishing: every post of the two weeks published exactly once.
	published := atoi(t, find(t, out, `Publishing  (\d+) posts published exactly once`)[1])
	entries, err := ws.Campaign().PlanOutbox(ctx, planID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.State == campaign.OutboxPublished && !e.Post.IsZero() {
			n++
		}
	}
	if want := 3 * 3 * testWeeks; published != want || n != published || len(entries) != want {
		t.Errorf("summary says %d published; outbox has %d entries, %d published; want %d", published, len(entries), n, want)
	}
	if m := find(t, out, `\((\d+) lost response resolved by reading\s+the account back; (\d+) duplicates\)`); m[1] != "1" || m[2] != "0" {
		t.Errorf("lost responses %s, duplicates %s; want 1 and 0", m[1], m[2])
	}

	// The inbox: conversations, listening, signed replies per staff member.
	m := find(t, out, `Inbox\s+(\d+) conversations \((\d+) found by listening\), (\d+) signed replies: Rosa (\d+), Tariq (\d+)`)
	es := ws.Engage()
	convs, err := es.Conversations(ctx, engage.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	listening := 0
	for _, c := range convs {
		if c.Source == engage.SourceListening {
			listening++
		}
	}
	if len(convs) != atoi(t, m[1]) || listening != atoi(t, m[2]) || len(convs) == 0 || listening == 0 {
		t.Errorf("summary says %s conversations, %s by listening; the database has %d and %d", m[1], m[2], len(convs), listening)
	}
	sent, err := es.Replies(ctx, engage.ReplyFilter{States: []engage.ReplyState{engage.ReplySent}})
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for _, rp := range sent {
		by[rp.Staff]++
		if want := map[string]string{"rosa": "^Rosa", "tariq": "^Tariq"}[rp.Staff]; rp.Signature != want || rp.Post.IsZero() {
			t.Errorf("reply %s by %s signed %q (post %q), want %q", rp.ID, rp.Staff, rp.Signature, rp.Post.ID, want)
		}
	}
	if len(sent) != atoi(t, m[3]) || by["rosa"] != atoi(t, m[4]) || by["tariq"] != atoi(t, m[5]) || by["rosa"] == 0 || by["tariq"] == 0 {
		t.Errorf("summary says %s replies (Rosa %s, Tariq %s); the database has %d (%v)", m[3], m[4], m[5], len(sent), by)
	}

	// The offer: redemptions per channel.
	m = find(t, out, `(\d+) redemptions \(instagram (\d+), mastodon (\d+), bluesky (\d+), email (\d+)\)`)
	reds, err := ws.Campaign().Redemptions(ctx, offerID)
	if err != nil {
		t.Fatal(err)
	}
	ch := map[providers.Platform]int{}
	for _, rd := range reds {
		ch[rd.Channel]++
	}
	if len(reds) != atoi(t, m[1]) || ch[providers.Instagram] != atoi(t, m[2]) || ch[providers.Mastodon] != atoi(t, m[3]) ||
		ch[providers.Bluesky] != atoi(t, m[4]) || ch[campaign.EmailChannel] != atoi(t, m[5]) || len(reds) == 0 {
		t.Errorf("summary says %s redemptions (%s); the database has %d (%v)", m[1], m[0], len(reds), ch)
	}

	// Metric snapshots were collected every evening into the same file.
	snaps := 0
	for _, err := range ws.Snapshots().FollowerSnapshots(ctx, analytics.SnapshotQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		snaps++
	}
	if want := 3 * (7*testWeeks + 1); snaps != want {
		t.Errorf("%d follower snapshots, want %d (three accounts, at the start and every evening)", snaps, want)
	}

	// The JSON report says what the summary says about the report period.
	m = find(t, out, `Report\s+week 2 compared with week 1: (\d+) of (\d+) waits answered`)
	var rep struct {
		Responsiveness struct{ Received, Responded int }
		Accounts       []struct{ Platform string }
		Goals          []struct{ Status string }
	}
	js, err := os.ReadFile(htmlPath[2])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatalf("%s: %v", htmlPath[2], err)
	}
	if rep.Responsiveness.Responded != atoi(t, m[1]) || rep.Responsiveness.Received != atoi(t, m[2]) || rep.Responsiveness.Received == 0 {
		t.Errorf("summary says %s of %s answered; report.json says %d of %d", m[1], m[2], rep.Responsiveness.Responded, rep.Responsiveness.Received)
	}
	if len(rep.Accounts) != 3 || len(rep.Goals) != 3 {
		t.Errorf("report.json has %d accounts and %d goals, want 3 and 3", len(rep.Accounts), len(rep.Goals))
	}

	// The HTML report is self-contained and has every chart.
	page, err := os.ReadFile(htmlPath[1])
	if err != nil {
		t.Fatal(err)
	}
	figures := analyticstest.CheckHTMLReport(t, page)
	for _, id := range expectedCharts(t, r.dir) {
		if !figures[id] {
			t.Errorf("the HTML report lacks chart %q (has %v)", id, figures)
		}
	}
	if _, err := os.Stat(htmlPath[3]); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(find(t, out, `invites  (\S+)`)[1]); err != nil {
		t.Error(err)
	}
}

// expectedCharts lists the ids of the report's charts: the fixed ones, one
// best-time chart per account (named in report.json) and one per goal.
func expectedCharts(t *testing.T, dir string) []string {
	t.Helper()
	var rep struct {
		Accounts []struct{ Platform, Account string }
	}
	js, err := os.ReadFile(filepath.Join(dir, jsonFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	ids := []string{"chart-followers", "chart-rates", "chart-response", "chart-cadence", "chart-goal-1", "chart-goal-2", "chart-goal-3"}
	for _, a := range rep.Accounts {
		ids = append(ids, "chart-best-time-"+a.Platform+"-"+strings.ToLower(a.Account))
	}
	if len(rep.Accounts) != len(platforms) {
		t.Errorf("report.json has %d accounts, want %d", len(rep.Accounts), len(platforms))
	}
	return ids
}

// TestDeterministic runs the quickstart again into the same folder: the
// run starts from a fresh database and prints the same lines.
func TestDeterministic(t *testing.T) {
	r := runShared(t)
	var out bytes.Buffer
	if err := run(t.Context(), &out, config{Weeks: testWeeks, Seed: 1, Out: r.dir, Compare: true}); err != nil {
		t.Fatal(err)
	}
	if out.String() != r.output {
		a, b := strings.Split(r.output, "\n"), strings.Split(out.String(), "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("line %d differs between two runs with seed 1:\n%s\n%s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("the runs print %d and %d lines", len(a), len(b))
	}
}

func TestFlags(t *testing.T) {
	for _, cfg := range []config{{Weeks: 1, Out: t.TempDir()}, {Weeks: maxWeeks + 1, Out: t.TempDir()}, {Weeks: 2}} {
		if err := run(t.Context(), new(bytes.Buffer), cfg); err == nil {
			t.Errorf("run(%+v) succeeded, want an error", cfg)
		}
	}
}

// TestReportInChromium renders the report in a real headless browser:
// set RAPPORT_TEST_CHROMIUM to a Chromium binary (CI uses Debian's
// /usr/bin/chromium). The screenshot goes to RAPPORT_TEST_SCREENSHOTS when
// set, else to the test's temporary folder; its path is logged.
func TestReportInChromium(t *testing.T) {
	bin := os.Getenv("RAPPORT_TEST_CHROMIUM")
	if bin == "" {
		t.Skip("set RAPPORT_TEST_CHROMIUM to a Chromium binary (e.g. /usr/bin/chromium) to render the report in a headless browser")
	}
	r := runShared(t)
	report := filepath.Join(r.dir, htmlFile)
	url := "file://" + filepath.ToSlash(report)
	shots := os.Getenv("RAPPORT_TEST_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	chromium := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir()}
		cmd := exec.CommandContext(ctx, bin, append(append(base, args...), url)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
		}
		return stdout.Bytes()
	}

	dom := string(chromium("--dump-dom"))
	for _, id := range expectedCharts(t, r.dir) {
		re := regexp.MustCompile(`(?s)<figure[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</figure>`)
		m := re.FindStringSubmatch(dom)
		if m == nil {
			t.Errorf("the rendered DOM has no figure %q", id)
			continue
		}
		if !strings.Contains(m[1], "<svg") {
			t.Errorf("figure %q has no svg in the rendered DOM", id)
		}
	}

	png := filepath.Join(shots, "report.png")
	chromium("--screenshot="+png, "--window-size=1280,4000")
	b, err := os.ReadFile(png)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 10_000 {
		t.Fatalf("%s is not a screenshot of the report (%d bytes)", png, len(b))
	}
	t.Logf("screenshot of the report: %s", png)
}
