package audience

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// Matcher matches social accounts against a customer list. Build one with
// NewMatcher; it indexes the customers once and is then safe for concurrent
// use. Survey uses it to match whole follower lists with the rule that an
// account matches at most one customer.
//
// Matching runs in two stages. Exact keys come first: an account's handle
// against the handles customers listed for that platform, its email and
// phone where the platform exposes them, and the links in its profile
// (another platform's profile URL the customer listed, the customer's
// website). Then, unless WithoutFuzzy, customers that share a blocking key
// with the account (a pair of phonetic codes of name tokens, or a handle's
// user name) are scored on the evidence: name similarity (Jaro-Winkler per
// token, order-insensitive, nicknames and accents folded, initials), city
// and country in the account's location, company and tags in its bio, the
// same or a similar user name on another platform, a handle that spells the
// name. Each piece of evidence adds a weight to the log-odds of a match,
// starting from a prior of -5; the confidence is the logistic of the sum.
// A customer that is nearly as good as the best one lowers the confidence.
type Matcher struct {
	cfg       *config
	customers []Customer
	phones    *PhoneNormalizer
	nick      map[string]string

	// Exact keys, indexed without copying them (see keyIndex).
	emails, emailHashes *keyIndex
	phoneIdx, phoneHash *keyIndex
	websites            *keyIndex
	handles             map[providers.Platform]*keyIndex
	handleHashes        map[providers.Platform]*keyIndex
	// mastodonLocal indexes Mastodon handles listed without an instance.
	mastodonLocal *keyIndex
	// multi holds the customers of keys shared by several customers: a
	// negative index value v stands for multi[-v-1].
	multi [][]int32

	feats  []features
	blocks map[string][]int32
	// nameCount counts customers per canonical full name, lastCount per
	// family name (the last token of the name as written).
	nameCount, lastCount map[string]int32
	// cities holds the folded names of the customers' cities, to recognize
	// a city in an account's location.
	cities map[string]bool
	// cityWords is the largest number of tokens of a city name.
	cityWords int
}

// features are what fuzzy matching compares, per customer.
type features struct {
	tokens  []string // canonical name tokens (nicknames mapped)
	raw     []string // the same before nickname mapping
	key     string   // sorted canonical tokens
	city    []string
	country string
	company []string
	tags    []string
	locals  []localHandle // user names of the customer's handles
}

type localHandle struct {
	platform providers.Platform
	handle   string // as normalized
	local    string // letters and digits of the user name
}

// NewMatcher indexes customers for matching. The slice is kept, not
// copied: do not modify it while the Matcher is in use.
func NewMatcher(customers []Customer, opts ...Option) (*Matcher, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	pn, err := NewPhoneNormalizer(cfg.region, cfg.phoneCheck)
	if err != nil {
		return nil, err
	}
	m := &Matcher{
		cfg:          cfg,
		customers:    customers,
		phones:       pn,
		nick:         cfg.nicknames,
		handles:      map[providers.Platform]*keyIndex{},
		handleHashes: map[providers.Platform]*keyIndex{},
	}
	if m.nick == nil {
		m.nick = nicknames
	}
	m.buildKeyIndexes(0xffff)
	n := len(customers)
	if cfg.fuzzy {
		m.feats = make([]features, n)
		m.blocks = map[string][]int32{}
		m.nameCount = map[string]int32{}
		m.lastCount = map[string]int32{}
		for i := range customers {
			m.indexFeatures(int32(i), &customers[i])
		}
	}
	return m, nil
}

// Values of a customer at an ordinal, one function per kind of exact key.
func emailAt(c *Customer, i int) string   { return c.Emails[i] }
func phoneAt(c *Customer, i int) string   { return c.Phones[i] }
func websiteAt(c *Customer, i int) string { return c.Websites[i] }
func handleAt(c *Customer, i int) string  { return c.Handles[i].Handle }
func hashAt(c *Customer, i int) string    { return c.Hashes[i].Hash }

