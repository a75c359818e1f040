package engage

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

type labelled struct {
	Text     string `json:"text"`
	Intent   Intent `json:"intent"`
	Business string `json:"business"`
}

func loadMessages(t testing.TB, name string) []labelled {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		var m labelled
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		if !m.Intent.Valid() || m.Text == "" {
			t.Fatalf("%s:%d: bad record %+v", name, line, m)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRuleClassifierAccuracy measures intent accuracy on labelled,
// realistic messages:
//   - testdata/messages.jsonl (263): the set the vocabulary was developed on;
//   - testdata/holdout.jsonl (91): written after the first vocabulary was
//     fixed; its misses then led to general vocabulary additions;
//   - testdata/blind.jsonl (60): written in other trades. First look:
//     0.75; after general (not message-specific) fixes: 0.80.
//   - testdata/unseen.jsonl (178): written across many trades before the
//     rules were read, and never tuned on: the honest estimate of accuracy
//     on unseen phrasing. Measured at 0.770 before any change to the rules.
//     Its misses are never logged one by one, so that it stays unseen.
func TestRuleClassifierAccuracy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		min   float64
		quiet bool
	}{
		{"testdata/messages.jsonl", 0.85, false},
		{"testdata/holdout.jsonl", 0.85, false},
		{"testdata/blind.jsonl", 0.70, false},
		{"testdata/unseen.jsonl", 0.75, true},
	} {
		t.Run(tc.name, func(t *testing.T) { testAccuracy(t, tc.name, tc.min, tc.quiet) })
	}
	all := append(loadMessages(t, "testdata/messages.jsonl"), loadMessages(t, "testdata/holdout.jsonl")...)
	if len(all) < 200 {
		t.Fatalf("only %d labelled messages, want at least 200", len(all))
	}
}

// testAccuracy logs the accuracy per intent and the confusions of the rule
// classifier on the labelled messages in name, and fails below minAcc. With
// quiet, the misses are not logged one by one (for a set kept unseen).
func testAccuracy(t *testing.T, name string, minAcc float64, quiet bool) {
	msgs := loadMessages(t, name)
	rc, err := NewRuleClassifier()
	if err != nil {
		t.Fatal(err)
	}
	correct := 0
	perIntent := map[Intent][2]int{}
	confusion := map[[2]Intent]int{}
	for _, m := range msgs {
		tr, err := rc.Classify(t.Context(), Message{Text: m.Text})
		if err != nil {
			t.Fatal(err)
		}
		c := perIntent[m.Intent]
		c[1]++
		if tr.Intent == m.Intent {
			correct++
			c[0]++
		} else {
			confusion[[2]Intent{m.Intent, tr.Intent}]++
			if testing.Verbose() && !quiet {
				t.Logf("want %-15s got %-15s %v %q", m.Intent, tr.Intent, tr.Signals, m.Text)
			}
		}
		perIntent[m.Intent] = c
	}
	acc := float64(correct) / float64(len(msgs))
	for _, i := range Intents {
		c := perIntent[i]
		t.Logf("%-15s %d/%d", i, c[0], c[1])
	}
	for k, n := range confusion {
		t.Logf("confused %s as %s: %d", k[0], k[1], n)
	}
	t.Logf("intent accuracy of the rule classifier on %s: %.3f (%d/%d messages)", name, acc, correct, len(msgs))
	if acc < minAcc {
		t.Errorf("intent accuracy %.3f on %s, want >= %.2f", acc, name, minAcc)
	}
}

