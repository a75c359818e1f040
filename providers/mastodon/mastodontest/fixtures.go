package mastodontest

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// The fixtures are HTTP responses recorded from a real Mastodon-API server
// (GoToSocial v0.19.2). The fake server builds every entity from them, so
// its answers have exactly the fields, nesting and headers real servers
// send.
//
//go:embed testdata/*.http
var fixtureFS embed.FS

// FixtureNames lists the recorded responses, sorted ("status_create",
// "notifications_all", ...).
func FixtureNames() []string {
	entries, err := fixtureFS.ReadDir("testdata")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".http"))
	}
	sort.Strings(out)
	return out
}

// Fixture is one recorded response.
type Fixture struct {
	Status int
	Header http.Header
	Body   []byte
}

// LoadFixture reads the recorded response name (without ".http").
func LoadFixture(name string) (Fixture, error) {
	raw, err := fixtureFS.ReadFile("testdata/" + name + ".http")
	if err != nil {
		return Fixture{}, fmt.Errorf("mastodontest: fixture %q: %w", name, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return Fixture{}, fmt.Errorf("mastodontest: fixture %q: %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		// Some recordings keep "Transfer-Encoding: chunked" but hold the
		// body without chunk framing: take it as it is.
		i := bytes.Index(raw, []byte("\r\n\r\n"))
		if i < 0 || len(resp.TransferEncoding) == 0 {
			return Fixture{}, fmt.Errorf("mastodontest: fixture %q: body: %w", name, err)
		}
		body = raw[i+4:]
	}
	resp.Header.Del("Transfer-Encoding")
	return Fixture{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// ServeHTTP replays the fixture: its status, every header it was recorded
// with (Link and X-Ratelimit-* included) and its body.
func (f Fixture) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	for k, vs := range f.Header {
		if k == "Content-Length" || k == "Transfer-Encoding" {
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write(f.Body)
}

// templates are the entities decoded from the fixtures, used as the shape
// of every entity the fake server writes.
type templates struct {
	credAccount  map[string]any // verify_credentials: Account with source and role
	account      map[string]any
	status       map[string]any
	notification map[string]any
	conversation map[string]any
	instance     map[string]any
	media        map[string]any
	headers      http.Header // the headers every answer carries
	errors       map[int]string
}

func loadTemplates() (*templates, error) {
	t := &templates{errors: map[int]string{}}
	obj := func(name string) (map[string]any, Fixture, error) {
		f, err := LoadFixture(name)
		if err != nil {
			return nil, f, err
		}
		var v any
		if err := json.Unmarshal(f.Body, &v); err != nil {
			return nil, f, fmt.Errorf("mastodontest: fixture %q: %w", name, err)
		}
		if list, ok := v.([]any); ok && len(list) > 0 {
			v = list[0]
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, f, fmt.Errorf("mastodontest: fixture %q is not an object", name)
		}
		return m, f, nil
	}
	var err error
	var f Fixture
	if t.credAccount, f, err = obj("verify_credentials"); err != nil {
		return nil, err
	}
	t.headers = http.Header{}
	for _, k := range []string{"Cache-Control", "Content-Security-Policy", "Permissions-Policy", "Referrer-Policy", "Server", "X-Content-Type-Options", "X-Frame-Options", "X-Robots-Tag"} {
		if vs := f.Header.Values(k); len(vs) > 0 {
			t.headers[k] = vs
		}
	}
	if t.account, _, err = obj("followers_page1"); err != nil {
		return nil, err
	}
	if t.status, _, err = obj("status_create"); err != nil {
		return nil, err
	}
	if t.notification, _, err = obj("notifications_all"); err != nil {
		return nil, err
	}
	if t.conversation, _, err = obj("conversations"); err != nil {
		return nil, err
	}
	if t.instance, _, err = obj("instance_v2"); err != nil {
		return nil, err
	}
	if t.media, _, err = obj("media_upload"); err != nil {
		return nil, err
	}
	for name, status := range map[string]int{"error_400_empty_status": 400, "error_401": 401, "error_404": 404, "error_429": 429} {
		f, err := LoadFixture(name)
		if err != nil {
			return nil, err
		}
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(f.Body, &e); err != nil {
			return nil, fmt.Errorf("mastodontest: fixture %q: %w", name, err)
		}
		t.errors[status] = e.Error
	}
	return t, nil
}

// clone copies a template's top level; nested values are shared and never
// modified.
func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+4)
	for k, v := range m {
		out[k] = v
	}
	return out
}
