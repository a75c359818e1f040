package engage

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

func TestLearnedModelWeightsRoundTrip(t *testing.T) {
	m, err := decodeModelText(learnedWeights)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.w) < 1000 {
		t.Fatalf("%d word features, want the thousands trained", len(m.w))
	}
	again, err := decodeModel(encodeModel(m))
	if err != nil {
		t.Fatal(err)
	}
	if again.bias != m.bias || again.dense != m.dense || len(again.w) != len(m.w) {
		t.Fatal("weights changed in a round trip")
	}
	for key, r := range m.rows {
		if again.w[again.rows[key]] != m.w[r] {
			t.Fatalf("feature %08x changed in a round trip", key)
		}
	}
	raw, _ := base64.StdEncoding.DecodeString(learnedWeights)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not RPM1"},
		{"magic", append([]byte("XXXX"), raw[4:]...), "not RPM1"},
		{"inputs", append(append([]byte{}, raw[:6]...), append([]byte{99, 0}, raw[8:]...)...), "another set"},
		{"truncated", raw[:len(raw)-3], "bytes after the header"},
		{"duplicate", append(append([]byte{}, raw...), raw[len(raw)-(4+numIntents):]...), "bytes after the header"},
	} {
		if _, err := decodeModel(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.want)
		}
	}
	if _, err := decodeModelText("not base64!"); err == nil {
		t.Error("bad base64 accepted")
	}
}

func TestLearnedModelDuplicateFeature(t *testing.T) {
	m := &intentModel{rows: map[uint32]int32{7: 0, 9: 1}, w: make([][numIntents]float32, 2)}
	m.w[0][1], m.w[1][2] = 1, 2
	b := encodeModel(m)
	// Give the second row the first row's key.
	head := 16 + 4*numIntents*(1+numDense)
	copy(b[head+4+numIntents:], b[head:head+4])
	if _, err := decodeModel(b); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate feature: %v", err)
	}
}

func TestLearnedModelOverrulesAndDefers(t *testing.T) {
	hybrid, err := NewRuleClassifier()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := NewRuleClassifier(WithoutLearnedModel())
	if err != nil {
		t.Fatal(err)
	}
	if rules.model != nil || hybrid.model == nil {
		t.Fatal("WithoutLearnedModel: model loaded or missing")
	}
	other, err := NewRuleClassifier(WithoutDefaultVocabulary(), WithPhrases(IntentPraise, 2, "merci"))
	if err != nil || other.model != nil {
		t.Fatalf("another language: the English model must not be loaded (%v)", err)
	}
	// When the model and the rules disagree, the signals say so; the
	// development messages have such cases, as the model was trained on
	// them where the rules miss.
	disagree := 0
	for _, m := range loadMessages(t, "testdata/dev4.jsonl") {
		h := classifyText(t, hybrid, m.Text)
		r := classifyText(t, rules, m.Text)
		said := slices.ContainsFunc(h.Signals, func(s string) bool { return strings.HasPrefix(s, "learned: ") })
		if said != (h.Intent != r.Intent) {
			t.Errorf("%q: hybrid %s, rules %s, signals %v", m.Text, h.Intent, r.Intent, h.Signals)
		}
		if said {
			disagree++
		}
		if h.Confidence <= 0 || h.Confidence > 1 {
			t.Errorf("%q: confidence %v", m.Text, h.Confidence)
		}
	}
	if disagree == 0 {
		t.Error("the learned model never overrules the rules on dev4, where they miss 3 messages")
	}
	// No words: the rules' verdict.
	for _, text := range []string{"", "   ", "@someone"} {
		if tr := classifyText(t, hybrid, text); tr.Intent != IntentOther {
			t.Errorf("%q: %s", text, tr.Intent)
		}
	}
}
