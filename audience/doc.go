// Package audience knows a business's audience: it imports the customer
// list, matches followers (and, where a platform lists no followers, the
// people who engage) against it, and reports who follows where.
//
// # Import
//
// An Importer reads CSV (header mapped by name, with defaults for common
// CRM exports such as "E-mail Address", "Mobile", "First Name", "Twitter",
// "Lifetime Value"; WithColumns overrides them) in UTF-8 with or without a
// byte order mark, with ',', ';', tab or '|' separators (sniffed from the
// header), and JSON Lines. Records stream through Import or Records
// without the file being held in memory; ReadAll also merges duplicates
// (same id, email or phone). Every rejected record is reported with the
// physical line where it starts, the field and the reason; every other
// record is kept.
//
// A value that cannot be read (an invalid email, a phone too short, an
// unknown date) is dropped with a warning and the record kept, as long as
// the record still identifies someone: an email, a phone, a social handle
// or a full name of at least two words. A record with none of these is
// rejected, with the first invalid identifying value as the reason when
// there is one. So a row with an invalid email but a valid phone is kept
// without its email. WithStrict rejects every record with an invalid value
// instead. A CSV record with fewer fields than the header, or with more
// non-empty fields, is rejected.
//
// # Normalization and hashing
//
// NormalizeEmail trims and lower-cases (Gmail's dot and plus rules only with
// WithGmailRules); PhoneNormalizer produces E.164 using
// github.com/nyaruka/phonenumbers with a default region; NameTokens and
// CanonicalName fold case (Unicode case folding), strip accents and
// punctuation, drop titles, and map common nicknames; NormalizeHandle turns
// handles and profile URLs of X, Instagram, Facebook, LinkedIn, Mastodon
// and Bluesky into canonical handles.
//
// Imported emails and phones are also hashed (Customer.Hashes): SHA-256 hex
// of the normalized value, the scheme of Meta, Google and X customer-list
// matching. Emails are hashed trimmed and lower-cased. Phones are hashed as
// E.164 digits without "+" (Meta's form) by default, or with "+" (Google's)
// with WithPhoneHashForm(PhoneE164). WithHashOnly keeps only the hashes
// (handles hashed too) so no raw personal data leaves the import.
//
// # Matching
//
// A Matcher indexes the customers. Exact keys come first: the handle a
// customer listed for the account's platform, the account's email and
// phone where the platform exposes them, and the links in its profile (a
// profile URL the customer listed, the customer's website). Then accounts
// are compared with the customers that share a blocking key (phonetic codes
// of name tokens, user names), which keeps the cost near-linear, and scored
// on names, city and country, company, bio keywords and user names on other
// platforms. Each Match has a confidence in [0,1] and an explanation of its
// evidence; WithThreshold sets the minimum confidence.
//
// A Survey collects accounts across platforms (AddProviderFollowers reads a
// provider's followers, AddEngagers the authors of interactions) and
// resolves them: an account matches at most one customer; a customer may be
// matched on several platforms. Its Result gives the segments (customers
// who follow per platform, prospects, customers on no platform), and
// Summary ranks the platforms by the share and the value of the customers
// present and counts the overlap between platforms. Results export as CSV
// and JSON.
package audience
