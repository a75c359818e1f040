package memory

import (
	"slices"
	"testing"
)

func TestParseMentions(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"@alice hi", []string{"alice"}},
		{"hi @Alice.", []string{"Alice"}},
		{"thanks @alice, @bob and @Alice!", []string{"alice", "bob"}},
		{"write to bob@example.com", nil},
		{"cc @bob@social.example!", []string{"bob@social.example"}},
		{"(@carol) and @dave- sure", []string{"carol", "dave"}},
		{"@alice.bsky.social: hello", []string{"alice.bsky.social"}},
		{"@@x and @ alone", nil},
		{"see https://memory.example/@alice/p1", nil},
		{"ping:@zoë", []string{"zoë"}},
		{"@under_score-and.dots.", []string{"under_score-and.dots"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseMentions(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("parseMentions(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"#Coffee and #coffee", []string{"coffee"}},
		{"I like C# and F#", nil},
		{"#1 fan, #2024goals", []string{"2024goals"}},
		{"new #go_lang!", []string{"go_lang"}},
		{"issue#5", nil},
		{"https://x.example/#frag", nil},
		{"#café #Café", []string{"café"}},
		{"##double", nil},
	}
	for _, tt := range tests {
		if got := parseTags(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("parseTags(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestParseLinks(t *testing.T) {
	got := parseLinks("see https://a.example/x, and (http://b.example/y). not ftp://c or https://")
	want := []string{"https://a.example/x", "http://b.example/y"}
	if !slices.Equal(got, want) {
		t.Errorf("parseLinks = %q, want %q", got, want)
	}
}

func TestUnitRange(t *testing.T) {
	n := &Network{cfg: config{seed: 3}}
	var sum float64
	for i := range int64(1000) {
		u := n.unit(i, 0)
		if u < 0 || u >= 1 {
			t.Fatalf("unit(%d) = %v, outside [0,1)", i, u)
		}
		sum += u
	}
	if mean := sum / 1000; mean < 0.4 || mean > 0.6 {
		t.Errorf("mean of unit over 1000 draws = %v, want about 0.5", mean)
	}
}