func classifyText(t *testing.T, rc *RuleClassifier, text string) Triage {
	t.Helper()
	tr, err := rc.Classify(t.Context(), Message{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestRuleClassifierSentimentAndNegation(t *testing.T) {
	rc, err := NewRuleClassifier()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text      string
		intent    Intent
		sentiment int // -1 negative, 0 neutral, 1 positive
	}{
		{"I am happy with the service", IntentPraise, 1},
		{"I am not happy with the service", IntentComplaint, -1},
		{"not bad at all, the bread was good", IntentPraise, 1},
		{"Couldn't be happier with my order", IntentPraise, 1},
		{"Can't recommend them enough!", IntentPraise, 1},
		{"the coffee was not great. The cake was lovely though", IntentPraise, 1},
		{"It never arrived", IntentComplaint, -1},
		{"😡😡😡", IntentComplaint, -1},
		{"😍🥐", IntentPraise, 1},
		{"THIS IS THE WORST SERVICE EVER", IntentComplaint, -1},
		{"the parcel is late", IntentComplaint, -1},
		{"", IntentOther, 0},
	} {
		tr := classifyText(t, rc, tc.text)
		if tr.Intent != tc.intent {
			t.Errorf("%q: intent %s, want %s (signals %v)", tc.text, tr.Intent, tc.intent, tr.Signals)
		}
		got := 0
		if tr.Sentiment > 0.1 {
			got = 1
		} else if tr.Sentiment < -0.1 {
			got = -1
		}
		if got != tc.sentiment {
			t.Errorf("%q: sentiment %.2f, want sign %d", tc.text, tr.Sentiment, tc.sentiment)
		}
	}
	// Shouting makes a complaint more negative and more urgent.
	calm := classifyText(t, rc, "the changing rooms are dirty again")
	loud := classifyText(t, rc, "the changing rooms are DIRTY AGAIN!!!")
	if !(loud.Sentiment < calm.Sentiment) || loud.Priority <= calm.Priority {
		t.Errorf("caps: calm %.2f/%s, loud %.2f/%s; want loud more negative and higher priority", calm.Sentiment, calm.Priority, loud.Sentiment, loud.Priority)
	}
}

func TestRuleClassifierPriority(t *testing.T) {
	rc, err := NewRuleClassifier()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text string
		want Priority
	}{
		{"I'm allergic to nuts and your 'nut-free' brownie had almonds in it", PriorityUrgent},
		{"You charged me twice this month, I want a refund ASAP", PriorityUrgent},
		{"My order arrived late and the box was crushed. Disappointed.", PriorityHigh},
		{"What time do you open on Sunday?", PriorityNormal},
		{"Love the new croissants!", PriorityLow},
		{"DM me for crypto signals 🚀 link in bio", PriorityLow},
	} {
		if tr := classifyText(t, rc, tc.text); tr.Priority != tc.want {
			t.Errorf("%q: priority %s, want %s (intent %s, signals %v)", tc.text, tr.Priority, tc.want, tr.Intent, tr.Signals)
		}
	}
}

func TestRuleClassifierOptions(t *testing.T) {
	rc, err := NewRuleClassifier(WithPhrases(IntentLead, 3, "sourdough subscription"), WithUrgent("mould"))
	if err != nil {
		t.Fatal(err)
	}
	if tr := classifyText(t, rc, "tell me about the Sourdough Subscription"); tr.Intent != IntentLead {
		t.Errorf("custom phrase: intent %s, want lead", tr.Intent)
	}
	if tr := classifyText(t, rc, "there was mould on my loaf"); tr.Priority < PriorityHigh {
		t.Errorf("custom urgent phrase: priority %s", tr.Priority)
	}
	for _, bad := range []RuleOption{
		WithPhrases("nonsense", 1, "x"),
		WithPhrases(IntentLead, 1, "10/10"),
		WithPhrases(IntentLead, 1, "two words*"),
		WithSentiment(5, "x"),
		WithMinScore(0),
	} {
		if _, err := NewRuleClassifier(bad); err == nil {
			t.Error("invalid option accepted")
		}
	}
	empty, err := NewRuleClassifier(WithoutDefaultVocabulary(), WithPhrases(IntentPraise, 2, "merci"))
	if err != nil {
		t.Fatal(err)
	}
	if tr := classifyText(t, empty, "merci beaucoup"); tr.Intent != IntentPraise {
		t.Errorf("custom vocabulary: %s", tr.Intent)
	}
	if tr := classifyText(t, empty, "thank you so much"); tr.Intent != IntentOther {
		t.Errorf("default vocabulary still active: %s", tr.Intent)
	}
}

func TestFallbackClassifier(t *testing.T) {
	rc, _ := NewRuleClassifier()
	calls := 0
	model := ClassifierFunc(func(ctx context.Context, m Message) (Triage, error) {
		calls++
		if strings.Contains(m.Text, "boom") {
			return Triage{}, errors.New("model unavailable")
		}
		if strings.Contains(m.Text, "weird") {
			return Triage{Intent: "weird"}, nil
		}
		return Triage{Intent: IntentLead, Confidence: 0.9}, nil
	})
	c := Fallback(model, rc)
	tr, err := c.Classify(t.Context(), Message{Text: "hello there"})
	if err != nil || tr.Intent != IntentLead || tr.Priority != PriorityNormal {
		t.Errorf("model verdict: %+v, %v", tr, err)
	}
	tr, err = c.Classify(t.Context(), Message{Text: "boom, this is terrible"})
	if err != nil || tr.Intent != IntentComplaint || !slices.ContainsFunc(tr.Signals, func(s string) bool { return strings.HasPrefix(s, "fallback: model unavailable") }) {
		t.Errorf("fallback verdict: %+v, %v", tr, err)
	}
	tr, err = c.Classify(t.Context(), Message{Text: "weird but thank you so much"})
	if err != nil || tr.Intent != IntentPraise {
		t.Errorf("invalid intent fallback: %+v, %v", tr, err)
	}
	if calls != 3 {
		t.Errorf("model called %d times, want 3", calls)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := c.Classify(ctx, Message{Text: "boom"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func BenchmarkRuleClassifier(b *testing.B) {
	rc, err := NewRuleClassifier()
	if err != nil {
		b.Fatal(err)
	}
	msgs := loadMessages(b, "testdata/messages.jsonl")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rc.classify(msgs[i%len(msgs)].Text)
	}
}

func FuzzRuleClassifier(f *testing.F) {
	for _, s := range []string{"", "hello?", "NOT HAPPY!!! 😡", "@x @y #tag http://a.b/c", "can't won't don’t", "x-\n-y", "\xff\xfe", "👍🏽‍♀️", "£4.50 $5 €6"} {
		f.Add(s)
	}
	rc, err := NewRuleClassifier()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tr := rc.classify(text)
		if !tr.Intent.Valid() || tr.Priority < PriorityLow || tr.Priority > PriorityUrgent || tr.Sentiment < -1 || tr.Sentiment > 1 {
			t.Fatalf("%q: %+v", text, tr)
		}
	})
}
