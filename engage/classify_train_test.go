package engage

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// Training of the learned part of the classifier (see classify_model.go).
// Everything here is deterministic: fixed iteration counts, no random
// numbers, examples in file order.

// devSets are the labelled development sets: the only messages the model
// is trained on and its settings chosen on.
var devSets = []string{
	"testdata/messages.jsonl",
	"testdata/holdout.jsonl",
	"testdata/blind.jsonl",
	"testdata/dev2.jsonl",
	"testdata/dev3.jsonl",
	"testdata/dev4.jsonl",
}

// trainConfig are the settings of one training run.
type trainConfig struct {
	L2       float64 // L2 penalty on every weight but the biases
	Iters    int     // full-batch AdaGrad steps
	Rate     float64 // AdaGrad step size
	MinCount int     // word features seen in fewer messages are dropped
	Prune    float64 // word features whose weights are all smaller are dropped after training
	Words    bool    // use word and word-pair features
	Rules    bool    // use the rules' scores and choice
	NoBias   bool    // no intercept: a message with no known word is no evidence for any intent
}

// example is one labelled message as model input.
type example struct {
	in modelInput
	y  int
	// text is the message, set is its file: for cross-validation by set.
	text string
	set  int
}

// makeExamples evaluates msgs with the rules and turns them into model
// inputs.
func makeExamples(rc *RuleClassifier, msgs []labelled, set int) []example {
	out := make([]example, len(msgs))
	for i, m := range msgs {
		var toks [maxTokens]token
		var v ruleEval
		rc.evaluate(m.Text, &toks, &v)
		rc.fillModelInput(&toks, &v, &out[i].in)
		out[i].y = intentIndex(m.Intent)
		out[i].text = m.Text
		out[i].set = set
	}
	return out
}

// masked returns the input as seen by a model with cfg's inputs only.
func (c trainConfig) masked(in *modelInput) (feats []uint32, dense [numDense]float32) {
	if c.Words {
		feats = in.feats[:in.nf]
	}
	dense = in.dense
	if !c.Rules {
		for j := range numRuleDense {
			dense[j] = 0
		}
	}
	return feats, dense
}

// trainModel fits a multinomial logistic regression to ex by full-batch
// AdaGrad on the mean log loss plus the L2 penalty.
func trainModel(ex []example, cfg trainConfig) *intentModel {
	// Word features seen in at least MinCount messages, in order of first
	// appearance.
	count := map[uint32]int{}
	var order []uint32
	for i := range ex {
		feats, _ := cfg.masked(&ex[i].in)
		seen := map[uint32]bool{}
		for _, f := range feats {
			if seen[f] {
				continue
			}
			seen[f] = true
			if count[f] == 0 {
				order = append(order, f)
			}
			count[f]++
		}
	}
	m := &intentModel{rows: map[uint32]int32{}}
	for _, f := range order {
		if count[f] >= cfg.MinCount {
			m.rows[f] = int32(len(m.w))
			m.w = append(m.w, [numIntents]float32{})
		}
	}
	type sparse struct {
		rows  []int32
		dense [numDense]float32
		y     int
	}
	data := make([]sparse, len(ex))
	for i := range ex {
		feats, dense := cfg.masked(&ex[i].in)
		data[i].dense = dense
		data[i].y = ex[i].y
		for _, f := range feats {
			if r, ok := m.rows[f]; ok {
				data[i].rows = append(data[i].rows, r)
			}
		}
	}
	nw := len(m.w)
	// Parameters as float64: words, dense, bias.
	w := make([][numIntents]float64, nw)
	var dw [numDense][numIntents]float64
	var b [numIntents]float64
	gw := make([][numIntents]float64, nw)
	hw := make([][numIntents]float64, nw)
	var gd, hd [numDense][numIntents]float64
	var gb, hb [numIntents]float64
	n := float64(len(data))
	step := func(x, g, h *float64) {
		*h += *g * *g
		if *h > 0 {
			*x -= cfg.Rate * *g / math.Sqrt(*h)
		}
	}
	for range cfg.Iters {
		for r := range gw {
			gw[r] = [numIntents]float64{}
		}
		gd = [numDense][numIntents]float64{}
		gb = [numIntents]float64{}
		for _, e := range data {
			z := b
			for _, r := range e.rows {
				for k := range numIntents {
					z[k] += w[r][k]
				}
			}
			for j, x := range e.dense {
				if x != 0 {
					for k := range numIntents {
						z[k] += float64(x) * dw[j][k]
					}
				}
			}
			p := softmax(z)
			p[e.y] -= 1
			for k := range numIntents {
				g := p[k] / n
				gb[k] += g
				for _, r := range e.rows {
					gw[r][k] += g
				}
				for j, x := range e.dense {
					if x != 0 {
						gd[j][k] += float64(x) * g
					}
				}
			}
		}
		for r := range w {
			for k := range numIntents {
				g := gw[r][k] + cfg.L2*w[r][k]
				step(&w[r][k], &g, &hw[r][k])
			}
		}
		for j := range dw {
			for k := range numIntents {
				g := gd[j][k] + cfg.L2*dw[j][k]
				step(&dw[j][k], &g, &hd[j][k])
			}
		}
		for k := range numIntents {
			if !cfg.NoBias {
				step(&b[k], &gb[k], &hb[k])
			}
		}
	}
	for r := range w {
		for k := range numIntents {
			m.w[r][k] = float32(w[r][k])
		}
	}
	for j := range dw {
		for k := range numIntents {
			m.dense[j][k] = float32(dw[j][k])
		}
	}
	for k := range numIntents {
		m.bias[k] = float32(b[k])
	}
	// Rows whose weights all round to nothing are dropped.
	pruned := &intentModel{rows: map[uint32]int32{}, dense: m.dense, bias: m.bias}
	keys := make([]uint32, 0, len(m.rows))
	for k := range m.rows {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		row := m.w[m.rows[key]]
		keep := false
		for _, x := range row {
			keep = keep || math.Abs(float64(x)) >= max(cfg.Prune, 0.01)
		}
		if keep {
			pruned.rows[key] = int32(len(pruned.w))
			pruned.w = append(pruned.w, row)
		}
	}
	return pruned
}

