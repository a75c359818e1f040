package audience

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// EvidenceKind names one kind of evidence for a match.
type EvidenceKind string

// Evidence kinds. The first five are exact keys.
const (
	EvidenceEmail       EvidenceKind = "email"        // the account's email is the customer's
	EvidencePhone       EvidenceKind = "phone"        // the account's phone is the customer's
	EvidenceHandle      EvidenceKind = "handle"       // the customer listed this very handle
	EvidenceProfileLink EvidenceKind = "profile_link" // the profile links to a handle the customer listed on another platform
	EvidenceWebsite     EvidenceKind = "website"      // the profile links to the customer's website
	EvidenceName        EvidenceKind = "name"         // names compared (positive or negative weight)
	EvidenceCity        EvidenceKind = "city"         // the location names the customer's city
	EvidenceCountry     EvidenceKind = "country"      // the location names the customer's country
	EvidenceLocation    EvidenceKind = "location"     // the location does not fit the customer's
	EvidenceCompany     EvidenceKind = "company"      // the bio or name mentions the customer's company
	EvidenceKeyword     EvidenceKind = "keyword"      // the bio mentions one of the customer's tags
	EvidenceOtherHandle EvidenceKind = "other_handle" // same or similar user name as a handle the customer listed elsewhere
	EvidenceHandleName  EvidenceKind = "handle_name"  // the handle spells the customer's name
	EvidenceAmbiguous   EvidenceKind = "ambiguous"    // another customer fits almost as well
)

// Evidence is one reason for (or against) a match.
type Evidence struct {
	Kind EvidenceKind `json:"kind"`
	// Detail says what was compared, in words.
	Detail string `json:"detail"`
	// Weight is the evidence's contribution to the log-odds of the match.
	Weight float64 `json:"weight"`
}

// AccountRef is the part of an account that results keep.
type AccountRef struct {
	Platform    providers.Platform `json:"platform"`
	ID          string             `json:"id"`
	Handle      string             `json:"handle"`
	DisplayName string             `json:"display_name,omitempty"`
	// Follower is set when the account follows the business.
	Follower bool `json:"follower"`
	// Engagements counts the account's interactions seen.
	Engagements int `json:"engagements,omitempty"`
}

func refOf(a *providers.Account) AccountRef {
	return AccountRef{Platform: a.Platform, ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName}
}

// Match is an account matched to a customer.
type Match struct {
	// Customer is the customer's index in Matcher.Customers.
	Customer   int        `json:"-"`
	CustomerID string     `json:"customer_id"`
	Account    AccountRef `json:"account"`
	// Confidence is the probability, in [0,1], that the account belongs to
	// the customer: exactly 1 for a matching email, phone or listed handle.
	Confidence float64 `json:"confidence"`
	// Exact is set when an exact key matched (email, phone, handle,
	// profile link, website).
	Exact    bool       `json:"exact"`
	Evidence []Evidence `json:"evidence"`
}

// Explanation describes the evidence in words, strongest first.
func (m Match) Explanation() string {
	parts := make([]string, 0, len(m.Evidence))
	for _, e := range m.Evidence {
		parts = append(parts, e.text())
	}
	return strings.Join(parts, "; ")
}

func (e Evidence) text() string {
	switch e.Kind {
	case EvidenceEmail:
		return "same email address"
	case EvidencePhone:
		return "same phone number"
	case EvidenceHandle:
		return "the customer lists this handle (@" + e.Detail + ")"
	}
	return e.Detail
}

// MarshalJSON adds the explanation to the encoded match.
func (m Match) MarshalJSON() ([]byte, error) {
	type plain Match
	return json.Marshal(struct {
		plain
		Explanation string `json:"explanation"`
	}{plain(m), m.Explanation()})
}

// Weights of evidence, in log-odds.
const (
	priorLogOdds    = -5.0
	weightExact     = 30.0 // email, phone, listed handle
	weightProfile   = 9.0
	weightWebsite   = 6.0
	weightCity      = 2.5
	weightCountry   = 1.5
	weightWrongLoc  = -1.5
	weightOtherCity = -2.0
	weightNoCity    = -0.5
	weightCompany   = 2.0
	weightKeyword   = 0.5
	weightSameLocal = 4.0
	weightLikeLocal = 2.0
	weightEmailUser = 3.0
	weightHandleNm  = 1.5
)

