package analytics

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Rate is a computed quantity that may be absent: a rate whose inputs were
// absent (a counter the platform does not report, no followers, no posts)
// is absent, never zero. The zero Rate is absent. It marshals to JSON as a
// number, or null when absent.
type Rate struct {
	Value float64
	Valid bool
}

// KnownRate returns a present Rate of v; NaN and infinities give an absent Rate.
func KnownRate(v float64) Rate {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Rate{}
	}
	return Rate{Value: v, Valid: true}
}

// ratio returns num/den*scale, absent when den is zero or either is absent.
func ratio(num, den providers.Count, scale float64) Rate {
	if !num.Valid || !den.Valid || den.Value <= 0 {
		return Rate{}
	}
	return KnownRate(float64(num.Value) / float64(den.Value) * scale)
}

// Get returns the value and whether it is present.
func (r Rate) Get() (float64, bool) { return r.Value, r.Valid }

// String formats the value with two decimals, or "n/a" when absent.
func (r Rate) String() string { return r.Format(2) }

// Format formats the value with the given number of decimals, or "n/a".
func (r Rate) Format(decimals int) string {
	if !r.Valid {
		return "n/a"
	}
	return strconv.FormatFloat(r.Value, 'f', decimals, 64)
}

// MarshalJSON encodes a present rate as a number and an absent one as null.
func (r Rate) MarshalJSON() ([]byte, error) {
	if !r.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, r.Value, 'g', -1, 64), nil
}

// UnmarshalJSON decodes a number or null.
func (r *Rate) UnmarshalJSON(b []byte) error {
	if strings.TrimSpace(string(b)) == "null" {
		*r = Rate{}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = KnownRate(v)
	return nil
}

// Span is a duration that may be absent (no response yet, no samples). The
// zero Span is absent. It marshals to JSON as seconds, or null.
type Span struct {
	Duration time.Duration
	Valid    bool
}

// KnownSpan returns a present Span of d.
func KnownSpan(d time.Duration) Span { return Span{Duration: d, Valid: true} }

// String formats the duration rounded to the second, or "n/a".
func (s Span) String() string {
	if !s.Valid {
		return "n/a"
	}
	return s.Duration.Round(time.Second).String()
}

// MarshalJSON encodes the duration in seconds, or null when absent.
func (s Span) MarshalJSON() ([]byte, error) {
	if !s.Valid {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, s.Duration.Seconds(), 'g', -1, 64), nil
}

// UnmarshalJSON decodes seconds or null.
func (s *Span) UnmarshalJSON(b []byte) error {
	if strings.TrimSpace(string(b)) == "null" {
		*s = Span{}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = KnownSpan(time.Duration(v * float64(time.Second)))
	return nil
}

// Share is a part of a whole: Value is Part/Whole as a fraction in [0, 1],
// absent when Whole is absent or zero.
type Share struct {
	Part  int64           `json:"part"`
	Whole providers.Count `json:"whole"`
	Value Rate            `json:"value"`
}

// NewShare returns part of whole.
func NewShare(part int64, whole providers.Count) Share {
	return Share{Part: part, Whole: whole, Value: ratio(providers.Known(part), whole, 1)}
}

// Percent formats the share as a percentage with one decimal, or "n/a".
func (s Share) Percent() string {
	if !s.Value.Valid {
		return "n/a"
	}
	return strconv.FormatFloat(s.Value.Value*100, 'f', 1, 64) + "%"
}

// Period is the half-open time range [From, To).
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Contains reports whether t is in [From, To). A zero bound is open.
func (p Period) Contains(t time.Time) bool {
	if !p.From.IsZero() && t.Before(p.From) {
		return false
	}
	if !p.To.IsZero() && !t.Before(p.To) {
		return false
	}
	return true
}

// Duration returns To - From.
func (p Period) Duration() time.Duration { return p.To.Sub(p.From) }

// Previous returns the period of the same length just before p.
func (p Period) Previous() Period {
	return Period{From: p.From.Add(-p.Duration()), To: p.From}
}

func (p Period) validate() error {
	if p.From.IsZero() || p.To.IsZero() {
		return invalid("period", "has a zero bound")
	}
	if !p.To.After(p.From) {
		return invalid("period", "ends before it starts ("+p.From.Format(time.RFC3339)+" to "+p.To.Format(time.RFC3339)+")")
	}
	return nil
}
