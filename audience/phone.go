package audience

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// PhoneCheck says how strictly phone numbers are checked.
type PhoneCheck int

const (
	// PhonePossible accepts a number whose length is possible for its
	// country (phonenumbers.IsPossibleNumber). It is the default: fast,
	// and enough to catch truncated or over-long numbers.
	PhonePossible PhoneCheck = iota
	// PhoneValid also checks the number against the country's numbering
	// plan (phonenumbers.IsValidNumber): "+1 555 010 0199" is possible but
	// not valid. It is about ten times slower.
	PhoneValid
)

// PhoneNormalizer turns phone numbers as people type them into E.164
// ("+14155550132"), reading numbers without a country code as numbers of
// its default region. It is safe for concurrent use.
//
// Parsing is done by github.com/nyaruka/phonenumbers. Because that library
// spends several microseconds per number, numbers in the common shapes
// (digits with spaces, dashes, dots, slashes or brackets; an optional "+" or
// "00" international prefix) are converted directly for the countries
// listed in fastPhoneRegions and only checked by the library's
// length rules; every other input goes through the library's full parser.
// Both paths give the same result (see TestPhoneFastPathAgreesWithLibrary).
type PhoneNormalizer struct {
	region string
	cc     int
	ccStr  string
	ndd    string
	fast   bool
	check  PhoneCheck
}

// fastPhoneRegions are the regions whose national-prefix rules are simple
// enough ("0" or "1" trunk prefix, or none) for the direct conversion.
var fastPhoneRegions = map[string]bool{
	"US": true, "CA": true, "GB": true, "IE": true, "DE": true, "FR": true,
	"ES": true, "PT": true, "NL": true, "BE": true, "CH": true,
	"AT": true, "DK": true, "SE": true, "NO": true, "PL": true,
	"CZ": true, "IT": true, "JP": true, "ZA": true,
	"IN": true, "GR": true,
}

// fastCallingCodes are the calling codes of fastPhoneRegions' main regions.
var fastCallingCodes = func() map[int]bool {
	m := map[int]bool{}
	for r := range fastPhoneRegions {
		cc := phonenumbers.GetCountryCodeForRegion(r)
		if phonenumbers.GetRegionCodeForCountryCode(cc) == r {
			m[cc] = true
		}
	}
	return m
}()

// NewPhoneNormalizer returns a normalizer for numbers written without a
// country code in region (an ISO 3166-1 alpha-2 code such as "US" or "GB";
// "" means such numbers are rejected).
func NewPhoneNormalizer(region string, check PhoneCheck) (*PhoneNormalizer, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	p := &PhoneNormalizer{region: region, check: check}
	if region != "" {
		cc := phonenumbers.GetCountryCodeForRegion(region)
		if cc == 0 {
			return nil, fmt.Errorf("audience: unknown phone region %q", region)
		}
		p.cc = cc
		p.ccStr = strconv.Itoa(cc)
		p.ndd = phonenumbers.GetNddPrefixForRegion(region, true)
		p.fast = fastPhoneRegions[region]
	}
	return p, nil
}

// Region returns the default region.
func (p *PhoneNormalizer) Region() string { return p.region }

// Normalize returns raw in E.164 form, or an error saying why it is not a
// usable phone number.
func (p *PhoneNormalizer) Normalize(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", fmt.Errorf("empty phone number")
	}
	if check := p.check; check == PhonePossible {
		if e, ok := p.fastPath(s); ok {
			return e, nil
		}
	}
	return p.slowPath(raw, s)
}