// buildKeyIndexes indexes the customers' exact keys: emails and phones
// (hashes of them for customers that have them only hashed), websites,
// and handles per platform (raw, or hashed in hash-only lists). fragMask
// selects the hash bits the slots keep (0xffff).
func (m *Matcher) buildKeyIndexes(fragMask uint64) {
	customers := m.customers
	// Count the keys of each kind first, so that no table grows.
	var nEmail, nPhone, nWeb, nEmailHash, nPhoneHash, nLocal int
	nHandle := map[providers.Platform]int{}
	nHandleHash := map[providers.Platform]int{}
	for i := range customers {
		c := &customers[i]
		nEmail += len(c.Emails)
		nPhone += len(c.Phones)
		nWeb += len(c.Websites)
		for _, h := range c.Hashes {
			switch {
			case h.Field == FieldEmail && len(c.Emails) == 0:
				nEmailHash++
			case h.Field == FieldPhone && len(c.Phones) == 0:
				nPhoneHash++
			case h.Field.Platform() != "":
				nHandleHash[h.Field.Platform()]++
			}
		}
		for _, h := range c.Handles {
			if h.Platform == providers.Mastodon && !strings.Contains(h.Handle, "@") {
				nLocal++
			} else {
				nHandle[h.Platform]++
			}
		}
	}
	seed := maphash.MakeSeed()
	newIndex := func(n int, key func(*Customer, int) string) *keyIndex {
		if n == 0 {
			return nil
		}
		return newKeyIndex(seed, n, fragMask, key)
	}
	m.emails = newIndex(nEmail, emailAt)
	m.phoneIdx = newIndex(nPhone, phoneAt)
	m.websites = newIndex(nWeb, websiteAt)
	m.emailHashes = newIndex(nEmailHash, hashAt)
	m.phoneHash = newIndex(nPhoneHash, hashAt)
	m.mastodonLocal = newIndex(nLocal, handleAt)
	for p, n := range nHandle {
		m.handles[p] = newIndex(n, handleAt)
	}
	for p, n := range nHandleHash {
		m.handleHashes[p] = newIndex(n, hashAt)
	}
	for i := range customers {
		c := &customers[i]
		ci := int32(i)
		for j, e := range c.Emails {
			m.put(m.emails, e, j, ci)
		}
		for j, p := range c.Phones {
			m.put(m.phoneIdx, p, j, ci)
		}
		// Hashes are indexed for the identifiers kept only hashed.
		for j, h := range c.Hashes {
			switch {
			case h.Field == FieldEmail && len(c.Emails) == 0:
				m.put(m.emailHashes, h.Hash, j, ci)
			case h.Field == FieldPhone && len(c.Phones) == 0:
				m.put(m.phoneHash, h.Hash, j, ci)
			case h.Field.Platform() != "":
				m.put(m.handleHashes[h.Field.Platform()], h.Hash, j, ci)
			}
		}
		for j, w := range c.Websites {
			m.put(m.websites, w, j, ci)
		}
		for j, h := range c.Handles {
			if h.Platform == providers.Mastodon && !strings.Contains(h.Handle, "@") {
				m.put(m.mastodonLocal, h.Handle, j, ci)
				continue
			}
			m.put(m.handles[h.Platform], h.Handle, j, ci)
		}
	}
}

// Customers returns the indexed customers.
func (m *Matcher) Customers() []Customer { return m.customers }

// Threshold returns the minimum confidence of a match.
func (m *Matcher) Threshold() float64 { return m.cfg.threshold }

func (m *Matcher) canonical(toks []string) []string {
	for i, t := range toks {
		if c, ok := m.nick[t]; ok {
			toks[i] = c
		}
	}
	return toks
}

func (m *Matcher) indexFeatures(ci int32, c *Customer) {
	f := &m.feats[ci]
	if c.Name != "" {
		f.raw = NameTokens(c.Name)
		if len(f.raw) > 5 {
			f.raw = f.raw[:5]
		}
		f.tokens = m.canonical(slices.Clone(f.raw))
		sorted := slices.Clone(f.tokens)
		slices.Sort(sorted)
		f.key = strings.Join(sorted, " ")
		if len(f.tokens) >= 2 {
			m.nameCount[f.key]++
			m.lastCount[f.tokens[len(f.tokens)-1]]++
		}
		for _, k := range nameBlockKeys(nil, f.tokens) {
			m.addBlock(k, ci)
		}
	}
	if c.City != "" {
		f.city = NameTokens(c.City)
		if len(f.city) > 0 {
			if m.cities == nil {
				m.cities = map[string]bool{}
			}
			m.cities[strings.Join(f.city, " ")] = true
			m.cityWords = max(m.cityWords, len(f.city))
		}
	}
	f.country = c.Country
	if c.Company != "" {
		f.company = companyTokens(c.Company)
	}
	for _, t := range c.Tags {
		toks := NameTokens(t)
		if len(toks) == 1 && len(toks[0]) >= 4 {
			f.tags = append(f.tags, toks[0])
		}
	}
	for _, e := range c.Emails {
		user, _, _ := strings.Cut(e, "@")
		local := handleLocal("", user)
		if len(local) < 5 {
			continue
		}
		f.locals = append(f.locals, localHandle{platform: "email", handle: e, local: local})
		m.addBlock("h:"+local, ci)
	}
	for _, h := range c.Handles {
		local := handleLocal(h.Platform, h.Handle)
		if len(local) < 3 {
			continue
		}
		f.locals = append(f.locals, localHandle{platform: h.Platform, handle: h.Handle, local: local})
		m.addBlock("h:"+local, ci)
	}
}

