package audience

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/rapportkit/rapport/providers"
)

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		gmail    bool
		err      string
	}{
		{in: "  Jose.Alvarez@Example.COM ", want: "jose.alvarez@example.com"},
		{in: "Ana <ANA@example.es>", want: "ana@example.es"},
		{in: "mailto:bob@example.org", want: "bob@example.org"},
		{in: "J.Doe+news@GoogleMail.com", want: "j.doe+news@googlemail.com"},
		{in: "J.Doe+news@GoogleMail.com", gmail: true, want: "jdoe@gmail.com"},
		{in: "ana@example", err: `invalid email "ana@example": domain "example" has no dot`},
		{in: "liz@@example.com", err: `invalid email "liz@@example.com": more than one @`},
		{in: "no-at.example.com", err: `invalid email "no-at.example.com": missing @`},
		{in: "a b@example.com", err: `invalid email "a b@example.com": character ' ' not allowed`},
		{in: "x@exa_mple.com", err: `invalid email "x@exa_mple.com": domain "exa_mple.com" has character '_'`},
		{in: "x@example.c", err: `invalid email "x@example.c": domain "example.c" has a one-letter top-level domain`},
	} {
		got, err := NormalizeEmail(tc.in, tc.gmail)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("NormalizeEmail(%q) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPhoneNormalizer(t *testing.T) {
	us, _ := NewPhoneNormalizer("US", PhonePossible)
	gb, _ := NewPhoneNormalizer("GB", PhonePossible)
	strict, _ := NewPhoneNormalizer("US", PhoneValid)
	none, _ := NewPhoneNormalizer("", PhonePossible)
	for _, tc := range []struct {
		p        *PhoneNormalizer
		in, want string
		err      string
	}{
		{p: us, in: "(415) 555-0132", want: "+14155550132"},
		{p: us, in: "1-415-555-0132", want: "+14155550132"},
		{p: us, in: "415.555.0132 ext. 12", want: "+14155550132"},
		{p: us, in: "+44 20 7946 0958", want: "+442079460958"},
		{p: gb, in: "020 7946 0958", want: "+442079460958"},
		{p: gb, in: "+44 (0)20 7946 0958", want: "+442079460958"},
		{p: gb, in: "0044 20 7946 0958", want: "+442079460958"},
		{p: us, in: "+39 06 1234 5678", want: "+390612345678"},
		{p: us, in: "12345", err: `invalid phone "12345": too short for +1`},
		{p: us, in: "call me", err: `invalid phone "call me": not a phone number`},
		{p: none, in: "415 555 0132", err: `invalid phone "415 555 0132": no country code and no default region`},
		{p: strict, in: "+1 555 010 0199", err: `invalid phone "+1 555 010 0199": not a valid number in +1`},
	} {
		got, err := tc.p.Normalize(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s Normalize(%q) error = %v, want %s", tc.p.Region(), tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s Normalize(%q) = %q, %v; want %q", tc.p.Region(), tc.in, got, err, tc.want)
		}
	}
}

// TestPhoneFastPathAgreesWithLibrary checks that the direct conversion
// gives exactly what the library's parser gives, on random numbers in
// every region it serves, in national and international writing.
func TestPhoneFastPathAgreesWithLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	formats := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return strings.Join(chunks(s, 3), " ") },
		func(s string) string { return strings.Join(chunks(s, 4), "-") },
		func(s string) string { return "(" + s[:3] + ") " + s[3:] },
		func(s string) string { return strings.Join(chunks(s, 2), ".") },
	}
	checked := 0
	for region := range fastPhoneRegions {
		p, err := NewPhoneNormalizer(region, PhonePossible)
		if err != nil {
			t.Fatal(err)
		}
		cc := strconv.Itoa(phonenumbers.GetCountryCodeForRegion(region))
		ndd := phonenumbers.GetNddPrefixForRegion(region, true)
		for range 2000 {
			n := 6 + r.IntN(7)
			var b strings.Builder
			for range n {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
			digits := b.String()
			var in string
			switch r.IntN(4) {
			case 0:
				in = "+" + cc + " " + formats[r.IntN(len(formats))](digits)
			case 1:
				in = ndd + formats[r.IntN(len(formats))](digits)
			default:
				in = formats[r.IntN(len(formats))](digits)
			}
			fast, ok := p.fastPath(in)
			if !ok {
				continue
			}
			slow, err := p.slowPath(in, in)
			if err != nil || slow != fast {
				t.Errorf("%s %q: fast path %q, library %q (%v)", region, in, fast, slow, err)
			}
			checked++
		}
	}
	if checked < 15000 {
		t.Errorf("only %d numbers took the fast path", checked)
	}
}