// predict is the intent index m gives in under cfg.
func (c trainConfig) predict(m *intentModel, in *modelInput) int {
	var x modelInput
	feats, dense := c.masked(in)
	x.nf = copy(x.feats[:], feats)
	x.dense = dense
	z := m.logits(&x)
	best := 0
	for k := range z {
		if z[k] > z[best] {
			best = k
		}
	}
	return best
}

// foldOf puts message i of a set into one of k folds, stratified by
// nothing but position: every k-th message, from an offset per set so that
// small sets spread over all folds.
func foldOf(e example, i, k int) int { return (i + e.set) % k }

// crossValidate trains on all folds but one and tests on that one, k
// times, and returns the accuracy on the held-out messages and the
// confusion matrix. With k <= 0 the folds are the development sets.
func crossValidate(ex []example, cfg trainConfig, k int) (float64, [numIntents][numIntents]int) {
	var conf [numIntents][numIntents]int
	folds := k
	fold := func(i int) int { return foldOf(ex[i], i, k) }
	if k <= 0 {
		folds = 0
		for _, e := range ex {
			folds = max(folds, e.set+1)
		}
		fold = func(i int) int { return ex[i].set }
	}
	correct := 0
	for f := range folds {
		var train, test []example
		for i := range ex {
			if fold(i) == f {
				test = append(test, ex[i])
			} else {
				train = append(train, ex[i])
			}
		}
		m := trainModel(train, cfg)
		for i := range test {
			p := cfg.predict(m, &test[i].in)
			conf[test[i].y][p]++
			if p == test[i].y {
				correct++
			}
		}
	}
	return float64(correct) / float64(len(ex)), conf
}

// rulesBeforeTuning are the scores the rules gave dev2, dev3 and dev4
// before they were tuned on them (testdata/rules_before_tuning.jsonl,
// made with the classifier of commits 79e5db0, f49970d and c0e060c): the
// only out-of-sample rule scores among the development messages.
type rulesBeforeTuning struct {
	Set    string              `json:"set"`
	Line   int                 `json:"line"`
	Rules  string              `json:"rules"`
	Text   string              `json:"text"`
	Scores [numIntents]float64 `json:"scores"`
}

