package audience

import (
	"context"
	"testing"
)

// evaluate matches a labelled audience and returns precision and recall
// over accounts: a true positive is an account matched to the customer it
// belongs to.
func evaluate(t testing.TB, g *labelled, opts ...Option) (precision, recall float64, tp, fp, fn int) {
	m, err := NewMatcher(g.customers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSurvey()
	if err := s.AddAccounts(context.Background(), g.accounts); err != nil {
		t.Fatal(err)
	}
	tp, fp, fn = score(g, s.Result())
	precision = float64(tp) / float64(tp+fp)
	recall = float64(tp) / float64(tp+fn)
	return precision, recall, tp, fp, fn
}

// score counts true positives, false positives and false negatives.
func score(g *labelled, res *Result) (tp, fp, fn int) {
	pred := map[string]int{}
	for _, mt := range res.Matches {
		pred[string(mt.Account.Platform)+"/"+mt.Account.ID] = mt.Customer
	}
	for i, a := range g.accounts {
		got, ok := pred[string(a.Platform)+"/"+a.ID]
		want := g.label[i]
		switch {
		case ok && got == want:
			tp++
		case ok:
			fp++
			if want >= 0 {
				fn++
			}
		case want >= 0:
			fn++
		}
	}
	return tp, fp, fn
}

func TestPrecisionRecallOnGeneratedSet(t *testing.T) {
	g := generate(42, 3000, 6000)
	p, r, tp, fp, fn := evaluate(t, g)
	t.Logf("default threshold %.2f: precision %.4f recall %.4f (tp %d, fp %d, fn %d; %d customers, %d accounts)",
		DefaultThreshold, p, r, tp, fp, fn, len(g.customers), len(g.accounts))
	if p < 0.98 {
		t.Errorf("precision %.4f < 0.98", p)
	}
	if r < 0.90 {
		t.Errorf("recall %.4f < 0.90", r)
	}
}
