package audience

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
)

// WriteMatchesCSV writes matches as CSV: customer_id, customer_name,
// platform, handle, account_id, display_name, follower, engagements,
// confidence, exact, explanation. customers is the list the matches index
// into (Result.Customers).
func WriteMatchesCSV(w io.Writer, matches []Match, customers []Customer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"customer_id", "customer_name", "platform", "handle", "account_id",
		"display_name", "follower", "engagements", "confidence", "exact", "explanation"})
	for _, m := range matches {
		name := ""
		if m.Customer >= 0 && m.Customer < len(customers) {
			name = customers[m.Customer].Name
		}
		_ = cw.Write([]string{m.CustomerID, name, string(m.Account.Platform), m.Account.Handle,
			m.Account.ID, m.Account.DisplayName, strconv.FormatBool(m.Account.Follower),
			strconv.Itoa(m.Account.Engagements), strconv.FormatFloat(m.Confidence, 'f', 3, 64),
			strconv.FormatBool(m.Exact), m.Explanation()})
	}
	cw.Flush()
	return cw.Error()
}

// WriteCustomersCSV writes customers as CSV, for instance the customers on
// no platform to invite by email: id, name, email, phone, email_sha256,
// phone_sha256, company, city, country, tags, value, last_purchase. Several
// emails or phones are joined with "; ". Customers imported in hash-only
// mode have empty raw columns.
func WriteCustomersCSV(w io.Writer, customers []Customer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "name", "email", "phone", "email_sha256", "phone_sha256",
		"company", "city", "country", "tags", "value", "last_purchase"})
	for i := range customers {
		c := &customers[i]
		last := ""
		if !c.LastPurchase.IsZero() {
			last = c.LastPurchase.Format(time.DateOnly)
		}
		value := ""
		if c.Value != 0 {
			value = strconv.FormatFloat(c.Value, 'f', 2, 64)
		}
		_ = cw.Write([]string{c.ID, c.Name, strings.Join(c.Emails, "; "), strings.Join(c.Phones, "; "),
			strings.Join(c.HashesOf(FieldEmail), "; "), strings.Join(c.HashesOf(FieldPhone), "; "),
			c.Company, c.City, c.Country, strings.Join(c.Tags, "; "), value, last})
	}
	cw.Flush()
	return cw.Error()
}

// WriteAccountsCSV writes accounts (prospects) as CSV: platform, id,
// handle, display_name, follower, engagements.
func WriteAccountsCSV(w io.Writer, accounts []AccountRef) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"platform", "id", "handle", "display_name", "follower", "engagements"})
	for _, a := range accounts {
		_ = cw.Write([]string{string(a.Platform), a.ID, a.Handle, a.DisplayName,
			strconv.FormatBool(a.Follower), strconv.Itoa(a.Engagements)})
	}
	cw.Flush()
	return cw.Error()
}

// WritePlatformsCSV writes the platform ranking as CSV: rank, platform,
// accounts, followers, engagers, customers, customer_share,
// audience_share, value, value_share, exclusive, score.
func WritePlatformsCSV(w io.Writer, stats []PlatformStats) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"rank", "platform", "accounts", "followers", "engagers", "customers",
		"customer_share", "audience_share", "value", "value_share", "exclusive", "score"})
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	for _, s := range stats {
		_ = cw.Write([]string{strconv.Itoa(s.Rank), string(s.Platform), strconv.Itoa(s.Accounts),
			strconv.Itoa(s.Followers), strconv.Itoa(s.Engagers), strconv.Itoa(s.Customers),
			f(s.CustomerShare), f(s.AudienceShare), strconv.FormatFloat(s.Value, 'f', 2, 64),
			f(s.ValueShare), strconv.Itoa(s.Exclusive), f(s.Score)})
	}
	cw.Flush()
	return cw.Error()
}

// Export is the whole result as one JSON document.
type Export struct {
	Summary          Summary      `json:"summary"`
	Matches          []Match      `json:"matches"`
	Prospects        []AccountRef `json:"prospects"`
	NotOnAnyPlatform []Customer   `json:"not_on_any_platform"`
}

// WriteJSON writes the result (summary, matches, prospects and customers
// on no platform) as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	doc := Export{Summary: r.Summary(), Matches: r.Matches, Prospects: r.Prospects(), NotOnAnyPlatform: r.NotOnAnyPlatform()}
	if doc.Matches == nil {
		doc.Matches = []Match{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
