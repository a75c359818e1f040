package engage

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
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
// realistic messages, for the default classifier (rules and learned model)
// and for the rules alone (WithoutLearnedModel), and fails on a
// regression.
//
// The development sets, whose misses shaped the rules and on which the
// learned model is trained (figures of the rules: first rules, then
// current):
//   - testdata/messages.jsonl (263): the set the vocabulary was first
//     developed on (0.985, 0.996);
//   - testdata/holdout.jsonl (91): written after the first vocabulary was
//     fixed, then tuned on (0.945, 0.945);
//   - testdata/blind.jsonl (60): other trades; 0.75 at first look, 0.80
//     after general fixes, 0.933 now;
//   - testdata/dev2.jsonl (188), dev3.jsonl (122), dev4.jsonl (64): more
//     trades and styles, each written before the rules were tuned on it
//     and measured first: dev2 0.617 with the first rules; dev3 0.533 with
//     the first rules and 0.590 after tuning on dev2; dev4 0.547 with the
//     first rules and 0.641 after tuning on dev2 and dev3 (now 0.989,
//     0.975, 0.953: tuned figures, not estimates).
//
// The default classifier scores 1.000 on every development set: it was
// trained on them, so these figures say nothing of new messages. Its
// cross-validation is in TestClassifierWeights (-update-classifier -v): on
// dev2+dev3+dev4, with the word model trained without the held-out set,
// the rules as they were before that set was tuned on, and the way of
// combining them chosen on the two other sets, 0.824, against 0.612 for
// those rules alone and 0.813 for the word model alone. The word model
// alone scores 0.801 in 10-fold and 0.829 in leave-one-set-out
// cross-validation on all 788 development messages.
//
// The evaluation sets, never tuned on, never trained on, their misses
// never logged one by one (only their confusion matrices, once each
// classifier was done):
//   - testdata/unseen.jsonl (178): written across many trades before the
//     rules were read. Rules: 0.770 first, 0.837 now. Default classifier:
//     0.888. Some of its messages turned out close to development messages
//     (same stock situations), so accuracy is also reported on the part of
//     it that shares under half its words with every development message:
//     rules 0.752 first, 0.824 now; default classifier 0.879.
//   - testdata/unseen2.jsonl (180): written before the classifier was read,
//     when the learned model was begun. Rules: 0.878. Default classifier:
//     0.922.
//
// The floors sit a little below the current figures.
func TestRuleClassifierAccuracy(t *testing.T) {
	hybrid, err := NewRuleClassifier()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := NewRuleClassifier(WithoutLearnedModel())
	if err != nil {
		t.Fatal(err)
	}
	var dev []labelled
	for _, tc := range []struct {
		name      string
		min, minR float64 // default classifier, rules alone
	}{
		{"testdata/messages.jsonl", 0.98, 0.97},
		{"testdata/holdout.jsonl", 0.98, 0.92},
		{"testdata/blind.jsonl", 0.98, 0.90},
		{"testdata/dev2.jsonl", 0.98, 0.96},
		{"testdata/dev3.jsonl", 0.98, 0.95},
		{"testdata/dev4.jsonl", 0.98, 0.92},
	} {
		msgs := loadMessages(t, tc.name)
		dev = append(dev, msgs...)
		t.Run(tc.name, func(t *testing.T) {
			checkAccuracy(t, hybrid, "default classifier", tc.name, msgs, tc.min, true)
			checkAccuracy(t, rules, "rules alone", tc.name, msgs, tc.minR, true)
		})
	}
	if len(dev) < 200 {
		t.Fatalf("only %d labelled development messages, want at least 200", len(dev))
	}
	unseen := loadMessages(t, "testdata/unseen.jsonl")
	t.Run("testdata/unseen.jsonl", func(t *testing.T) {
		checkAccuracy(t, hybrid, "default classifier", "testdata/unseen.jsonl", unseen, 0.87, false)
		checkAccuracy(t, rules, "rules alone", "testdata/unseen.jsonl", unseen, 0.82, false)
	})
	novel := novelMessages(unseen, dev, 0.5)
	t.Run("testdata/unseen.jsonl/novel", func(t *testing.T) {
		name := fmt.Sprintf("the %d unseen messages sharing under half their words with any development message", len(novel))
		checkAccuracy(t, hybrid, "default classifier", name, novel, 0.86, false)
		checkAccuracy(t, rules, "rules alone", name, novel, 0.80, false)
	})
	unseen2 := loadMessages(t, "testdata/unseen2.jsonl")
	t.Run("testdata/unseen2.jsonl", func(t *testing.T) {
		checkAccuracy(t, hybrid, "default classifier", "testdata/unseen2.jsonl", unseen2, 0.90, false)
		checkAccuracy(t, rules, "rules alone", "testdata/unseen2.jsonl", unseen2, 0.86, false)
	})
}

