package audience

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// parseMoney reads an amount as CRMs export it: "1234.5", "$1,234.50",
// "1.234,50 €", "EUR 99", "(12.00)" for a negative amount. When both "."
// and "," appear, the last one is the decimal separator; a lone "," followed
// by exactly three digits is a thousands separator ("1,234" = 1234),
// otherwise a decimal one ("12,5" = 12.5).
func parseMoney(raw string) (float64, error) {
	s := strings.TrimSpace(raw)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg = true
		s = s[1 : len(s)-1]
	}
	var b strings.Builder
	hasDigit := false
	state := 0 // 0: before the number, 1: in it, 2: after it
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9' || r == '.' || r == ',':
			if state == 2 {
				return 0, fmt.Errorf("invalid amount %q", raw)
			}
			state = 1
			hasDigit = hasDigit || r >= '0' && r <= '9'
			b.WriteRune(r)
		case (r == '-' || r == '+') && state == 0:
			if r == '-' {
				neg = !neg
			}
		case r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'' || r == '’':
			// white space, or a thousands separator in some locales
		case unicode.IsLetter(r) || unicode.Is(unicode.Sc, r):
			// a currency code or symbol before or after the number
			if state == 1 {
				state = 2
			}
		default:
			return 0, fmt.Errorf("invalid amount %q: unexpected %q", raw, r)
		}
	}
	if !hasDigit {
		return 0, fmt.Errorf("invalid amount %q: no digits", raw)
	}
	num := b.String()
	lastDot, lastComma := strings.LastIndexByte(num, '.'), strings.LastIndexByte(num, ',')
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastComma > lastDot {
			num = strings.ReplaceAll(num, ".", "")
			num = strings.Replace(num, ",", ".", 1)
		} else {
			num = strings.ReplaceAll(num, ",", "")
		}
	case lastComma >= 0:
		if strings.Count(num, ",") == 1 && len(num)-lastComma-1 != 3 {
			num = strings.Replace(num, ",", ".", 1)
		} else {
			num = strings.ReplaceAll(num, ",", "")
		}
	case strings.Count(num, ".") > 1:
		num = strings.ReplaceAll(num, ".", "")
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid amount %q", raw)
	}
	if neg {
		v = -v
	}
	return v, nil
}

var isoDateLayouts = []string{
	"2006-01-02",
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04",
	"2006/01/02",
	"2 Jan 2006",
	"2 January 2006",
	"Jan 2, 2006",
	"January 2, 2006",
	"Jan 2 2006",
	"2-Jan-2006",
	"02.01.2006",
	"2.1.2006",
}

var monthFirstLayouts = []string{"1/2/2006", "1/2/06", "1/2/2006 15:04", "1/2/2006 15:04:05", "1-2-2006"}
var dayFirstLayouts = []string{"2/1/2006", "2/1/06", "2/1/2006 15:04", "2/1/2006 15:04:05", "2-1-2006"}

// parseDate reads the date formats CRMs export; slash dates are read
// month-first unless dayFirst, but a first number above 12 forces the
// day-first reading (and a second one above 12 the month-first one).
func parseDate(raw string, dayFirst bool) (time.Time, error) {
	s := strings.TrimSpace(raw)
	for _, l := range isoDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	first, second := monthFirstLayouts, dayFirstLayouts
	if dayFirst {
		first, second = second, first
	}
	for _, l := range first {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range second {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q", raw)
}

// splitList splits a cell holding several values ("a@x.com; b@y.com").
func splitList(s string, seps string) []string {
	if !strings.ContainsAny(s, seps) {
		return []string{s}
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func appendUniqueFold(list []string, v string) []string {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return list
		}
	}
	return append(list, v)
}

func appendHandle(list []Handle, h Handle) []Handle {
	for _, x := range list {
		if x == h {
			return list
		}
	}
	return append(list, h)
}
