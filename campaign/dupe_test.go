package campaign

import (
	"fmt"
	"testing"
)

func TestNormalizeCopy(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Hello,   World!!", "hello world"},
		{"20% off until 12.03 — see https://x.example/a?b=1 @rosa@bakery.social", "0 off until 0 see ‹url› ‹@›"},
		{"Ｆｕｌｌｗｉｄｔｈ ＡＢＣ", "fullwidth abc"}, // NFKC
		{"Café ☕ time", "café ☕ time"},
		{"1,000 loaves: 3:30pm", "0 loaves 0pm"},
	} {
		if got := NormalizeCopy(tt.in); got != tt.want {
			t.Errorf("NormalizeCopy(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSimilarity(t *testing.T) {
	a := "Fresh sourdough out of the oven at 7am! Come by before it's gone."
	if s := Similarity(a, a); s != 1 {
		t.Errorf("identical: %v", s)
	}
	if s := Similarity(a, "Fresh sourdough out of the oven at 8am!! Come by before it's gone"); s != 1 {
		t.Errorf("same copy with another number and punctuation: %v", s)
	}
	if s := Similarity(a, "Our apprentice shaped a hundred baguettes this week."); s > 0.2 {
		t.Errorf("unrelated copy: %v", s)
	}
	mid := Similarity(a, "Fresh sourdough out of the oven at 7am! Come by early, the rye sells out by noon.")
	if mid < 0.3 || mid > 0.8 {
		t.Errorf("half-shared copy: %v", mid)
	}
}

func TestDupIndexNearest(t *testing.T) {
	x := NewDupIndex(0.7)
	texts := []string{
		"Tip: keep your sourdough starter in a glass jar with a loose lid.",
		"Behind the counter at 4am: ovens warm, radio on, dough resting.",
		"Storing rye: wrap it in linen, never in the fridge.",
	}
	for i, s := range texts {
		x.Add(fmt.Sprint("t", i), x.Prepare(s))
	}
	if x.Len() != 3 {
		t.Fatalf("Len = %d", x.Len())
	}
	m, ok := x.Nearest(x.Prepare("TIP: keep your sourdough starter in a glass jar with a loose lid!!"))
	if !ok || m.ID != "t0" || m.Similarity < 0.99 {
		t.Errorf("Nearest = %+v, %v", m, ok)
	}
	if m, ok := x.Nearest(x.Prepare("Our cheese neighbour opened a second shop on Elm Street.")); ok {
		t.Errorf("unrelated text matched %+v", m)
	}
	if _, ok := x.Nearest(x.Prepare("")); ok {
		t.Error("empty text matched")
	}
}

func TestDupIndexManyTemplates(t *testing.T) {
	// 1,000 posts from one template: each finds an earlier one quickly
	// (the candidate cap keeps this linear).
	x := NewDupIndex(0)
	found := 0
	for i := range 1000 {
		d := x.Prepare(fmt.Sprintf("Use code SPRING%d for %d%% off your next loaf at Millbrook Bakery!", i, i%50))
		if _, ok := x.Nearest(d); ok {
			found++
		}
		x.Add(fmt.Sprint(i), d)
	}
	if found != 999 {
		t.Errorf("found %d near-duplicates, want 999", found)
	}
}

func TestInferKind(t *testing.T) {
	for _, tt := range []struct {
		text string
		want ContentKind
	}{
		{"Pre-order the new loaf now!", Ask},
		{"Use code RYE for 20% off.", Ask},
		{"20% off all week", Ask},
		{"Loaves are $5 today", Ask},
		{"Sign up for our bread class", Ask},
		{"Which pastry should we bake next?", Engage},
		{"What do you put on your toast", Engage},
		{"Tip: store rye in linen.", Give},
		{"We ordered new flour sacks 🎉", Give}, // "ordered" is not "order"
	} {
		if got := InferKind(tt.text); got != tt.want {
			t.Errorf("InferKind(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
}
