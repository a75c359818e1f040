package engage

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// The learned part of the default classifier: a multinomial logistic
// regression over the words and word pairs of a message, a few message
// signals and the scores the rules give each intent. It was trained on the
// labelled development messages in testdata (never on the evaluation sets)
// by TestClassifierModelWeights, which writes classify_weights.go; see
// that test for how it is trained and how the settings were chosen.

// Dense inputs of the model, after the hashed word features.
const (
	denseRuleScore  = 0                            // log(1+score) of each intent by the rules
	denseRuleChoice = denseRuleScore + numIntents  // 1 for the intent the rules choose
	denseRuleRaw    = denseRuleChoice + numIntents // each score itself, up to maxRuleRaw
	numRuleDense    = denseRuleRaw + numIntents    // inputs that come from the rules
)

// Message signals, after the rules' inputs.
const (
	denseQuestion = numRuleDense + iota
	denseAsks
	denseExclaim
	denseLink
	denseMoney
	denseOrderRef
	denseMention
	denseCaps
	denseShort // 3 words or fewer
	denseLong  // more than 25 words
	numDense
)

// modelInput is one message as the model sees it.
type modelInput struct {
	feats [3*maxTokens + 2]uint32
	nf    int
	dense [numDense]float32
}

// Feature kinds mixed into the hash of a word feature.
var (
	featWord    = hashString("<word>")
	featPair    = hashString("<pair>")
	featFirst   = hashString("<first>")
	featLast    = hashString("<last>")
	featStem    = hashString("<stem>")
	featNegated = hashString("<negated>")
)

// stemLen is the length in bytes of the word stems among the features:
// "refunded" and "refunding" share "refun".
const stemLen = 5

// featureKey folds a 64-bit feature hash to the 32 bits the weights keep.
func featureKey(h uint64) uint32 { return uint32(h ^ h>>32) }

// fillModelInput fills in from the tokens and rule evaluation of a
// message: each word (plurals read as their singular; marked as negated
// within three words after a negation in the same clause), each pair of
// neighbouring words, the first five letters of longer words, the first and
// the last word, the rules' scores and choice, and the message signals.
func (rc *RuleClassifier) fillModelInput(toks *[maxTokens]token, v *ruleEval, in *modelInput) {
	in.nf = 0
	prev := hashString("<start>")
	negatedUntil := -1
	for i := range v.n {
		h := foldPlural(toks[i])
		wi := rc.words[toks[i].hash]
		if toks[i].clause {
			negatedUntil = -1
		}
		kind := featWord
		if i <= negatedUntil {
			kind = featNegated // "not happy": happy in the scope of a negation
		}
		if wi.negator {
			negatedUntil = i + 3
		}
		in.feats[in.nf] = featureKey(mix(kind, h))
		in.nf++
		in.feats[in.nf] = featureKey(mix(mix(featPair, prev), h))
		in.nf++
		if t := toks[i].text; toks[i].kind == tokWord && len(t) > stemLen {
			in.feats[in.nf] = featureKey(mix(featStem, lowerHash(t[:stemLen])))
			in.nf++
		}
		prev = h
	}
	if v.n > 0 {
		in.feats[in.nf] = featureKey(mix(featFirst, foldPlural(toks[0])))
		in.nf++
		in.feats[in.nf] = featureKey(mix(featLast, prev))
		in.nf++
	}
	d := &in.dense
	*d = [numDense]float32{}
	setRuleInputs(d, v.score, rc.ruleIntent(v))
	flag := func(i int, on bool) {
		if on {
			d[i] = 1
		}
	}
	flag(denseQuestion, v.f.questions > 0)
	flag(denseAsks, v.asks)
	flag(denseExclaim, v.f.exclaims > 0)
	flag(denseLink, v.f.links > 0)
	flag(denseMoney, v.f.money > 0)
	flag(denseOrderRef, v.f.hashRef > 0)
	flag(denseMention, v.f.mentions > 0)
	flag(denseCaps, v.caps > 0)
	flag(denseShort, v.n <= 3)
	flag(denseLong, v.n > 25)
}