func loadRulesBeforeTuning(t testing.TB) map[string]rulesBeforeTuning {
	t.Helper()
	f, err := os.Open("testdata/rules_before_tuning.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]rulesBeforeTuning{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var r rulesBeforeTuning
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("testdata/rules_before_tuning.jsonl:%d: %v", line, err)
		}
		out[r.Set+"\x00"+r.Text] = r
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// devExamples turns every development message into a model input.
func devExamples(t testing.TB, rc *RuleClassifier) []example {
	t.Helper()
	var ex []example
	for s, name := range devSets {
		ex = append(ex, makeExamples(rc, loadMessages(t, name), s)...)
	}
	return ex
}

// wordsConfig are the settings of the word model, chosen by 10-fold and
// leave-one-set-out cross-validation on the development sets (see
// TestClassifierWeights): L2 1e-4..1e-2, 100..400 steps, words seen at
// least 1..3 times, pruning 0..0.15, word stems of 4, 5, 6 letters or none,
// negation marks or none, and no intercept were tried; most differences
// were within about two points (no intercept cost two to four).
var wordsConfig = trainConfig{L2: 1e-3, Iters: 200, Rate: 0.5, MinCount: 1, Prune: 0.05, Words: true}

// ruleMix is how the word model and the rules are combined: logits =
// words + Log*log(1+rule score) + Raw*min(rule score, 10) +
// Choice*[intent the rules choose].
type ruleMix struct{ Log, Raw, Choice float64 }

// The combinations tried.
var (
	ruleLogGrid    = []float64{0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3}
	ruleRawGrid    = []float64{0, 0.1, 0.2, 0.3, 0.5, 0.75}
	ruleChoiceGrid = []float64{0, 0.5, 1, 1.5, 2, 3}
)

// withRules sets the combination weights in m.
func withRules(m *intentModel, x ruleMix) {
	for j := range numRuleDense {
		m.dense[j] = [numIntents]float32{}
	}
	for k := range numIntents {
		m.dense[denseRuleScore+k][k] = float32(x.Log)
		m.dense[denseRuleRaw+k][k] = float32(x.Raw)
		m.dense[denseRuleChoice+k][k] = float32(x.Choice)
	}
}

// mixOf reads the combination weights back from m.
func mixOf(m *intentModel) ruleMix {
	return ruleMix{
		Log:    float64(m.dense[denseRuleScore][0]),
		Raw:    float64(m.dense[denseRuleRaw][0]),
		Choice: float64(m.dense[denseRuleChoice][0]),
	}
}

// ruleInputs are the rule inputs of the model for scores s.
func ruleInputs(rc *RuleClassifier, in *modelInput, s [numIntents]float64) {
	v := ruleEval{score: s}
	setRuleInputs(&in.dense, s, rc.ruleIntent(&v))
}

// combination is one ruleMix with its accuracy.
type combination struct {
	mix     ruleMix
	correct int
	total   int
}

// chooseCombination scores every ruleMix of the grids on the given
// out-of-sample messages (word model trained without their set, rules from
// before their set was tuned on), leaving out set skipSet, and returns the
// best: ties go to the later in grid order (more weight on the rules,
// which have grown since those versions).
func chooseCombination(items []oosItem, skipSet int) combination {
	best := combination{correct: -1}
	for _, a := range ruleLogGrid {
		for _, b := range ruleRawGrid {
			for _, c := range ruleChoiceGrid {
				cb := scoreCombination(items, ruleMix{a, b, c}, func(set int) bool { return set != skipSet })
				if cb.correct >= best.correct {
					best = cb
				}
			}
		}
	}
	return best
}

// oosItem is a development message with out-of-sample word logits and rule
// inputs.
type oosItem struct {
	words [numIntents]float64
	rules modelInput // only the rule inputs are set
	y     int
	set   int
}

func scoreCombination(items []oosItem, x ruleMix, use func(set int) bool) combination {
	cb := combination{mix: x}
	var m intentModel
	withRules(&m, x)
	for i := range items {
		it := &items[i]
		if !use(it.set) {
			continue
		}
		z := m.logits(&it.rules)
		best := 0
		for k := range z {
			z[k] += it.words[k]
			if z[k] > z[best] {
				best = k
			}
		}
		cb.total++
		if best == it.y {
			cb.correct++
		}
	}
	return cb
}

// outOfSample trains the word model without each of dev2, dev3 and dev4 in
// turn and pairs its logits on the held-out set with the rules' scores from
// before that set was tuned on.
func outOfSample(t testing.TB, rc *RuleClassifier, ex []example) []oosItem {
	t.Helper()
	before := loadRulesBeforeTuning(t)
	var items []oosItem
	for set, name := range devSets {
		var train, test []example
		for _, e := range ex {
			if e.set == set {
				test = append(test, e)
			} else {
				train = append(train, e)
			}
		}
		if _, ok := before[strings.TrimPrefix(name, "testdata/")+"\x00"+test[0].text]; !ok {
			continue // no rules from before this set: they were written with it
		}
		m := trainModel(train, wordsConfig)
		for _, e := range test {
			r, ok := before[strings.TrimPrefix(name, "testdata/")+"\x00"+e.text]
			if !ok {
				t.Fatalf("%s: no rule scores from before tuning for %q", name, e.text)
			}
			it := oosItem{y: e.y, set: set}
			var x modelInput
			feats, dense := wordsConfig.masked(&e.in)
			x.nf = copy(x.feats[:], feats)
			x.dense = dense
			it.words = m.logits(&x)
			ruleInputs(rc, &it.rules, r.Scores)
			items = append(items, it)
		}
	}
	return items
}
