package transport

import (
	"net/http"
	"reflect"
	"testing"
)

func TestLink(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		rel    string
		want   string
	}{
		{"quoted rels", []string{`<https://m.example/api/v1/x?max_id=2>; rel="next", <https://m.example/api/v1/x?min_id=9>; rel="prev"`}, "next", "https://m.example/api/v1/x?max_id=2"},
		{"prev", []string{`<https://m.example/a?max_id=2>; rel="next", <https://m.example/a?min_id=9>; rel="prev"`}, "prev", "https://m.example/a?min_id=9"},
		{"bare rel", []string{`<https://a.example/p2>; rel=next`}, "next", "https://a.example/p2"},
		{"several header lines", []string{`<https://a.example/p0>; rel="prev"`, `<https://a.example/p2>; rel="next"`}, "next", "https://a.example/p2"},
		{"multi-valued rel", []string{`<https://a.example/last>; rel="next last"`}, "last", "https://a.example/last"},
		{"comma and semicolon in quoted title", []string{`<https://a.example/1>; title="a, b; c"; rel="prev", <https://a.example/3>; rel="next"`}, "next", "https://a.example/3"},
		{"comma in URL", []string{`<https://a.example/q?ids=1,2,3>; rel="next"`}, "next", "https://a.example/q?ids=1,2,3"},
		{"case-insensitive rel", []string{`<https://a.example/n>; REL="Next"`}, "next", "https://a.example/n"},
		{"spaces", []string{`  < https://a.example/n >  ;  rel = "next" `}, "next", "https://a.example/n"},
		{"first rel wins", []string{`<https://a.example/n>; rel="prev"; rel="next"`}, "next", ""},
		{"missing", []string{`<https://a.example/n>; rel="prev"`}, "next", ""},
		{"malformed", []string{`https://a.example/n; rel="next"`, `<https://a.example/unterminated; rel="next"`}, "next", ""},
		{"none", nil, "next", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.values {
				h.Add("Link", v)
			}
			if got := Link(h, tt.rel); got != tt.want {
				t.Errorf("Link(%q) = %q, want %q", tt.rel, got, tt.want)
			}
		})
	}
}

func TestNextLinkFixture(t *testing.T) {
	resp := readFixture(t, "followers_page1.http")
	want := "http://localhost:8080/api/v1/accounts/024AFME575HXVGPDCYXH94XG4K/followers?limit=2&max_id=02022VB2D159M6CM951APRZ9ES"
	if got := NextLink(resp.Header); got != want {
		t.Fatalf("NextLink = %q, want %q", got, want)
	}
	links := ParseLinks(resp.Header)
	if len(links) != 2 || !reflect.DeepEqual(links[1].Rel, []string{"prev"}) {
		t.Fatalf("ParseLinks = %+v", links)
	}
}

func TestParseLinksParams(t *testing.T) {
	h := http.Header{"Link": {`<https://a.example/1>; rel="next"; title="Page \"2\""; type=text/html`}}
	got := ParseLinks(h)
	want := []LinkValue{{URL: "https://a.example/1", Rel: []string{"next"}, Params: map[string]string{"title": `Page "2"`, "type": "text/html"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