// maxRuleRaw caps a rule score as an input of the model.
const maxRuleRaw = 10

// setRuleInputs sets the inputs of the model that come from the rules:
// their scores and their choice.
func setRuleInputs(d *[numDense]float32, score [numIntents]float64, choice int) {
	for k := range numIntents {
		s := max(score[k], 0)
		d[denseRuleScore+k] = float32(math.Log1p(s))
		d[denseRuleRaw+k] = float32(min(s, maxRuleRaw))
		d[denseRuleChoice+k] = 0
	}
	d[denseRuleChoice+choice] = 1
}

// foldPlural is the hash of a word read as its singular when it is a plain
// plural of four or more letters ("refunds", "parties"); numbers and emoji
// keep their hash.
func foldPlural(t token) uint64 {
	w := t.text
	l := len(w)
	if t.kind != tokWord || l < 4 || w[l-1]|0x20 != 's' || w[l-2]|0x20 == 's' || w[l-2] == '\'' {
		return t.hash
	}
	if l > 4 && w[l-2]|0x20 == 'e' && w[l-3]|0x20 == 'i' {
		return mixByte(lowerHash(w[:l-3]), 'y')
	}
	return lowerHash(w[:l-1])
}

// intentModel holds the weights of the logistic regression.
type intentModel struct {
	rows map[uint32]int32
	// table is rows as an open-addressing hash table, for speed: each
	// slot holds a key and its row plus one (0 for an empty slot).
	table []modelSlot
	shift uint
	w     [][numIntents]float32
	dense [numDense][numIntents]float32
	bias  [numIntents]float32
}

// logits returns the model's score of each intent for in.
func (m *intentModel) logits(in *modelInput) [numIntents]float64 {
	var z [numIntents]float32
	z = m.bias
	for _, f := range in.feats[:in.nf] {
		if r := m.row(f); r >= 0 {
			w := &m.w[r]
			for k := range numIntents {
				z[k] += w[k]
			}
		}
	}
	for j, x := range in.dense {
		if x != 0 {
			for k := range numIntents {
				z[k] += x * m.dense[j][k]
			}
		}
	}
	var out [numIntents]float64
	for k := range numIntents {
		out[k] = float64(z[k])
	}
	return out
}

// modelSlot is one slot of intentModel.table.
type modelSlot struct {
	key uint32
	row int32 // row + 1; 0: empty
}

// index builds the lookup table of m.rows.
func (m *intentModel) index() {
	size := 16
	for size < 2*len(m.rows) {
		size *= 2
	}
	m.table = make([]modelSlot, size)
	m.shift = uint(32 - bits.TrailingZeros(uint(size)))
	for key, r := range m.rows {
		i := m.slot(key)
		for m.table[i].row != 0 {
			i = (i + 1) & (len(m.table) - 1)
		}
		m.table[i] = modelSlot{key: key, row: r + 1}
	}
}

func (m *intentModel) slot(key uint32) int { return int((key * 0x9E3779B1) >> m.shift) }

// row returns the row of feature key, or -1.
func (m *intentModel) row(key uint32) int32 {
	if m.table == nil {
		if r, ok := m.rows[key]; ok {
			return r
		}
		return -1
	}
	for i := m.slot(key); ; i = (i + 1) & (len(m.table) - 1) {
		s := m.table[i]
		if s.row == 0 {
			return -1
		}
		if s.key == key {
			return s.row - 1
		}
	}
}

// softmax turns logits into probabilities.
func softmax(z [numIntents]float64) [numIntents]float64 {
	mx := z[0]
	for _, x := range z[1:] {
		mx = max(mx, x)
	}
	var p [numIntents]float64
	sum := 0.0
	for k, x := range z {
		p[k] = math.Exp(x - mx)
		sum += p[k]
	}
	for k := range p {
		p[k] /= sum
	}
	return p
}

// Weights format (little-endian), base64 in classify_weights.go:
//
//	"RPM1", uint16 numIntents, uint16 numDense, uint32 rows, float32 scale,
//	bias and dense weights as float32, then per row: uint32 feature key
//	and numIntents int8 weights (times scale).
const weightsMagic = "RPM1"