// probe is an account prepared for matching.
type probe struct {
	acct     *providers.Account
	handle   string
	local    string
	email    string
	phone    string
	links    []Handle
	webs     []string
	tokens   []string // canonical name tokens of the display name
	raw      []string // the same before nickname mapping
	fromHdl  bool     // tokens were read from the handle
	loc      []string // folded location tokens
	bio      []string // folded bio tokens (lazily)
	bioReady bool
	// explain makes scoring write the evidence details (only done for the
	// candidates that are kept, as formatting costs more than scoring).
	explain bool
	// location facts, computed once
	locReady            bool
	locCity, locCountry string
	locWords            []string
}

// cand is a scored candidate customer.
type cand struct {
	ci    int32
	score float64
	exact bool
	sure  bool // email, phone or listed handle
	ev    []Evidence
	// the score and evidence count before fuzzy scoring
	base   float64
	baseEv int
}

// Match returns the best match of one account among the customers, if its
// confidence reaches the threshold. It does not apply the one account per
// customer and platform rule of Survey.
func (m *Matcher) Match(a providers.Account) (Match, bool) {
	c, ok := m.best(&a)
	if !ok {
		return Match{}, false
	}
	return m.toMatch(&a, c), true
}

func (m *Matcher) toMatch(a *providers.Account, c cand) Match {
	conf := 1.0
	if !c.sure {
		conf = round3(logistic(c.score))
	}
	slices.SortStableFunc(c.ev, func(x, y Evidence) int {
		ax, ay := abs(x.Weight), abs(y.Weight)
		switch {
		case ax > ay:
			return -1
		case ax < ay:
			return 1
		}
		return 0
	})
	return Match{
		Customer:   int(c.ci),
		CustomerID: m.customers[c.ci].ID,
		Account:    refOf(a),
		Confidence: conf,
		Exact:      c.exact,
		Evidence:   c.ev,
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// best finds the best candidate for a, if it reaches the threshold.
func (m *Matcher) best(a *providers.Account) (cand, bool) {
	p := probe{acct: a}
	p.handle = normalizeAccountHandle(a)
	var one [1]int32
	// Most accounts have no candidate or one: keep them on the stack.
	var candBuf [2]cand
	cands := candBuf[:0]
	add := func(ci int32, ev Evidence, sure bool) {
		for i := range cands {
			if cands[i].ci == ci {
				if !hasKind(cands[i].ev, ev.Kind) {
					cands[i].ev = append(cands[i].ev, ev)
					cands[i].score += ev.Weight
				}
				cands[i].exact = true
				cands[i].sure = cands[i].sure || sure
				return
			}
		}
		cands = append(cands, cand{ci: ci, score: priorLogOdds + ev.Weight, exact: true, sure: sure, ev: []Evidence{ev}})
	}
	// Exact keys.
	if p.handle != "" {
		for _, ci := range m.get(m.handles[a.Platform], p.handle, &one) {
			add(ci, Evidence{Kind: EvidenceHandle, Detail: p.handle, Weight: weightExact}, true)
		}
		if hh := m.handleHashes[a.Platform]; hh.len() > 0 {
			for _, ci := range m.get(hh, HashHandle(Handle{Platform: a.Platform, Handle: p.handle}), &one) {
				add(ci, Evidence{Kind: EvidenceHandle, Detail: p.handle + ", hashed", Weight: weightExact}, true)
			}
		}
	}
	if a.Email != "" {
		if e, err := NormalizeEmail(a.Email, m.cfg.gmail); err == nil {
			p.email = e
			for _, ci := range m.get(m.emails, e, &one) {
				add(ci, Evidence{Kind: EvidenceEmail, Weight: weightExact}, true)
			}
			if m.emailHashes.len() > 0 {
				for _, ci := range m.get(m.emailHashes, HashEmail(e), &one) {
					add(ci, Evidence{Kind: EvidenceEmail, Weight: weightExact}, true)
				}
			}
		}
	}
	if a.Phone != "" {
		if ph, err := m.phones.Normalize(a.Phone); err == nil {
			p.phone = ph
			for _, ci := range m.get(m.phoneIdx, ph, &one) {
				add(ci, Evidence{Kind: EvidencePhone, Weight: weightExact}, true)
			}
			if m.phoneHash.len() > 0 {
				for _, ci := range m.get(m.phoneHash, HashPhone(ph, m.cfg.phoneHash), &one) {
					add(ci, Evidence{Kind: EvidencePhone, Weight: weightExact}, true)
				}
			}
		}
	}
	if len(a.Links) > 0 || strings.Contains(a.Bio, ".") || strings.Contains(a.Bio, "@") {
		p.links, p.webs = profileLinks(a)
		for _, h := range p.links {
			if h.Platform == a.Platform && h.Handle == p.handle {
				continue
			}
			for _, ci := range m.get(m.handles[h.Platform], h.Handle, &one) {
				add(ci, Evidence{Kind: EvidenceProfileLink, Detail: "profile links to the customer's " + string(h.Platform) + " @" + h.Handle, Weight: weightProfile}, false)
			}
		}
		for _, w := range p.webs {
			for _, key := range websiteKeys(w) {
				for _, ci := range m.get(m.websites, key, &one) {
					add(ci, Evidence{Kind: EvidenceWebsite, Detail: "profile links to the customer's website " + key, Weight: weightWebsite}, false)
				}
			}
		}
	}
	if a.Platform == providers.Mastodon && m.mastodonLocal.len() > 0 && p.handle != "" {
		user, _, _ := strings.Cut(p.handle, "@")
		for _, ci := range m.get(m.mastodonLocal, user, &one) {
			add(ci, Evidence{Kind: EvidenceOtherHandle, Detail: "the customer lists Mastodon user " + user + " (instance unknown)", Weight: weightSameLocal}, false)
		}
		// Not an exact key: the instance is unknown.
		for i := range cands {
			if len(cands[i].ev) == 1 && cands[i].ev[0].Kind == EvidenceOtherHandle {
				cands[i].exact = false
			}
		}
	}
	// Sure candidates end the search: add the name and location evidence
	// only to decide between several.
	if m.cfg.fuzzy {
		m.prepareFuzzy(&p)
		if !anySure(cands) {
			for _, ci := range m.fuzzyCandidates(&p) {
				if !containsCand(cands, ci) {
					cands = append(cands, cand{ci: ci, score: priorLogOdds})
				}
			}
		}
		for i := range cands {
			cands[i].base, cands[i].baseEv = cands[i].score, len(cands[i].ev)
			if !cands[i].sure || len(cands) > 1 {
				m.scoreFuzzy(&p, &cands[i])
			}
		}
	}
	if len(cands) == 0 {
		return cand{}, false
	}
	bi := 0
	for i := 1; i < len(cands); i++ {
		if better(cands[i], cands[bi]) {
			bi = i
		}
	}
	best := cands[bi]
	if !best.sure && len(cands) > 1 {
		// Share the confidence among the customers that fit: two
		// customers that fit equally well get at most half each.
		sum, second := 0.0, -1
		for i := range cands {
			if cands[i].score > best.score-6 {
				sum += math.Exp(cands[i].score - best.score)
			}
			if i != bi && (second < 0 || better(cands[i], cands[second])) {
				second = i
			}
		}
		if share := 1 / sum; share < 0.99 {
			conf := logistic(best.score) * share
			w := logit(conf) - best.score
			best.score += w
			best.ev = append(best.ev, Evidence{Kind: EvidenceAmbiguous,
				Detail: "customer " + m.customers[cands[second].ci].ID + " fits almost as well", Weight: w})
		}
	}
	if !best.sure && logistic(best.score) < m.cfg.threshold {
		return cand{}, false
	}
	if m.cfg.fuzzy && len(best.ev) > best.baseEv {
		// Score the kept candidate again, writing the details.
		amb := best.ev[len(best.ev)-1]
		ambiguous := amb.Kind == EvidenceAmbiguous
		best.ev = slices.Clone(best.ev[:best.baseEv])
		best.score = best.base
		p.explain = true
		m.scoreFuzzy(&p, &best)
		if ambiguous {
			best.score += amb.Weight
			best.ev = append(best.ev, amb)
		}
	}
	return best, true
}

func better(a, b cand) bool {
	if a.sure != b.sure {
		return a.sure
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return a.ci < b.ci
}

func hasKind(ev []Evidence, k EvidenceKind) bool {
	for _, e := range ev {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func anySure(cs []cand) bool {
	for _, c := range cs {
		if c.sure {
			return true
		}
	}
	return false
}

func containsCand(cs []cand, ci int32) bool {
	for _, c := range cs {
		if c.ci == ci {
			return true
		}
	}
	return false
}

// websiteKeys returns the keys under which a normalized web address may be
// indexed: itself and, when it has a path, its host alone.
func websiteKeys(w string) []string {
	if i := strings.IndexByte(w, '/'); i > 0 {
		return []string{w, w[:i]}
	}
	return []string{w}
}

// profileLinks reads the profile URLs and web sites in an account's links
// and bio, and Mastodon handles written "@user@instance" in its bio.
func profileLinks(a *providers.Account) ([]Handle, []string) {
	var hs []Handle
	var ws []string
	addURL := func(u string) {
		if h, ok := ParseProfileURL(u); ok {
			hs = appendHandle(hs, h)
			return
		}
		if w, err := NormalizeWebsite(u); err == nil {
			ws = appendUnique(ws, w)
		}
	}
	for _, l := range a.Links {
		addURL(l)
	}
	for _, word := range strings.Fields(a.Bio) {
		word = strings.TrimRight(word, ".,;:!?)]}\"'")
		word = strings.TrimLeft(word, "([{\"'")
		switch {
		case strings.Count(word, "@") == 2 && strings.HasPrefix(word, "@"):
			if h, err := NormalizeHandle(providers.Mastodon, word); err == nil && strings.Contains(h, "@") {
				hs = appendHandle(hs, Handle{Platform: providers.Mastodon, Handle: h})
			}
		case strings.Contains(word, "://") || strings.HasPrefix(strings.ToLower(word), "www."):
			addURL(word)
		case strings.Contains(word, "/") && !strings.Contains(word, "@"):
			host, _, _ := strings.Cut(strings.ToLower(word), "/")
			if _, ok := profileHosts[strings.TrimPrefix(host, "www.")]; ok {
				addURL(word)
			}
		case looksLikeDomain(word):
			addURL(word)
		}
	}
	return hs, ws
}

// looksLikeDomain reports whether a word of a bio is a bare domain name
// ("natarajan.design"): letters, digits and dashes in dot-separated labels
// ending with a top-level domain of two letters or more.
func looksLikeDomain(w string) bool {
	dot := strings.LastIndexByte(w, '.')
	if dot <= 0 || len(w)-dot-1 < 2 || len(w)-dot-1 > 24 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i] | 0x20
		if !(c >= 'a' && c <= 'z' || w[i] >= '0' && w[i] <= '9' || w[i] == '-' || w[i] == '.') {
			return false
		}
	}
	for i := dot + 1; i < len(w); i++ {
		if c := w[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return !strings.Contains(w, "..")
}

// nameCut are the separators after which a display name usually goes on
// with something else ("Bob Smith | Barista").
var nameCut = []string{"|", "•", "·", " - ", " – ", " — ", "(", "/", ","}

func (m *Matcher) prepareFuzzy(p *probe) {
	a := p.acct
	name := a.DisplayName
	for _, sep := range nameCut {
		if i := strings.Index(name, sep); i > 0 {
			// "Smith, Bob" keeps both parts: a comma cuts only when the
			// part before it already holds two names.
			if sep == "," && len(NameTokens(name[:i])) < 2 {
				continue
			}
			name = name[:i]
		}
	}
	p.raw = NameTokens(name)
	if len(p.raw) > 5 {
		p.raw = p.raw[:5]
	}
	if p.handle != "" {
		p.local = handleLocal(a.Platform, p.handle)
	}
	if len(p.raw) < 2 && p.handle != "" {
		if toks := handleNameTokens(a.Platform, p.handle); len(toks) >= 2 {
			p.raw, p.fromHdl = toks[:min(len(toks), 5)], true
		}
	}
	p.tokens = m.canonical(slices.Clone(p.raw))
	if a.Location != "" {
		p.loc = NameTokens(a.Location)
	}
}

// handleNameTokens splits a handle's user name at dots, dashes,
// underscores and digits: "bob.smith88" → ["bob", "smith"].
func handleNameTokens(p providers.Platform, h string) []string {
	switch p {
	case providers.Mastodon:
		h, _, _ = strings.Cut(h, "@")
	case providers.Bluesky:
		h = strings.TrimSuffix(h, ".bsky.social")
	}
	var out []string
	for _, t := range strings.FieldsFunc(h, func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		if len(t) >= 2 {
			out = append(out, t)
		}
	}
	return out
}

// fuzzyCandidates gathers the customers sharing a blocking key with p.
func (m *Matcher) fuzzyCandidates(p *probe) []int32 {
	var out []int32
	seen := map[int32]bool{}
	addBlock := func(key string, limit int) {
		list := m.blocks[key]
		if len(list) == 0 || len(list) > limit {
			return
		}
		for _, ci := range list {
			if !seen[ci] {
				seen[ci] = true
				out = append(out, ci)
			}
		}
	}
	var keys [24]string
	for _, k := range nameBlockKeys(keys[:0], p.tokens) {
		if strings.HasPrefix(k, "t:") {
			// A single token is a weak key: use it only when the account
			// shows a single name or its block is small.
			if len(p.tokens) == 1 {
				addBlock(k, m.cfg.maxBlock)
			} else {
				addBlock(k, m.cfg.maxBlock/10)
			}
			continue
		}
		addBlock(k, m.cfg.maxBlock*5)
	}
	if len(p.local) >= 3 {
		addBlock("h:"+p.local, m.cfg.maxBlock)
	}
	return out
}

// scoreFuzzy adds the name, location, bio and handle evidence of customer
// c.ci to c.
func (m *Matcher) scoreFuzzy(p *probe, c *cand) {
	cust := &m.customers[c.ci]
	f := &m.feats[c.ci]
	addEv := func(k EvidenceKind, w float64, detail string) {
		c.score += w
		c.ev = append(c.ev, Evidence{Kind: k, Detail: detail, Weight: w})
	}
	nameW, detail := m.nameEvidence(f, cust.Name, p)
	if nameW != 0 {
		addEv(EvidenceName, nameW, detail)
	}
	if nameW <= 0 && c.baseEv == 0 && !m.sameLocal(p, f) {
		// Neither the name, an exact key nor a user name points to this
		// customer: what is left cannot reach a match.
		return
	}
	// Location.
	if len(p.loc) > 0 && (len(f.city) > 0 || f.country != "") {
		if !p.locReady {
			p.locReady = true
			p.locCity = m.knownCityIn(p.loc)
			p.locCountry = countryIn(p.loc)
			p.locWords = strings.FieldsFunc(p.acct.Location, func(r rune) bool { return r == ' ' || r == ',' || r == '/' || r == '.' })
		}
		loc := p.acct.Location
		detail = ""
		switch {
		case len(f.city) > 0 && containsSeq(p.loc, f.city):
			if p.explain {
				detail = fmt.Sprintf("location %q names the customer's city", loc)
			}
			addEv(EvidenceCity, weightCity, detail)
		case f.country != "" && p.locCity == "" && mentionsCountry(p.locWords, p.loc, f.country):
			if p.explain {
				detail = fmt.Sprintf("location %q names the customer's country", loc)
			}
			addEv(EvidenceCountry, weightCountry, detail)
		case p.locCity != "":
			if p.explain {
				detail = fmt.Sprintf("location %q names another city than the customer's %s", loc, cust.City)
			}
			addEv(EvidenceLocation, weightOtherCity, detail)
		case p.locCountry != "" && p.locCountry != f.country && f.country != "":
			if p.explain {
				detail = fmt.Sprintf("location %q is in another country than the customer's", loc)
			}
			addEv(EvidenceLocation, weightWrongLoc, detail)
		case len(f.city) > 0:
			if p.explain {
				detail = fmt.Sprintf("location %q does not name the customer's city %s", loc, cust.City)
			}
			addEv(EvidenceLocation, weightNoCity, detail)
		}
	}
	// Bio and display name.
	if len(f.company) > 0 || len(f.tags) > 0 {
		if !p.bioReady {
			p.bio = NameTokens(p.acct.Bio + " " + p.acct.DisplayName)
			p.bioReady = true
		}
		if len(f.company) > 0 && containsSeq(p.bio, f.company) {
			addEv(EvidenceCompany, weightCompany, p.sprintf("profile mentions the customer's company %s", cust.Company))
		}
		kw := 0
		for _, t := range f.tags {
			if kw < 2 && slices.Contains(p.bio, t) {
				kw++
				addEv(EvidenceKeyword, weightKeyword, p.sprintf("bio mentions %s", t))
			}
		}
	}
	// User names on other platforms.
	if len(p.local) >= 3 && !c.sure {
		bestW, detail := 0.0, ""
		last := ""
		if len(f.tokens) > 0 {
			last = f.tokens[len(f.tokens)-1]
		}
		for _, lh := range f.locals {
			if lh.platform == p.acct.Platform && lh.handle == p.handle {
				continue
			}
			w := 0.0
			switch {
			case len(p.local) >= 4 && lh.local == p.local,
				len(p.local) >= 10 && len(lh.local) >= 10 && abs(float64(len(p.local)-len(lh.local))) <= 2 &&
					(strings.HasPrefix(p.local, lh.local) || strings.HasPrefix(lh.local, p.local)):
				// equal, or one cut short by a platform's length limit
				w = weightSameLocal
			case len(p.local) >= 5 && jaroWinkler(lh.local, p.local) >= 0.93 &&
				!(len(last) >= 3 && strings.Contains(p.local, last) && strings.Contains(lh.local, last)):
				// close, and not merely because both spell the name
				w = weightLikeLocal
			}
			if lh.platform == "email" && w == weightSameLocal && nameExplains(p.local, f.tokens) {
				// "bob.smith@..." and @bobsmith: the name already said so.
				w = 0
			}
			if lh.platform == "email" {
				// People reuse their email user name less often than a
				// handle; a close one proves little.
				if w < weightSameLocal {
					w = 0
				} else {
					w = weightEmailUser
				}
			}
			if w > bestW {
				bestW = w
				verb := "same user name as"
				if w < weightEmailUser {
					verb = "user name close to"
				}
				if lh.platform == "email" && w == weightSameLocal && nameExplains(p.local, f.tokens) {
					// "bob.smith@..." and @bobsmith: the name already said so.
					w = 0
				}
				if lh.platform == "email" {
					detail = p.sprintf("%s the customer's email address", verb)
				} else {
					detail = p.sprintf("%s the customer's %s @%s", verb, lh.platform, lh.handle)
				}
			}
		}
		if bestW > 0 {
			addEv(EvidenceOtherHandle, bestW, detail)
		} else if nameW < 4 && !p.fromHdl {
			// A handle that spells the name says nothing new when the
			// display name already does.
			if w, d := handleSpellsName(p.local, f.tokens); w > 0 {
				addEv(EvidenceHandleName, w, d)
			}
		}
	}
}

// sprintf formats an evidence detail when the probe is being explained.
func (p *probe) sprintf(format string, args ...any) string {
	if !p.explain {
		return ""
	}
	return fmt.Sprintf(format, args...)
}

// sameLocal reports whether the account's user name equals one of the
// customer's.
func (m *Matcher) sameLocal(p *probe, f *features) bool {
	for _, lh := range f.locals {
		if lh.local == p.local {
			return true
		}
	}
	return false
}

// nameEvidence compares customer name tokens with the account's.
func (m *Matcher) nameEvidence(f *features, custName string, p *probe) (float64, string) {
	ct, at := f.tokens, p.tokens
	if len(ct) == 0 || len(at) == 0 {
		return 0, ""
	}
	shown := p.acct.DisplayName
	if p.fromHdl {
		shown = "@" + p.handle
	}
	// Token similarities, computed once (names have at most five tokens).
	var sim [5][5]float64
	for i, x := range ct {
		for j, y := range at {
			sim[i][j] = tokenSim(x, y)
		}
	}
	var used, usedA [5]bool
	matched, initials, exactN := 0, 0, 0
	sum := 0.0
	nick := false
	for {
		bi, bj, bs := -1, -1, 0.0
		for i := range ct {
			if used[i] {
				continue
			}
			for j := range at {
				if !usedA[j] && sim[i][j] > bs {
					bi, bj, bs = i, j, sim[i][j]
				}
			}
		}
		if bi < 0 || bs < 0.84 {
			break
		}
		used[bi], usedA[bj] = true, true
		matched++
		sum += bs
		if bs == 1 {
			exactN++
			if p.raw[bj] != f.raw[bi] {
				nick = true
			}
		}
		if len(ct[bi]) == 1 || len(at[bj]) == 1 {
			initials++
		}
	}
	n, k := len(ct), len(at)
	shorter, longer := min(n, k), max(n, k)
	switch {
	case matched == 0:
		if n >= 2 && k >= 2 {
			return -2, p.sprintf("name %q differs from %q", shown, custName)
		}
		return 0, ""
	case matched >= 2 && matched == shorter:
		var w float64
		var how string
		switch {
		case initials > 0:
			w, how = 4.0, "with initials"
		case exactN == matched:
			w, how = 6.5, "same name"
			if nick {
				how = "same name (nickname)"
			}
		case sum/float64(matched) >= 0.95:
			w, how = 5.0, "nearly the same name"
		default:
			w, how = 4.0, "similar name"
		}
		w -= 0.3 * float64(longer-matched)
		// A family name many customers share is a common one: agreeing on
		// it proves less (frequency-based weighting, as in Fellegi-Sunter).
		if df := m.lastCount[ct[len(ct)-1]]; df > 1 {
			w -= 0.6 * math.Log(float64(df))
		}
		if p.fromHdl {
			w -= 1.5
			how += " (read from the handle)"
		}
		return w, p.sprintf("%s: %q ≈ %q", how, shown, custName)
	case matched >= 2:
		return 2.0, p.sprintf("names share %d parts: %q and %q", matched, shown, custName)
	default:
		if shorter == 1 {
			w := 1.0
			if exactN == 1 {
				w = 1.5
			}
			return w, p.sprintf("single name %q appears in %q", shown, custName)
		}
		return -1, p.sprintf("only one part of %q matches %q", shown, custName)
	}
}

// tokenSim compares two canonical name tokens: 1 when equal, 0.9 for an
// initial and the name it starts, else Jaro-Winkler.
func tokenSim(a, b string) float64 {
	if a == b {
		return 1
	}
	if len(a) == 1 || len(b) == 1 {
		if a[0] == b[0] {
			return 0.9
		}
		return 0
	}
	return jaroWinkler(a, b)
}

// handleSpellsName reports whether a user name is made of the customer's
// name: "robertsmith", "bobsmith", "rsmith", "smith.robert".
func handleSpellsName(local string, toks []string) (float64, string) {
	if len(toks) < 2 {
		return 0, ""
	}
	first, last := toks[0], toks[len(toks)-1]
	if len(last) < 3 || !strings.Contains(local, last) {
		return 0, ""
	}
	rest := strings.Replace(local, last, "", 1)
	if rest == "" {
		return 0, ""
	}
	firstForms := []string{first}
	for nick, formal := range nicknames {
		if formal == first {
			firstForms = append(firstForms, nick)
		}
	}
	for _, f := range firstForms {
		if strings.Contains(rest, f) {
			return weightHandleNm, "user name @" + local + " spells the customer's name"
		}
	}
	if strings.HasPrefix(local, first[:1]+last) || strings.HasSuffix(local, last+first[:1]) {
		return weightHandleNm / 2, "user name @" + local + " spells the customer's initial and surname"
	}
	return 0, ""
}

// nameExplains reports whether a user name is made only of the letters of
// the name's tokens (or their initials), so that two such user names agree
// because the names do.
func nameExplains(local string, toks []string) bool {
	rest := local
	for _, t := range toks {
		if i := strings.Index(rest, t); i >= 0 {
			rest = rest[:i] + rest[i+len(t):]
		}
	}
	for nick, formal := range nicknames {
		if len(toks) > 0 && formal == toks[0] && strings.Contains(rest, nick) {
			rest = strings.Replace(rest, nick, "", 1)
		}
	}
	return rest == "" && len(local) > 0
}

// containsSeq reports whether needle appears as consecutive tokens in hay.
func containsSeq(hay, needle []string) bool {
	if len(needle) == 0 || len(needle) > len(hay) {
		return false
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		ok := true
		for j, t := range needle {
			if hay[i+j] != t {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// mentionsCountry reports whether a location names the country with ISO
// code: its English name, or the code (or a common abbreviation) written
// as a separate upper-case word.
func mentionsCountry(words []string, loc []string, code string) bool {
	if name := countryName(code); name != "" && containsSeq(loc, strings.Fields(name)) {
		return true
	}
	for _, w := range words {
		if w == code || countries().byName[strings.ToLower(w)] == code && strings.ToUpper(w) == w && len(w) <= 3 {
			return true
		}
	}
	return false
}

// countryIn returns the ISO code of a country named in location tokens.
func countryIn(loc []string) string {
	t := countries()
	for n := 3; n >= 1; n-- {
		for i := 0; i+n <= len(loc); i++ {
			name := strings.Join(loc[i:i+n], " ")
			if n == 1 && len(name) <= 3 {
				continue // "in", "de", "us" are words too
			}
			if code, ok := t.byName[name]; ok {
				return code
			}
		}
	}
	return ""
}
