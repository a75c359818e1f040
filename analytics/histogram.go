package analytics

import (
	"fmt"
	"math"
	"slices"
)

// LogHistogram estimates quantiles of a stream of non-negative values in
// fixed memory: buckets whose bounds grow geometrically, so every bucket
// spans the same relative width. It is the fixed-range form of DDSketch
// (Masson, Rim and Lee, VLDB 2019).
//
// Error bound: for values in [Min, Max], Quantile(q) is within relative
// error RelErr of the exact sample value of rank ⌊q·(n−1)⌋ (0-based, values
// sorted), the lower of the two values that Percentile interpolates
// between; that is |estimate − v| ≤ RelErr·v. Zeros are counted exactly.
// Values in (0, Min) are estimated as Min and values above Max as Max, so
// the bound does not hold for them (Underflow and Overflow count them); the
// smallest and largest values are kept exactly (q = 0 and q = 1 are exact)
// and every estimate is clamped to them.
// Memory is ⌈ln(Max/Min)/ln γ⌉+1 counters, γ = (1+RelErr)/(1−RelErr):
// about 1,200 counters (10 KB) for 1 ms to a year at 1%.
//
// Small inputs are exact: the first ExactLimit values are also kept as
// they are, and while Count() <= ExactLimit, Quantile returns the exact
// Percentile of them.
type LogHistogram struct {
	min, max, relErr float64
	logGamma, gamma  float64
	counts           []uint64
	zeros            uint64
	n                uint64
	sum              float64
	lo, hi           float64
	under, over      uint64
	exact            [ExactLimit]float64
}

// ExactLimit is the number of values up to which a LogHistogram's
// quantiles are exact.
const ExactLimit = 128

// NewLogHistogram returns a histogram for values in [min, max] with the
// given relative error (0 < relErr < 1).
func NewLogHistogram(min, max, relErr float64) (*LogHistogram, error) {
	if !(min > 0) || !(max > min) || math.IsInf(max, 0) || !(relErr > 0 && relErr < 1) {
		return nil, fmt.Errorf("analytics: log histogram: %w", invalid("range", fmt.Sprintf("needs 0 < min < max and 0 < relErr < 1, got min %g max %g relErr %g", min, max, relErr)))
	}
	gamma := (1 + relErr) / (1 - relErr)
	lg := math.Log(gamma)
	n := int(math.Ceil(math.Log(max/min)/lg)) + 1
	return &LogHistogram{min: min, max: max, relErr: relErr, gamma: gamma, logGamma: lg, counts: make([]uint64, n)}, nil
}

// RelErr returns the relative error bound.
func (h *LogHistogram) RelErr() float64 { return h.relErr }

// Buckets returns the number of buckets (the histogram's fixed size).
func (h *LogHistogram) Buckets() int { return len(h.counts) }

// Add records a value; negative values and NaN are recorded as zero.
func (h *LogHistogram) Add(v float64) {
	if !(v > 0) {
		v = 0
	}
	if h.n == 0 || v < h.lo {
		h.lo = v
	}
	if h.n == 0 || v > h.hi {
		h.hi = v
	}
	if h.n < ExactLimit {
		h.exact[h.n] = v
	}
	h.n++
	h.sum += v
	if v == 0 {
		h.zeros++
		return
	}
	if v < h.min {
		h.under++
		v = h.min
	} else if v > h.max {
		h.over++
		v = h.max
	}
	// Bucket i holds (min·γ^(i−1), min·γ^i]; bucket 0 holds min itself.
	i := int(math.Ceil(math.Log(v/h.min) / h.logGamma))
	i = min(max(i, 0), len(h.counts)-1)
	h.counts[i]++
}

// Count returns the number of values added.
func (h *LogHistogram) Count() uint64 { return h.n }

// Sum returns the exact sum of the values added.
func (h *LogHistogram) Sum() float64 { return h.sum }

// Underflow and Overflow count values outside [Min, Max] (zeros aside).
func (h *LogHistogram) Underflow() uint64 { return h.under }

// Overflow counts values above Max.
func (h *LogHistogram) Overflow() uint64 { return h.over }

// Quantile returns the estimated q-quantile (0 <= q <= 1), or NaN when
// empty. See the type's documentation for the error bound.
func (h *LogHistogram) Quantile(q float64) float64 {
	if h.n == 0 {
		return math.NaN()
	}
	q = min(max(q, 0), 1)
	if h.n <= ExactLimit {
		vals := h.exact // a copy: Quantile does not modify h
		sorted := vals[:h.n]
		slices.Sort(sorted)
		return Percentile(sorted, q)
	}
	rank := uint64(math.Floor(q * float64(h.n-1)))
	switch {
	case rank == h.n-1:
		return h.hi // the largest value is kept exactly
	case rank == 0:
		return h.lo
	case rank < h.zeros:
		return 0
	}
	seen := h.zeros
	for i, c := range h.counts {
		seen += c
		if seen > rank {
			var v float64
			if i == 0 {
				v = h.min
			} else {
				// The point of (min·γ^(i−1), min·γ^i] with equal relative
				// distance to both bounds.
				v = 2 * h.min * math.Pow(h.gamma, float64(i)) / (h.gamma + 1)
			}
			return min(max(v, h.lo), h.hi)
		}
	}
	return h.hi
}

// Merge adds the counts of o, which must have the same range and error.
func (h *LogHistogram) Merge(o *LogHistogram) error {
	if o.min != h.min || o.max != h.max || o.relErr != h.relErr {
		return fmt.Errorf("analytics: merge log histograms: %w", invalid("range", "differs"))
	}
	if o.n == 0 {
		return nil
	}
	if h.n+o.n <= ExactLimit {
		copy(h.exact[h.n:], o.exact[:o.n])
	}
	if h.n == 0 || o.lo < h.lo {
		h.lo = o.lo
	}
	if h.n == 0 || o.hi > h.hi {
		h.hi = o.hi
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.zeros += o.zeros
	h.n += o.n
	h.sum += o.sum
	h.under += o.under
	h.over += o.over
	return nil
}
