package mastodontest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
)

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func get(t *testing.T, s *Server, token, path string, out any) http.Header {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.Header
}

// Every entity the fake serves has exactly the fields of the recorded one
// (plus quotes_count, which Mastodon 4.5 adds to statuses).
func TestEntitiesShapedLikeRecordings(t *testing.T) {
	s, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice, _ := s.CreateAccount(AccountSpec{Username: "alice"})
	bob, _ := s.CreateAccount(AccountSpec{Username: "bob"})
	_ = s.Follow(bob.ID, alice.ID)
	id, _ := s.Post(bob.ID, PostSpec{Text: "@alice hi #bakery https://example.com", Visibility: "direct"})

	check := func(name string, got map[string]any, tmpl map[string]any, extra ...string) {
		t.Helper()
		want := append(keys(tmpl), extra...)
		sort.Strings(want)
		if g := keys(got); !slices.Equal(g, want) {
			t.Errorf("%s fields = %v\nrecorded %v", name, g, want)
		}
	}
	var cred map[string]any
	h := get(t, s, alice.Token, "/api/v1/accounts/verify_credentials", &cred)
	check("credential account", cred, s.tmpl.credAccount)
	for _, k := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Server", "Cache-Control"} {
		if h.Get(k) == "" {
			t.Errorf("header %s missing", k)
		}
	}
	var st map[string]any
	get(t, s, alice.Token, "/api/v1/statuses/"+id, &st)
	check("status", st, s.tmpl.status, "quotes_count")
	check("status account", st["account"].(map[string]any), s.tmpl.account)
	var notes []map[string]any
	get(t, s, alice.Token, "/api/v1/notifications", &notes)
	if len(notes) != 2 {
		t.Fatalf("%d notifications", len(notes))
	}
	check("mention notification", notes[0], s.tmpl.notification)
	if _, ok := notes[1]["status"]; ok || notes[1]["type"] != "follow" {
		t.Errorf("follow notification = %v", notes[1])
	}
	var convs []map[string]any
	get(t, s, alice.Token, "/api/v1/conversations", &convs)
	if len(convs) != 1 {
		t.Fatalf("%d conversations", len(convs))
	}
	check("conversation", convs[0], s.tmpl.conversation)
	var inst map[string]any
	get(t, s, "", "/api/v2/instance", &inst)
	check("instance", inst, s.tmpl.instance)
	content := st["content"].(string)
	for _, want := range []string{`class="h-card"`, `@<span>alice</span>`, `class="mention hashtag"`, `<span class="invisible">https://</span>`} {
		if !strings.Contains(content, want) {
			t.Errorf("content %s lacks %s", content, want)
		}
	}
}

func TestPaginate(t *testing.T) {
	ids := []string{"09", "08", "07", "06", "05", "04", "03", "02", "01"}
	id := func(s string) string { return s }
	cases := []struct {
		p    page
		want []string
	}{
		{page{limit: 3}, []string{"09", "08", "07"}},
		{page{limit: 3, maxID: "07"}, []string{"06", "05", "04"}},
		{page{limit: 3, sinceID: "03"}, []string{"09", "08", "07"}},
		{page{limit: 3, min: "03"}, []string{"06", "05", "04"}},
		{page{limit: 3, min: "08"}, []string{"09"}},
		{page{limit: 3, min: "09"}, nil},
	}
	for _, c := range cases {
		if got := paginate(ids, id, c.p); !slices.Equal(got, c.want) {
			t.Errorf("paginate(%+v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestFixturesLoad(t *testing.T) {
	names := FixtureNames()
	if len(names) != 22 {
		t.Errorf("%d fixtures", len(names))
	}
	for _, n := range names {
		f, err := LoadFixture(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if !json.Valid(f.Body) {
			t.Errorf("%s: body is not JSON", n)
		}
	}
}
