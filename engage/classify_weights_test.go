package engage

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"go/format"
	"math"
	"os"
	"strings"
	"testing"
)

var updateClassifier = flag.Bool("update-classifier", false, "retrain the learned part of the classifier on the development sets, report cross-validation and rewrite classify_weights.go")

// TestClassifierWeights checks that the committed weights
// (classify_weights.go) are what training on the development sets gives:
// the word model is retrained here and compared with them. With
// -update-classifier it also chooses how words and rules are combined,
// reports the cross-validation behind every choice, and rewrites the file:
//
//	go test ./engage -run TestClassifierWeights -v -update-classifier
//
// Only the development sets are used: never unseen.jsonl or unseen2.jsonl.
func TestClassifierWeights(t *testing.T) {
	rc, err := NewRuleClassifier(WithoutLearnedModel())
	if err != nil {
		t.Fatal(err)
	}
	ex := devExamples(t, rc)
	words := trainModel(ex, wordsConfig)
	if *updateClassifier {
		withRules(words, reportAndChoose(t, rc, ex))
		writeWeights(t, words)
		return
	}
	committed, err := decodeModelText(learnedWeights)
	if err != nil {
		t.Fatal(err)
	}
	withRules(words, mixOf(committed))
	// Compare through the same int8 rounding, allowing a quantum for
	// floating-point differences between platforms (fused multiply-add).
	retrained, err := decodeModel(encodeModel(words))
	if err != nil {
		t.Fatal(err)
	}
	if retrained.dense != committed.dense || retrained.bias != committed.bias {
		// dense and bias are kept as float32: compare with a tolerance.
		for j := range numDense {
			for k := range numIntents {
				if d := math.Abs(float64(retrained.dense[j][k] - committed.dense[j][k])); d > 1e-3 {
					t.Fatalf("dense weight %d/%d: retrained %v, committed %v: run with -update-classifier", j, k, retrained.dense[j][k], committed.dense[j][k])
				}
			}
		}
		for k := range numIntents {
			if d := math.Abs(float64(retrained.bias[k] - committed.bias[k])); d > 1e-3 {
				t.Fatalf("bias %d: retrained %v, committed %v: run with -update-classifier", k, retrained.bias[k], committed.bias[k])
			}
		}
	}
	quantum := 2 * float64(maxAbs(committed)) / 127
	differ := 0
	for key, r := range committed.rows {
		var other [numIntents]float32
		if r2, ok := retrained.rows[key]; ok {
			other = retrained.w[r2]
		}
		for k := range numIntents {
			if math.Abs(float64(committed.w[r][k]-other[k])) > quantum {
				differ++
				break
			}
		}
	}
	for key := range retrained.rows {
		if _, ok := committed.rows[key]; !ok {
			differ++
		}
	}
	if differ > len(committed.rows)/200 {
		t.Fatalf("%d of %d word features differ between the committed weights and retraining: run with -update-classifier", differ, len(committed.rows))
	}
}

func maxAbs(m *intentModel) float32 {
	mx := float32(0)
	for _, w := range m.w {
		for _, x := range w {
			mx = max(mx, float32(math.Abs(float64(x))))
		}
	}
	return mx
}

