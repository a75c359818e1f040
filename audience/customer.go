package audience

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/rapportkit/rapport/providers"
)

// Customer is one customer of the business, as imported from a CRM export
// or built in code. Identifiers are kept in normalized form: emails
// lower-cased, phones in E.164, handles as NormalizeHandle returns them,
// websites as NormalizeWebsite returns them.
type Customer struct {
	// ID is the CRM's identifier; the importer uses "line:N" when the
	// input has no id column.
	ID string `json:"id"`
	// Line is the physical line where the customer's record starts in the
	// import (0 when built in code). A merged customer keeps its first line.
	Line int `json:"line,omitempty"`
	// Name is the full name as written (empty in hash-only mode).
	Name    string   `json:"name,omitempty"`
	Emails  []string `json:"emails,omitempty"`
	Phones  []string `json:"phones,omitempty"`
	Company string   `json:"company,omitempty"`
	City    string   `json:"city,omitempty"`
	// Country is an ISO 3166-1 alpha-2 code when the input named a known
	// country, otherwise the text as written.
	Country  string   `json:"country,omitempty"`
	Handles  []Handle `json:"handles,omitempty"`
	Websites []string `json:"websites,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	// Value is the customer's lifetime value in the CRM's currency.
	Value        float64   `json:"value,omitempty"`
	LastPurchase time.Time `json:"last_purchase,omitzero"`

	// Hashes are the SHA-256 hex digests of the normalized emails and
	// phones (HashEmail, HashPhone) and, in hash-only mode, of the handles
	// (HashHandle). The importer fills them; in hash-only mode they are
	// all that is kept of those identifiers.
	Hashes []HashedID `json:"hashes,omitempty"`
}

// HashedID is the SHA-256 hex digest of a normalized identifier.
type HashedID struct {
	// Field is FieldEmail, FieldPhone or HandleField(platform).
	Field Field  `json:"field"`
	Hash  string `json:"sha256"`
}

// HashesOf returns c's hashes of the field f, in order.
func (c *Customer) HashesOf(f Field) []string {
	var out []string
	for _, h := range c.Hashes {
		if h.Field == f {
			out = append(out, h.Hash)
		}
	}
	return out
}

func (c *Customer) addHash(f Field, hash string) {
	for _, h := range c.Hashes {
		if h.Field == f && h.Hash == hash {
			return
		}
	}
	c.Hashes = append(c.Hashes, HashedID{Field: f, Hash: hash})
}

// hasHash reports whether c has a hash of an email or phone.
func (c *Customer) hasContactHash() bool {
	for _, h := range c.Hashes {
		if h.Field == FieldEmail || h.Field == FieldPhone {
			return true
		}
	}
	return false
}

// HasContact reports whether c can be reached without social media: it
// has an email address or a phone number (raw or hashed).
func (c *Customer) HasContact() bool {
	return len(c.Emails) > 0 || len(c.Phones) > 0 || c.hasContactHash()
}

// HandleOn returns c's handle on platform p, if it has one.
func (c *Customer) HandleOn(p providers.Platform) (string, bool) {
	for _, h := range c.Handles {
		if h.Platform == p {
			return h.Handle, true
		}
	}
	return "", false
}

// Field is a customer attribute a column or key is read into.
type Field string

// Fields. A social handle field is HandleField(platform).
const (
	FieldID           Field = "id"
	FieldEmail        Field = "email"
	FieldPhone        Field = "phone"
	FieldName         Field = "name"
	FieldFirstName    Field = "first_name"
	FieldLastName     Field = "last_name"
	FieldCompany      Field = "company"
	FieldCity         Field = "city"
	FieldCountry      Field = "country"
	FieldWebsite      Field = "website"
	FieldTags         Field = "tags"
	FieldValue        Field = "value"
	FieldLastPurchase Field = "last_purchase"
	// FieldIgnore skips a column.
	FieldIgnore Field = "-"
	// FieldEmailHash and FieldPhoneHash read lists hashed upstream
	// (SHA-256 hex of the normalized value).
	FieldEmailHash Field = "email_sha256"
	FieldPhoneHash Field = "phone_sha256"
)

// HandleField is the field holding a handle on platform p.
func HandleField(p providers.Platform) Field { return Field("handle:" + string(p)) }

// Platform returns the platform of a handle field, or "" for other fields.
func (f Field) Platform() providers.Platform {
	if p, ok := strings.CutPrefix(string(f), "handle:"); ok {
		return providers.Platform(p)
	}
	return ""
}

func (f Field) valid() bool {
	switch f {
	case FieldID, FieldEmail, FieldPhone, FieldName, FieldFirstName, FieldLastName,
		FieldCompany, FieldCity, FieldCountry, FieldWebsite, FieldTags, FieldValue,
		FieldLastPurchase, FieldIgnore, FieldEmailHash, FieldPhoneHash:
		return true
	}
	return f.Platform() != ""
}

// headerKey folds a column header for comparison: lower case, letters and
// digits only ("E-mail Address" → "emailaddress").
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f && r != 0xfeff {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// defaultColumns maps folded headers of common CRM exports (HubSpot,
// Salesforce, Shopify, Mailchimp, Google Contacts, spreadsheets) to fields.
// Trailing digits are ignored ("Email 2" is an email).
var defaultColumns = map[string]Field{
	"id": FieldID, "customerid": FieldID, "contactid": FieldID, "recordid": FieldID,
	"clientid": FieldID, "externalid": FieldID, "crmid": FieldID, "userid": FieldID,
	"memberid": FieldID, "customernumber": FieldID, "accountid": FieldID, "uid": FieldID,

	"email": FieldEmail, "emailaddress": FieldEmail, "mail": FieldEmail, "primaryemail": FieldEmail,
	"workemail": FieldEmail, "personalemail": FieldEmail, "emails": FieldEmail,
	"secondaryemail": FieldEmail, "otheremail": FieldEmail, "businessemail": FieldEmail,
	"emailaddresses": FieldEmail, "homeemail": FieldEmail, "contactemail": FieldEmail,

	"phone": FieldPhone, "phonenumber": FieldPhone, "mobile": FieldPhone, "mobilephone": FieldPhone,
	"mobilenumber": FieldPhone, "cell": FieldPhone, "cellphone": FieldPhone, "telephone": FieldPhone,
	"tel": FieldPhone, "workphone": FieldPhone, "homephone": FieldPhone, "whatsapp": FieldPhone,
	"phones": FieldPhone, "primaryphone": FieldPhone, "businessphone": FieldPhone,
	"otherphone": FieldPhone, "mobilephonenumber": FieldPhone, "phonevalue": FieldPhone,

	"name": FieldName, "fullname": FieldName, "contactname": FieldName, "customername": FieldName,
	"displayname": FieldName, "contact": FieldName, "clientname": FieldName,
	"firstname": FieldFirstName, "first": FieldFirstName, "givenname": FieldFirstName,
	"forename": FieldFirstName, "fname": FieldFirstName,
	"lastname": FieldLastName, "last": FieldLastName, "surname": FieldLastName,
	"familyname": FieldLastName, "lname": FieldLastName,

	"company": FieldCompany, "companyname": FieldCompany, "organization": FieldCompany,
	"organisation": FieldCompany, "employer": FieldCompany, "accountname": FieldCompany,
	"business": FieldCompany, "org": FieldCompany, "organizationname": FieldCompany,

	"city": FieldCity, "town": FieldCity, "locality": FieldCity, "billingcity": FieldCity,
	"mailingcity": FieldCity, "shippingcity": FieldCity, "addresscity": FieldCity,
	"defaultaddresscity": FieldCity,
	"country":            FieldCountry, "countrycode": FieldCountry, "billingcountry": FieldCountry,
	"mailingcountry": FieldCountry, "shippingcountry": FieldCountry, "addresscountry": FieldCountry,
	"defaultaddresscountry": FieldCountry, "countryregion": FieldCountry,

	"website": FieldWebsite, "url": FieldWebsite, "web": FieldWebsite, "homepage": FieldWebsite,
	"site": FieldWebsite, "websiteurl": FieldWebsite, "webpage": FieldWebsite,

	"tags": FieldTags, "tag": FieldTags, "labels": FieldTags, "label": FieldTags,
	"segments": FieldTags, "groups": FieldTags, "lists": FieldTags, "groupmembership": FieldTags,

	"lifetimevalue": FieldValue, "ltv": FieldValue, "totalspent": FieldValue, "totalspend": FieldValue,
	"revenue": FieldValue, "value": FieldValue, "clv": FieldValue, "customerlifetimevalue": FieldValue,
	"totalsales": FieldValue, "totalrevenue": FieldValue, "amountspent": FieldValue,

	"lastpurchase": FieldLastPurchase, "lastpurchasedate": FieldLastPurchase,
	"lastorder": FieldLastPurchase, "lastorderdate": FieldLastPurchase,
	"lastordered": FieldLastPurchase, "lastorderat": FieldLastPurchase,
	"lastpurchaseat": FieldLastPurchase, "lastpurchased": FieldLastPurchase,

	"emailsha": FieldEmailHash, "emailhash": FieldEmailHash, "hashedemail": FieldEmailHash,
	"phonesha": FieldPhoneHash, "phonehash": FieldPhoneHash, "hashedphone": FieldPhoneHash,

	"twitter": HandleField(providers.X), "x": HandleField(providers.X),
	"twitterhandle": HandleField(providers.X), "xhandle": HandleField(providers.X),
	"twitterusername": HandleField(providers.X), "xusername": HandleField(providers.X),
	"twitterurl": HandleField(providers.X), "xtwitter": HandleField(providers.X),
	"twitterx": HandleField(providers.X), "xurl": HandleField(providers.X),
	"instagram": HandleField(providers.Instagram), "ig": HandleField(providers.Instagram),
	"instagramhandle": HandleField(providers.Instagram), "instagramusername": HandleField(providers.Instagram),
	"instagramurl": HandleField(providers.Instagram), "insta": HandleField(providers.Instagram),
	"mastodon": HandleField(providers.Mastodon), "fediverse": HandleField(providers.Mastodon),
	"mastodonhandle": HandleField(providers.Mastodon), "mastodonurl": HandleField(providers.Mastodon),
	"bluesky": HandleField(providers.Bluesky), "bsky": HandleField(providers.Bluesky),
	"blueskyhandle": HandleField(providers.Bluesky), "blueskyurl": HandleField(providers.Bluesky),
	"facebook": HandleField(providers.Facebook), "fb": HandleField(providers.Facebook),
	"facebookurl": HandleField(providers.Facebook), "facebookprofile": HandleField(providers.Facebook),
	"linkedin": HandleField(providers.LinkedIn), "linkedinurl": HandleField(providers.LinkedIn),
	"linkedinprofile": HandleField(providers.LinkedIn),
}

// lookupColumn returns the field for a folded header key.
func lookupColumn(user map[string]Field, key string) (Field, bool) {
	if f, ok := user[key]; ok {
		return f, true
	}
	if f, ok := defaultColumns[key]; ok {
		return f, true
	}
	trimmed := strings.TrimRight(key, "0123456789")
	if trimmed != key && trimmed != "" {
		if f, ok := user[trimmed]; ok {
			return f, true
		}
		if f, ok := defaultColumns[trimmed]; ok {
			return f, true
		}
	}
	return "", false
}

// countryTable maps folded English country names and ISO codes to ISO
// 3166-1 alpha-2 codes, built from golang.org/x/text's region data.
type countryTable struct {
	byName map[string]string
	names  map[string]string // code → folded English name
}

var countries = sync.OnceValue(func() *countryTable {
	t := &countryTable{byName: map[string]string{}, names: map[string]string{}}
	namer := display.English.Regions()
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			r, err := language.ParseRegion(code)
			if err != nil || !r.IsCountry() || r.Canonicalize().String() != code {
				continue
			}
			name := namer.Name(r)
			if name == "" || name == code {
				continue
			}
			folded := strings.Join(NameTokens(name), " ")
			if _, dup := t.byName[folded]; !dup {
				t.byName[folded] = code
			}
			t.names[code] = folded
		}
	}
	for alias, code := range map[string]string{
		"usa": "US", "united states of america": "US", "us": "US", "america": "US",
		"uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
		"northern ireland": "GB", "holland": "NL", "the netherlands": "NL",
		"deutschland": "DE", "espana": "ES", "italia": "IT", "brasil": "BR",
		"suisse": "CH", "schweiz": "CH", "osterreich": "AT", "mexico": "MX",
		"south korea": "KR", "korea": "KR", "russia": "RU", "czech republic": "CZ",
		"uae": "AE", "ivory coast": "CI",
	} {
		t.byName[alias] = code
	}
	return t
})

// normalizeCountry returns the ISO code of a country name or code, or the
// trimmed input when it names no known country.
func normalizeCountry(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	t := countries()
	if len(s) == 2 && isASCII(s) {
		up := strings.ToUpper(s)
		if _, ok := t.names[up]; ok {
			return up
		}
	}
	if len(s) == 3 && isASCII(s) {
		if r, err := language.ParseRegion(s); err == nil && r.IsCountry() {
			if c := r.String(); len(c) == 2 {
				return c
			}
		}
	}
	if code, ok := t.byName[strings.Join(NameTokens(s), " ")]; ok {
		return code
	}
	return s
}

// countryName returns the folded English name of an ISO code ("" if
// unknown).
func countryName(code string) string { return countries().names[code] }
