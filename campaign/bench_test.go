package campaign

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

var benchWords = strings.Fields(`bread rye sourdough crust crumb flour oven morning baker loaf caraway butter honey oat cookie
	croissant lamination proofing starter jar linen fridge market farm miller wheel stone dust radio shift counter tray
	bun sesame poppy seed spelt barley malt yeast salt water steam rack knead fold shape score bake cool slice toast jam
	coffee tea milk cream cheese neighbour friend weekend recipe tip trick secret story history photo video demo class
	apprentice team family kitchen debate question answer thanks welcome season spring autumn winter summer rain sun`)

// benchPlan builds a plan of n posts over a year on three platforms: mostly
// distinct copy, with one post in twenty a templated near-copy of an
// earlier one.
func benchPlan(n int) *Plan {
	p := cleanPlan()
	p.Calendar = p.Calendar[:0]
	rng := rand.New(rand.NewPCG(1, 2))
	platforms := []providers.Platform{providers.Mastodon, providers.Bluesky, providers.X}
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	var texts []string
	for i := range n {
		var text string
		if i > 20 && i%20 == 0 {
			text = texts[rng.IntN(len(texts))] + fmt.Sprintf(" %d%% off with code SAVE%d", 10+i%30, i)
		} else {
			words := make([]string, 14+rng.IntN(20))
			for j := range words {
				words[j] = benchWords[rng.IntN(len(benchWords))]
			}
			text = strings.Join(words, " ") + "."
		}
		texts = append(texts, text)
		at := start.Add(time.Duration(i) * 50 * time.Minute)
		p.Calendar = append(p.Calendar, Item{
			ID: fmt.Sprintf("post-%05d", i), Platform: platforms[i%3], At: LocalOf(at), Draft: providers.Draft{Text: text},
		})
	}
	p.Cadence = append(p.Cadence, Cadence{Platform: providers.X, PostsPerWeek: 60})
	return p
}

// BenchmarkLint10k lints a plan of 10,000 posts with every default rule,
// near-duplicate detection included.
func BenchmarkLint10k(b *testing.B) {
	p := benchPlan(10000)
	l, err := NewLinter(nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var r Report
	for b.Loop() {
		r = l.Lint(p, nil)
	}
	b.ReportMetric(float64(len(r.ByRule(RuleNearDuplicate))), "near-dups")
}

// BenchmarkDupIndex10k indexes and queries 10,000 posts.
func BenchmarkDupIndex10k(b *testing.B) {
	p := benchPlan(10000)
	b.ReportAllocs()
	for b.Loop() {
		x := NewDupIndex(0)
		for _, it := range p.Calendar {
			d := x.Prepare(it.Draft.Text)
			x.Nearest(d)
			x.Add(it.ID, d)
		}
	}
}

func TestBenchPlanNearDuplicatesFound(t *testing.T) {
	// The templated copies (one in twenty) must be found; distinct random
	// copy must not be reported.
	p := benchPlan(800)
	l, _ := NewLinter(nil)
	got := l.Lint(p, nil).ByRule(RuleNearDuplicate)
	want := 0
	for i := range 800 {
		if i > 20 && i%20 == 0 {
			want++
		}
	}
	if len(got) < want*95/100 || len(got) > want+5 {
		t.Fatalf("near-duplicates found: %d, templated copies: %d", len(got), want)
	}
}