// reportAndChoose logs the cross-validation of the word model, chooses the
// combination with the rules on out-of-sample rule scores, and logs how the
// combination does under cross-validation.
func reportAndChoose(t *testing.T, rc *RuleClassifier, ex []example) ruleMix {
	acc10, conf := crossValidate(ex, wordsConfig, 10)
	accSet, _ := crossValidate(ex, wordsConfig, 0)
	t.Logf("word model alone, all %d development messages: 10-fold %.3f, leave-one-set-out %.3f", len(ex), acc10, accSet)
	t.Log(confusionText(conf))

	items := outOfSample(t, rc, ex)
	// The rules alone, as they were before each set was tuned on.
	rulesOK := 0
	for _, it := range items {
		v := ruleEval{}
		for k := range numIntents {
			v.score[k] = math.Expm1(float64(it.rules.dense[denseRuleScore+k]))
		}
		if rc.ruleIntent(&v) == it.y {
			rulesOK++
		}
	}
	wordsOnly := scoreCombination(items, ruleMix{}, func(int) bool { return true })
	t.Logf("dev2+dev3+dev4 (%d), out of sample: rules before tuning on them %.3f, word model trained on the other sets %.3f",
		len(items), float64(rulesOK)/float64(len(items)), float64(wordsOnly.correct)/float64(len(items)))
	var b strings.Builder
	fmt.Fprintf(&b, "accuracy of words + Log*log(1+rule score) + Raw*min(rule score, 10) + Choice*[rules' choice] on them (best Choice for each):\n Log \\ Raw")
	for _, r := range ruleRawGrid {
		fmt.Fprintf(&b, "%12.2f", r)
	}
	for _, a := range ruleLogGrid {
		fmt.Fprintf(&b, "\n%8.2f", a)
		for _, r := range ruleRawGrid {
			best := combination{correct: -1}
			for _, c := range ruleChoiceGrid {
				if cb := scoreCombination(items, ruleMix{a, r, c}, func(int) bool { return true }); cb.correct >= best.correct {
					best = cb
				}
			}
			fmt.Fprintf(&b, "  %.3f c=%3.1f", float64(best.correct)/float64(best.total), best.mix.Choice)
		}
	}
	t.Log(b.String())
	// Nested: choose on two sets, measure on the third.
	nested, total := 0, 0
	for set := range devSets {
		has := false
		for _, it := range items {
			has = has || it.set == set
		}
		if !has {
			continue
		}
		cb := chooseCombination(items, set)
		held := scoreCombination(items, cb.mix, func(s int) bool { return s == set })
		nested += held.correct
		total += held.total
		t.Logf("%s held out: %+v chosen on the others, %d/%d on it", devSets[set], cb.mix, held.correct, held.total)
	}
	t.Logf("combination chosen on two sets and measured on the third: %.3f (%d/%d)", float64(nested)/float64(total), nested, total)
	best := chooseCombination(items, -1)
	t.Logf("chosen on all three: %+v, %.3f", best.mix, float64(best.correct)/float64(best.total))

	// The hybrid with today's rules, 10-fold: the rules were tuned on these
	// messages, so this is no estimate for new ones.
	correct := 0
	var hconf [numIntents][numIntents]int
	full := trainConfig{Words: true, Rules: true}
	for f := range 10 {
		var train, test []example
		for i := range ex {
			if foldOf(ex[i], i, 10) == f {
				test = append(test, ex[i])
			} else {
				train = append(train, ex[i])
			}
		}
		m := trainModel(train, wordsConfig)
		withRules(m, best.mix)
		for i := range test {
			p := full.predict(m, &test[i].in)
			hconf[test[i].y][p]++
			if p == test[i].y {
				correct++
			}
		}
	}
	t.Logf("hybrid with today's rules (tuned on these messages), 10-fold: %.3f", float64(correct)/float64(len(ex)))
	t.Log(confusionText(hconf))
	return best.mix
}

func confusionText(conf [numIntents][numIntents]int) string {
	short := [numIntents]string{"serv", "ques", "comp", "prai", "lead", "spam", "othr"}
	var b strings.Builder
	fmt.Fprintf(&b, "confusion (rows labelled, columns classified):\n%-16s", "")
	for _, s := range short {
		fmt.Fprintf(&b, "%5s", s)
	}
	for i, row := range conf {
		fmt.Fprintf(&b, "\n%-16s", intentByIndex[i])
		for _, n := range row {
			fmt.Fprintf(&b, "%5d", n)
		}
	}
	return b.String()
}

// writeWeights rewrites classify_weights.go with m.
func writeWeights(t *testing.T, m *intentModel) {
	enc := base64.StdEncoding.EncodeToString(encodeModel(m))
	var b bytes.Buffer
	b.WriteString("// Code generated by go test ./engage -run TestClassifierWeights -update-classifier; DO NOT EDIT.\n\n")
	b.WriteString("package engage\n\n")
	fmt.Fprintf(&b, "// learnedWeights are the weights of the learned part of the default\n")
	fmt.Fprintf(&b, "// classifier (%d word features), trained on the development sets in\n", len(m.w))
	fmt.Fprintf(&b, "// testdata; base64 of the format read by decodeModel.\n")
	b.WriteString("const learnedWeights = \"\" +\n")
	for len(enc) > 0 {
		n := min(len(enc), 96)
		fmt.Fprintf(&b, "\t%q", enc[:n])
		enc = enc[n:]
		if len(enc) > 0 {
			b.WriteString(" +")
		}
		b.WriteString("\n")
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("classify_weights.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote classify_weights.go: %d word features, %d bytes", len(m.w), len(src))
}