func (p *PhoneNormalizer) slowPath(raw, s string) (string, error) {
	region := p.region
	if region == "" {
		region = "ZZ"
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		switch err {
		case phonenumbers.ErrInvalidCountryCode:
			if p.region == "" && !strings.HasPrefix(s, "+") {
				return "", fmt.Errorf("invalid phone %q: no country code and no default region", raw)
			}
			return "", fmt.Errorf("invalid phone %q: unknown country code", raw)
		case phonenumbers.ErrNotANumber:
			return "", fmt.Errorf("invalid phone %q: not a phone number", raw)
		case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
			return "", fmt.Errorf("invalid phone %q: too short", raw)
		case phonenumbers.ErrNumTooLong:
			return "", fmt.Errorf("invalid phone %q: too long", raw)
		}
		return "", fmt.Errorf("invalid phone %q: %v", raw, err)
	}
	if p.check == PhoneValid {
		if !phonenumbers.IsValidNumber(num) {
			return "", fmt.Errorf("invalid phone %q: not a valid number in %s", raw, regionName(num))
		}
	} else {
		switch phonenumbers.IsPossibleNumberWithReason(num) {
		case phonenumbers.IS_POSSIBLE:
		case phonenumbers.TOO_SHORT, phonenumbers.INVALID_LENGTH, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
			return "", fmt.Errorf("invalid phone %q: too short for %s", raw, regionName(num))
		case phonenumbers.TOO_LONG:
			return "", fmt.Errorf("invalid phone %q: too long for %s", raw, regionName(num))
		default:
			return "", fmt.Errorf("invalid phone %q: unknown country code", raw)
		}
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

func regionName(num *phonenumbers.PhoneNumber) string {
	if r := phonenumbers.GetRegionCodeForNumber(num); r != "" && r != "ZZ" {
		return r
	}
	return "+" + strconv.Itoa(int(num.GetCountryCode()))
}

// fastPath converts s directly when it has a common shape; ok is false when
// the library's parser must decide.
func (p *PhoneNormalizer) fastPath(s string) (string, bool) {
	var buf [24]byte
	n := 0
	intl := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return "", false
			}
			buf[n] = c
			n++
		case c == '+':
			if n != 0 || intl {
				return "", false
			}
			intl = true
		case c == ' ' || c == '-' || c == '.' || c == '/':
		case c == '(':
			// "(0)" is a national prefix inside an international number:
			// leave it to the library.
			if i+2 < len(s) && s[i+1] == '0' && s[i+2] == ')' {
				return "", false
			}
		case c == ')':
		default:
			return "", false
		}
	}
	digits := buf[:n]
	if !intl && (n > 2 && digits[0] == '0' && digits[1] == '0' ||
		strings.HasPrefix(string(digits), p.ccStr) ||
		p.region == "JP" && strings.HasPrefix(string(digits), "010")) {
		// An international call prefix, or a country code written
		// without "+": the library decides.
		return "", false
	}
	var cc int
	var national []byte
	if intl {
		for l := 1; l <= 3 && l < len(digits); l++ {
			v, _ := strconv.Atoi(string(digits[:l]))
			if fastCallingCodes[v] {
				cc = v
				national = digits[l:]
				break
			}
		}
		if cc == 0 {
			return "", false
		}
		if ndd := phonenumbers.GetNddPrefixForRegion(phonenumbers.GetRegionCodeForCountryCode(cc), true); ndd != "" && strings.HasPrefix(string(national), ndd) {
			return "", false
		}
	} else {
		if !p.fast {
			return "", false
		}
		cc = p.cc
		national = digits
		if p.ndd != "" && strings.HasPrefix(string(national), p.ndd) {
			// A trunk prefix ("0" in most of Europe, "1" in North
			// America): the library strips it too for these regions.
			national = national[len(p.ndd):]
		}
	}
	if len(national) < 4 || len(national) > 15 {
		return "", false
	}
	if cc == 1 && (national[0] == '0' || national[0] == '1') {
		// North American numbers never start so; the library may read a
		// prefix there.
		return "", false
	}
	nn, err := strconv.ParseUint(string(national), 10, 64)
	if err != nil {
		return "", false
	}
	cc32 := int32(cc)
	num := &phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn}
	if national[0] == '0' {
		zeros := int32(0)
		for _, d := range national {
			if d != '0' {
				break
			}
			zeros++
		}
		if int(zeros) == len(national) {
			return "", false
		}
		t := true
		num.ItalianLeadingZero = &t
		if zeros > 1 {
			num.NumberOfLeadingZeros = &zeros
		}
	}
	if phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
		return "", false
	}
	out := make([]byte, 0, 1+3+len(national))
	out = append(out, '+')
	out = strconv.AppendInt(out, int64(cc), 10)
	out = append(out, national...)
	return string(out), true
}