// novelMessages returns the messages of eval whose word overlap (Jaccard
// index of their sets of lower-cased words) with every message of dev is
// below max.
func novelMessages(eval, dev []labelled, max float64) []labelled {
	words := func(s string) map[string]bool {
		out := map[string]bool{}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			out[w] = true
		}
		return out
	}
	devWords := make([]map[string]bool, len(dev))
	for i, m := range dev {
		devWords[i] = words(m.Text)
	}
	var out []labelled
	for _, m := range eval {
		w := words(m.Text)
		novel := true
		for _, d := range devWords {
			both := 0
			for x := range w {
				if d[x] {
					both++
				}
			}
			if union := len(w) + len(d) - both; union > 0 && float64(both)/float64(union) >= max {
				novel = false
				break
			}
		}
		if novel {
			out = append(out, m)
		}
	}
	return out
}

// checkAccuracy logs the intent accuracy of rc on msgs with its confusion
// matrix (rows: labelled intent, columns: classified intent) and fails below
// minAcc. With logMisses (and -v), each miss is logged with its signals;
// never for a set kept unseen.
func checkAccuracy(t *testing.T, rc *RuleClassifier, who, name string, msgs []labelled, minAcc float64, logMisses bool) {
	t.Helper()
	correct := 0
	var confusion [numIntents][numIntents]int
	for _, m := range msgs {
		tr, err := rc.Classify(t.Context(), Message{Text: m.Text})
		if err != nil {
			t.Fatal(err)
		}
		confusion[intentIndex(m.Intent)][intentIndex(tr.Intent)]++
		if tr.Intent == m.Intent {
			correct++
		} else if logMisses && testing.Verbose() {
			t.Logf("want %-15s got %-15s %v %q", m.Intent, tr.Intent, tr.Signals, m.Text)
		}
	}
	short := [numIntents]string{"serv", "ques", "comp", "prai", "lead", "spam", "othr"}
	var b strings.Builder
	fmt.Fprintf(&b, "confusion (rows labelled, columns classified):\n%-16s", "")
	for _, s := range short {
		fmt.Fprintf(&b, "%5s", s)
	}
	for i, row := range confusion {
		fmt.Fprintf(&b, "\n%-16s", intentByIndex[i])
		for _, n := range row {
			fmt.Fprintf(&b, "%5d", n)
		}
	}
	t.Logf("%s, %s", who, b.String())
	acc := 0.0
	if len(msgs) > 0 {
		acc = float64(correct) / float64(len(msgs))
	}
	t.Logf("intent accuracy of the %s on %s: %.3f (%d/%d messages)", who, name, acc, correct, len(msgs))
	if acc < minAcc {
		t.Errorf("intent accuracy of the %s %.3f on %s, want >= %.2f", who, acc, name, minAcc)
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

// BenchmarkRuleClassifier measures the default classifier (rules and
// learned model) per message.
func BenchmarkRuleClassifier(b *testing.B) {
	benchClassifier(b)
}

// BenchmarkRuleClassifierRulesOnly measures the rules alone.
func BenchmarkRuleClassifierRulesOnly(b *testing.B) {
	benchClassifier(b, WithoutLearnedModel())
}

func benchClassifier(b *testing.B, opts ...RuleOption) {
	rc, err := NewRuleClassifier(opts...)
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

// BenchmarkNewRuleClassifier measures compiling the vocabulary and
// loading the learned weights.
func BenchmarkNewRuleClassifier(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewRuleClassifier(); err != nil {
			b.Fatal(err)
		}
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