func (m *Matcher) addBlock(key string, ci int32) {
	list := m.blocks[key]
	if len(list) > 0 && list[len(list)-1] == ci {
		return
	}
	m.blocks[key] = append(list, ci)
}

// nameBlockKeys appends the blocking keys of canonical name tokens: the
// sorted Soundex codes of every pair of tokens ("n:R163 S530"), and of
// every single token ("t:S530", used only when its block is small), and
// of one token's code with the first letters of another ("p:R163 sm").
func nameBlockKeys(dst []string, toks []string) []string {
	codes := make([]string, 0, len(toks))
	for _, t := range toks {
		if len(t) >= 2 {
			codes = append(codes, soundex(t))
		}
	}
	// A typo can change a Soundex code: also pair each code with the
	// first two letters of every other token.
	for i, t := range toks {
		if len(t) < 2 {
			continue
		}
		for j, u := range toks {
			if j != i && len(u) >= 3 {
				dst = append(dst, "p:"+soundex(t)+" "+u[:2])
			}
		}
	}
	for i := 0; i < len(codes); i++ {
		dst = append(dst, "t:"+codes[i])
		for j := i + 1; j < len(codes); j++ {
			a, b := codes[i], codes[j]
			if b < a {
				a, b = b, a
			}
			dst = append(dst, "n:"+a+" "+b)
		}
	}
	return dst
}

// knownCityIn returns the first city of the customer list named in the
// location tokens ("" if none).
func (m *Matcher) knownCityIn(loc []string) string {
	for n := min(m.cityWords, len(loc)); n >= 1; n-- {
		for i := 0; i+n <= len(loc); i++ {
			if name := strings.Join(loc[i:i+n], " "); m.cities[name] {
				return name
			}
		}
	}
	return ""
}

// legalSuffixes are dropped from company names before comparison.
var legalSuffixes = map[string]bool{
	"inc": true, "ltd": true, "llc": true, "gmbh": true, "sa": true, "sas": true,
	"sarl": true, "bv": true, "nv": true, "ag": true, "plc": true, "co": true,
	"corp": true, "corporation": true, "company": true, "limited": true, "srl": true,
	"spa": true, "ab": true, "as": true, "oy": true, "pty": true, "the": true, "and": true,
}

func companyTokens(s string) []string {
	var out []string
	for _, t := range NameTokens(s) {
		if !legalSuffixes[t] {
			out = append(out, t)
		}
	}
	return out
}

// handleLocal returns the letters and digits of a handle's user name:
// "bob.smith" → "bobsmith", Mastodon "zoe_m@mastodon.social" → "zoem",
// Bluesky "ana.bsky.social" → "ana" (the first label of the domain),
// LinkedIn "company/acme" → "acme". DIDs have none.
func handleLocal(p providers.Platform, h string) string {
	switch p {
	case providers.Mastodon:
		if i := strings.IndexByte(h, '@'); i >= 0 {
			h = h[:i]
		}
	case providers.Bluesky:
		if strings.HasPrefix(h, "did:") {
			return ""
		}
		if i := strings.IndexByte(h, '.'); i >= 0 {
			h = h[:i]
		}
	case providers.LinkedIn:
		if i := strings.LastIndexByte(h, '/'); i >= 0 {
			h = h[i+1:]
		}
	}
	clean := true
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			clean = false
			break
		}
	}
	if clean {
		return h
	}
	b := make([]byte, 0, len(h))
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}

// logistic maps log-odds to a probability.
func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// logit maps a probability to log-odds.
func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// round3 rounds to three decimals, so confidences print and compare
// stably.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