// encodeModel serializes m compactly, its word weights rounded to int8.
func encodeModel(m *intentModel) []byte {
	keys := make([]uint32, len(m.w))
	for k, r := range m.rows {
		keys[r] = k
	}
	maxW := float32(0)
	for _, w := range m.w {
		for _, x := range w {
			maxW = max(maxW, float32(math.Abs(float64(x))))
		}
	}
	scale := maxW / 127
	if scale == 0 {
		scale = 1
	}
	out := []byte(weightsMagic)
	out = binary.LittleEndian.AppendUint16(out, numIntents)
	out = binary.LittleEndian.AppendUint16(out, numDense)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(m.w)))
	out = binary.LittleEndian.AppendUint32(out, math.Float32bits(scale))
	for _, b := range m.bias {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(b))
	}
	for _, row := range m.dense {
		for _, x := range row {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(x))
		}
	}
	for r, w := range m.w {
		out = binary.LittleEndian.AppendUint32(out, keys[r])
		for _, x := range w {
			out = append(out, byte(int8(math.Round(float64(x/scale)))))
		}
	}
	return out
}

// decodeModel reads weights written by encodeModel.
func decodeModel(b []byte) (*intentModel, error) {
	bad := func(what string) error { return fmt.Errorf("engage: classifier weights: %s", what) }
	if len(b) < 16 || string(b[:4]) != weightsMagic {
		return nil, bad("not RPM1 weights")
	}
	if binary.LittleEndian.Uint16(b[4:]) != numIntents || binary.LittleEndian.Uint16(b[6:]) != numDense {
		return nil, bad("made for another set of intents or inputs")
	}
	rows := int(binary.LittleEndian.Uint32(b[8:]))
	scale := math.Float32frombits(binary.LittleEndian.Uint32(b[12:]))
	b = b[16:]
	head := 4 * numIntents * (1 + numDense)
	if len(b) != head+rows*(4+numIntents) {
		return nil, bad(fmt.Sprintf("%d bytes after the header, want %d for %d rows", len(b), head+rows*(4+numIntents), rows))
	}
	f32 := func() float32 {
		x := math.Float32frombits(binary.LittleEndian.Uint32(b))
		b = b[4:]
		return x
	}
	m := &intentModel{rows: make(map[uint32]int32, rows), w: make([][numIntents]float32, rows)}
	for k := range m.bias {
		m.bias[k] = f32()
	}
	for j := range m.dense {
		for k := range numIntents {
			m.dense[j][k] = f32()
		}
	}
	for r := range rows {
		key := binary.LittleEndian.Uint32(b)
		if _, dup := m.rows[key]; dup {
			return nil, bad(fmt.Sprintf("row %d: feature %08x twice", r, key))
		}
		m.rows[key] = int32(r)
		for k := range numIntents {
			m.w[r][k] = float32(int8(b[4+k])) * scale
		}
		b = b[4+numIntents:]
	}
	m.index()
	return m, nil
}

// decodeModelText decodes the base64 form kept in classify_weights.go.
func decodeModelText(s string) (*intentModel, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.Join(errors.New("engage: classifier weights: base64"), err)
	}
	return decodeModel(b)
}

// classifyLearned chooses the intent with the learned model from the words
// and the rules' scores of an evaluated message, plus the weights of the
// phrases given with RuleOptions as they are; sentiment and priority
// still come from the rules. When the model overrules the rules' own
// choice, the signals say so ("learned: lead over question").
func (rc *RuleClassifier) classifyLearned(toks *[maxTokens]token, v *ruleEval) Triage {
	var in modelInput
	rc.fillModelInput(toks, v, &in)
	z := rc.model.logits(&in)
	for k := range z {
		z[k] += v.own[k] // the phrases given with RuleOptions count in full
	}
	p := softmax(z)
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	if r := rc.ruleIntent(v); r != best && len(v.signals) < 12 {
		v.signals = append(v.signals, "learned: "+string(intentByIndex[best])+" over "+string(intentByIndex[r]))
	}
	return v.verdict(intentByIndex[best], p[best])
}
