package audience

import (
	"fmt"
	"log/slog"
	"maps"
	"strings"
)

// Option configures an Importer or a Matcher. Options that do not concern
// the value being built are ignored by it, so one option list can serve
// both; their order never matters.
type Option func(*config) error

type config struct {
	region     string
	phoneCheck PhoneCheck
	phoneHash  PhoneHashForm
	gmail      bool
	hashOnly   bool
	logger     *slog.Logger

	// import
	format    Format
	separator rune
	columns   map[string]Field
	dayFirst  bool
	strict    bool
	maxIssues int
	onIssue   func(Issue)
	workers   int

	// matching
	threshold float64
	fuzzy     bool
	nicknames map[string]string
	maxBlock  int
}

func newConfig(opts []Option) (*config, error) {
	c := &config{
		maxIssues: 10000,
		threshold: DefaultThreshold,
		fuzzy:     true,
		maxBlock:  200,
		workers:   2,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// WithRegion sets the region (ISO 3166-1 alpha-2, e.g. "US", "GB") used
// for phone numbers written without a country code. Without it such
// numbers are dropped with a warning.
func WithRegion(region string) Option {
	return func(c *config) error {
		region = strings.ToUpper(strings.TrimSpace(region))
		if len(region) != 2 {
			return fmt.Errorf("audience: region %q is not a two-letter code", region)
		}
		c.region = region
		return nil
	}
}

// WithPhoneCheck sets how strictly phone numbers are checked (default
// PhonePossible).
func WithPhoneCheck(check PhoneCheck) Option {
	return func(c *config) error {
		if check != PhonePossible && check != PhoneValid {
			return fmt.Errorf("audience: unknown phone check %d", check)
		}
		c.phoneCheck = check
		return nil
	}
}

// WithPhoneHashForm sets which text of a phone number is hashed (default
// PhoneDigits, Meta's form).
func WithPhoneHashForm(form PhoneHashForm) Option {
	return func(c *config) error {
		if form != PhoneDigits && form != PhoneE164 {
			return fmt.Errorf("audience: unknown phone hash form %d", form)
		}
		c.phoneHash = form
		return nil
	}
}

// WithGmailRules makes email normalization apply Gmail's rules (dots and
// "+tag" in the local part ignored, googlemail.com = gmail.com). Off by
// default, because the ad platforms hash the address as written.
func WithGmailRules() Option {
	return func(c *config) error { c.gmail = true; return nil }
}

// WithHashOnly keeps only hashes of emails, phones and handles (see
// Customer.Hashes) and drops names, company, city and websites at
// import, so that no raw personal data leaves the import. Customers
// imported this way can only be matched exactly (by email, phone or handle
// hash); reports and exports show hashes.
func WithHashOnly() Option {
	return func(c *config) error { c.hashOnly = true; return nil }
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithFormat sets the input format (default FormatAuto).
func WithFormat(f Format) Option {
	return func(c *config) error {
		switch f {
		case FormatAuto, FormatCSV, FormatJSONLines:
			c.format = f
			return nil
		}
		return fmt.Errorf("audience: unknown format %d", f)
	}
}

// WithSeparator sets the CSV field separator (',', ';', '\t' or '|');
// without it the separator is sniffed from the header line.
func WithSeparator(sep rune) Option {
	return func(c *config) error {
		switch sep {
		case ',', ';', '\t', '|':
			c.separator = sep
			return nil
		}
		return fmt.Errorf("audience: unsupported separator %q", sep)
	}
}

// WithColumns maps column headers (CSV) or keys (JSON Lines) to fields,
// overriding the built-in mapping for those headers. Headers are compared
// ignoring case, spaces and punctuation. Map a header to FieldIgnore to
// skip a column the built-in mapping would read.
func WithColumns(m map[string]Field) Option {
	return func(c *config) error {
		if c.columns == nil {
			c.columns = map[string]Field{}
		}
		for h, f := range m {
			if !f.valid() {
				return fmt.Errorf("audience: column %q mapped to unknown field %q", h, f)
			}
			c.columns[headerKey(h)] = f
		}
		return nil
	}
}

// WithDayFirst reads slash dates such as 03/04/2025 as day/month/year
// (3 April). The default is month/day/year, as in US CRM exports.
// Unambiguous forms (2025-04-03, 3 Apr 2025) are read either way.
func WithDayFirst() Option {
	return func(c *config) error { c.dayFirst = true; return nil }
}

// WithStrict rejects every row with an invalid value instead of dropping
// the value with a warning.
func WithStrict() Option {
	return func(c *config) error { c.strict = true; return nil }
}

// WithMaxIssues caps how many rejects and warnings the Report keeps
// (default 10,000 of each); counts stay exact. Use WithIssueHandler to see
// every one.
func WithMaxIssues(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("audience: negative issue cap %d", n)
		}
		c.maxIssues = n
		return nil
	}
}

// WithIssueHandler calls fn for every reject and warning, in input order.
func WithIssueHandler(fn func(Issue)) Option {
	return func(c *config) error { c.onIssue = fn; return nil }
}

// WithWorkers sets how many goroutines normalize and hash imported rows and
// match accounts (default 2). Output order does not depend on it.
func WithWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("audience: workers must be at least 1, got %d", n)
		}
		c.workers = n
		return nil
	}
}

// DefaultThreshold is the default minimum confidence of a match.
const DefaultThreshold = 0.8

// WithThreshold sets the minimum confidence, in (0,1], a match needs to be
// kept (default DefaultThreshold).
func WithThreshold(t float64) Option {
	return func(c *config) error {
		if !(t > 0 && t <= 1) {
			return fmt.Errorf("audience: threshold %v not in (0,1]", t)
		}
		c.threshold = t
		return nil
	}
}

// WithoutFuzzy limits matching to exact keys (handles, emails, phones,
// profile links and websites).
func WithoutFuzzy() Option {
	return func(c *config) error { c.fuzzy = false; return nil }
}

// WithNicknames adds nickname → formal name entries to the built-in table
// (see Nickname); keys and values are folded with NameTokens.
func WithNicknames(m map[string]string) Option {
	return func(c *config) error {
		if c.nicknames == nil {
			c.nicknames = maps.Clone(nicknames)
		}
		for k, v := range m {
			kt, vt := NameTokens(k), NameTokens(v)
			if len(kt) != 1 || len(vt) != 1 {
				return fmt.Errorf("audience: nickname %q → %q must be single names", k, v)
			}
			c.nicknames[kt[0]] = vt[0]
		}
		return nil
	}
}

// WithMaxBlock caps how many customers one blocking key may gather before
// it is too common to be used alone (default 200). Higher values find a
// few more matches among very common names at a higher cost.
func WithMaxBlock(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("audience: max block must be at least 1, got %d", n)
		}
		c.maxBlock = n
		return nil
	}
}