func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func TestNames(t *testing.T) {
	for in, want := range map[string][]string{
		"José Álvarez":                     {"jose", "alvarez"},
		"Dr. Zoë MÜLLER-Lüdenscheidt, PhD": {"zoe", "muller", "ludenscheidt"},
		"O'Brien, Liz":                     {"obrien", "liz"},
		"Liam O’Connor 🍀":                  {"liam", "oconnor"},
		"Søren Ærø Łukasz Straße":          {"soren", "aero", "lukasz", "strasse"},
		"  ":                               nil,
	} {
		if got := NameTokens(in); !reflect.DeepEqual(got, want) {
			t.Errorf("NameTokens(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range [][2]string{
		{"Bob Smith", "robert smith"},
		{"SMITH, Robert", "robert smith"},
		{"Mrs. Liz O'Brien", "elizabeth obrien"},
		{"Kate Nguyen", "katherine nguyen"},
	} {
		if got := CanonicalName(tc[0]); got != tc[1] {
			t.Errorf("CanonicalName(%q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	if soundex("robert") != "R163" || soundex("rupert") != "R163" || soundex("ashcraft") != "A261" || soundex("tymczak") != "T522" {
		t.Errorf("soundex: %s %s %s %s", soundex("robert"), soundex("rupert"), soundex("ashcraft"), soundex("tymczak"))
	}
	if jw := jaroWinkler("martha", "marhta"); jw < 0.961 || jw > 0.962 {
		t.Errorf("jaroWinkler(martha, marhta) = %v", jw)
	}
}

func TestNormalizeHandle(t *testing.T) {
	for _, tc := range []struct {
		p        providers.Platform
		in, want string
		err      bool
	}{
		{p: providers.X, in: "@JoseAlvarez", want: "josealvarez"},
		{p: providers.X, in: "https://twitter.com/JoseAlvarez/status/1", want: "josealvarez"},
		{p: providers.X, in: "x.com/home", err: true},
		{p: providers.X, in: "instagram.com/bob", err: true},
		{p: providers.Instagram, in: "https://www.instagram.com/bob.smith/", want: "bob.smith"},
		{p: providers.Facebook, in: "facebook.com/Bob.Smith.77", want: "bobsmith77"},
		{p: providers.Facebook, in: "https://www.facebook.com/profile.php?id=1000123", want: "1000123"},
		{p: providers.LinkedIn, in: "linkedin.com/in/bob-smith-123/", want: "bob-smith-123"},
		{p: providers.LinkedIn, in: "https://www.linkedin.com/company/acme", want: "company/acme"},
		{p: providers.Mastodon, in: "@Zoe_M@Mastodon.Social", want: "zoe_m@mastodon.social"},
		{p: providers.Mastodon, in: "https://fosstodon.org/@bob", want: "bob@fosstodon.org"},
		{p: providers.Mastodon, in: "https://hachyderm.io/users/ana", want: "ana@hachyderm.io"},
		{p: providers.Bluesky, in: "@ana", want: "ana.bsky.social"},
		{p: providers.Bluesky, in: "https://bsky.app/profile/ana.dev", want: "ana.dev"},
		{p: providers.Bluesky, in: "did:plc:abc123", want: "did:plc:abc123"},
		{p: providers.X, in: "bob smith", err: true},
	} {
		got, err := NormalizeHandle(tc.p, tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("NormalizeHandle(%s, %q) = %q, %v", tc.p, tc.in, got, err)
		}
	}
	if h, ok := ParseProfileURL("medium.com/@bob"); ok {
		t.Errorf("medium.com read as %v", h)
	}
	if w, err := NormalizeWebsite("https://www.Acme.com/Shop/?utm=1#top"); err != nil || w != "acme.com/shop" {
		t.Errorf("NormalizeWebsite = %q, %v", w, err)
	}
}

func TestHashes(t *testing.T) {
	// SHA-256 of "test@example.com" as published by the ad platforms'
	// customer-list guides.
	if got := HashEmail("test@example.com"); got != "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b" {
		t.Errorf("HashEmail = %s", got)
	}
	if HashPhone("+16505550123", PhoneDigits) != HashSHA256("16505550123") || HashPhone("+16505550123", PhoneE164) != HashSHA256("+16505550123") {
		t.Error("phone hash forms")
	}
}

func TestParseMoneyAndDates(t *testing.T) {
	for in, want := range map[string]float64{
		"1234.5": 1234.5, "$1,234.50": 1234.5, "1.234,50 €": 1234.5, "EUR 99": 99,
		"(12.00)": -12, "12,5": 12.5, "1,234": 1234, "£980": 980, "-3": -3,
	} {
		if got, err := parseMoney(in); err != nil || got != want {
			t.Errorf("parseMoney(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"abc", "12 34x5", "1/2"} {
		if _, err := parseMoney(bad); err == nil {
			t.Errorf("parseMoney(%q) accepted", bad)
		}
	}
	for _, tc := range []struct {
		in       string
		dayFirst bool
		want     string
	}{
		{"2025-03-14", false, "2025-03-14"},
		{"03/04/2025", false, "2025-03-04"},
		{"03/04/2025", true, "2025-04-03"},
		{"14/02/2025", false, "2025-02-14"},
		{"3 Feb 2025", false, "2025-02-03"},
		{"03.02.2025", false, "2025-02-03"},
	} {
		got, err := parseDate(tc.in, tc.dayFirst)
		if err != nil || got.Format("2006-01-02") != tc.want {
			t.Errorf("parseDate(%q, %v) = %v, %v", tc.in, tc.dayFirst, got, err)
		}
	}
}
