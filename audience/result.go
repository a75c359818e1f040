package audience

import (
	"cmp"
	"slices"

	"github.com/rapportkit/rapport/providers"
)

// Result is what a Survey found: the matches, the accounts that are not
// customers, and the customers found nowhere.
type Result struct {
	customers []Customer
	// Matches are the accepted matches, ordered by customer (in the
	// customer list's order), then platform, then handle. An account
	// appears in at most one match; a customer may have one match per
	// platform, or several when several accounts carry exact keys.
	Matches []Match
	// accounts seen, and which of them are matched
	refs     *accountView
	matched  []uint64 // bit set of matched slots
	nMatched int
	// accounts per platform, in first-seen order of platforms
	platforms []providers.Platform
	seen      map[providers.Platform]*platformSeen
}

type platformSeen struct {
	accounts, followers, engagers int
}

// Result resolves the survey: each account keeps its best customer; for
// each customer and platform, accounts matched by an exact key are all
// kept, and otherwise only the most confident fuzzy match is, the others
// counting as prospects (they are likelier look-alikes than second
// accounts). The survey can go on receiving accounts afterwards.
func (s *Survey) Result() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	refs := s.accounts.view()
	r := &Result{customers: s.m.customers, refs: refs, seen: map[providers.Platform]*platformSeen{}}
	// Count the accounts per platform, in first-seen order of platforms.
	counts := make([]platformSeen, len(refs.platforms))
	first := make([]int, len(refs.platforms))
	for i := range first {
		first[i] = -1
	}
	for i := range refs.n {
		en := refs.entry(i)
		pi := en.platform &^ followBit
		if first[pi] < 0 {
			first[pi] = i
		}
		ps := &counts[pi]
		ps.accounts++
		if en.platform&followBit != 0 {
			ps.followers++
		}
		if en.engagements > 0 {
			ps.engagers++
		}
	}
	order := make([]int, 0, len(first))
	for pi, at := range first {
		if at >= 0 {
			order = append(order, pi)
		}
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(first[a], first[b]) })
	for _, pi := range order {
		p := refs.platforms[pi]
		r.platforms = append(r.platforms, p)
		r.seen[p] = &counts[pi]
	}
	type groupKey struct {
		ci int32
		p  providers.Platform
	}
	found := func(i int) *foundCand { return &s.found[i/foundChunk][i%foundChunk] }
	// For fuzzy matches, the one kept per (customer, platform); a group
	// with an exact match keeps no fuzzy one.
	bestFuzzy := map[groupKey]int{}
	for i := range s.nFound {
		f := found(i)
		if f.exact {
			continue
		}
		k := groupKey{f.ci, refs.platform(int(f.slot))}
		if j, ok := bestFuzzy[k]; !ok || better(f.cand(), found(j).cand()) || f.score == found(j).score && f.slot < found(j).slot {
			bestFuzzy[k] = i
		}
	}
	if len(bestFuzzy) > 0 {
		for i := range s.nFound {
			if f := found(i); f.exact {
				delete(bestFuzzy, groupKey{f.ci, refs.platform(int(f.slot))})
			}
		}
	}
	r.matched = make([]uint64, (refs.n+63)/64)
	r.Matches = make([]Match, 0, s.nFound)
	for i := range s.nFound {
		f := found(i)
		if !f.exact {
			if j, ok := bestFuzzy[groupKey{f.ci, refs.platform(int(f.slot))}]; !ok || j != i {
				continue
			}
		}
		r.matched[f.slot/64] |= 1 << (f.slot % 64)
		m := s.m.toMatch(&providers.Account{}, f.cand())
		m.Account = refs.ref(int(f.slot))
		r.Matches = append(r.Matches, m)
	}
	slices.SortFunc(r.Matches, func(a, b Match) int {
		if a.Customer != b.Customer {
			return cmp.Compare(a.Customer, b.Customer)
		}
		if a.Account.Platform != b.Account.Platform {
			return cmp.Compare(a.Account.Platform, b.Account.Platform)
		}
		if a.Account.Handle != b.Account.Handle {
			return cmp.Compare(a.Account.Handle, b.Account.Handle)
		}
		return cmp.Compare(a.Account.ID, b.Account.ID)
	})
	r.nMatched = len(r.Matches)
	return r
}

func (r *Result) isMatched(slot int) bool { return r.matched[slot/64]&(1<<(slot%64)) != 0 }

// Prospects returns the accounts matched to no customer, in the order they
// were first seen.
func (r *Result) Prospects() []AccountRef {
	out := make([]AccountRef, 0, r.refs.n-r.nMatched)
	for i := range r.refs.n {
		if !r.isMatched(i) {
			out = append(out, r.refs.ref(i))
		}
	}
	return out
}

// Customers returns the customer list the result refers to.
func (r *Result) Customers() []Customer { return r.customers }

// Platforms lists the platforms seen, in the order they were added.
func (r *Result) Platforms() []providers.Platform { return slices.Clone(r.platforms) }

// CustomersOn returns the matches on platform p (customers present there),
// followers and engagers alike.
func (r *Result) CustomersOn(p providers.Platform) []Match {
	var out []Match
	for _, m := range r.Matches {
		if m.Account.Platform == p {
			out = append(out, m)
		}
	}
	return out
}

// CustomersWhoFollow returns the matches of followers on platform p.
func (r *Result) CustomersWhoFollow(p providers.Platform) []Match {
	var out []Match
	for _, m := range r.Matches {
		if m.Account.Platform == p && m.Account.Follower {
			out = append(out, m)
		}
	}
	return out
}

// ProspectsOn returns the accounts on platform p that are not customers.
func (r *Result) ProspectsOn(p providers.Platform) []AccountRef {
	var out []AccountRef
	for i := range r.refs.n {
		if r.refs.platform(i) == p && !r.isMatched(i) {
			out = append(out, r.refs.ref(i))
		}
	}
	return out
}

// NotOnAnyPlatform returns the customers matched on no platform, in list
// order: the people to invite, by email, to follow the business.
func (r *Result) NotOnAnyPlatform() []Customer {
	found := make([]bool, len(r.customers))
	for _, m := range r.Matches {
		found[m.Customer] = true
	}
	var out []Customer
	for i := range r.customers {
		if !found[i] {
			out = append(out, r.customers[i])
		}
	}
	return out
}

// PlatformStats sums up one platform.
type PlatformStats struct {
	Platform providers.Platform `json:"platform"`
	// Rank is 1 for the platform where customers are most present.
	Rank int `json:"rank"`
	// Accounts counts the distinct accounts seen (followers and engagers).
	Accounts  int `json:"accounts"`
	Followers int `json:"followers"`
	Engagers  int `json:"engagers"`
	// Customers counts the customers found on the platform.
	Customers int `json:"customers"`
	// CustomerShare is Customers over all customers.
	CustomerShare float64 `json:"customer_share"`
	// AudienceShare is the share of the accounts seen that are customers.
	AudienceShare float64 `json:"audience_share"`
	// Value sums the lifetime value of the customers found; ValueShare
	// divides it by the value of all customers.
	Value      float64 `json:"value"`
	ValueShare float64 `json:"value_share"`
	// Exclusive counts customers found on this platform only.
	Exclusive int `json:"exclusive"`
	// Score ranks the platforms: the mean of CustomerShare and ValueShare
	// (CustomerShare alone when no customer has a value).
	Score float64 `json:"score"`
}

// Overlap counts the customers found on both of two platforms.
type Overlap struct {
	A         providers.Platform `json:"a"`
	B         providers.Platform `json:"b"`
	Customers int                `json:"customers"`
}

// Summary is the audience report.
type Summary struct {
	Customers int `json:"customers"`
	// Found counts customers found on at least one platform.
	Found            int             `json:"found"`
	NotOnAnyPlatform int             `json:"not_on_any_platform"`
	Prospects        int             `json:"prospects"`
	Platforms        []PlatformStats `json:"platforms"`
	Overlap          []Overlap       `json:"overlap"`
}

// Summary computes the per-platform figures, ranks the platforms by the
// share and the value of the customers present (Score, highest first; ties
// by customers, then name) and counts the overlap between every pair of
// platforms.
func (r *Result) Summary() Summary {
	s := Summary{Customers: len(r.customers), Prospects: r.refs.n - r.nMatched}
	totalValue := 0.0
	for i := range r.customers {
		totalValue += r.customers[i].Value
	}
	// The distinct (customer, platform) pairs matched, sorted by customer.
	pidx := make(map[providers.Platform]int, len(r.platforms))
	for i, p := range r.platforms {
		pidx[p] = i
	}
	pairs := make([]uint64, 0, len(r.Matches))
	for _, m := range r.Matches {
		pi, ok := pidx[m.Account.Platform]
		if !ok {
			pi = len(pidx)
			pidx[m.Account.Platform] = pi
		}
		pairs = append(pairs, uint64(m.Customer)<<32|uint64(pi))
	}
	slices.Sort(pairs)
	pairs = slices.Compact(pairs)
	k := len(pidx)
	customers := make([]int, k)
	value := make([]float64, k)
	exclusive := make([]int, k)
	both := make([]int, k*k) // both[a*k+b]: customers on platforms a and b
	for i := 0; i < len(pairs); {
		ci := int(pairs[i] >> 32)
		j := i
		for j < len(pairs) && int(pairs[j]>>32) == ci {
			j++
		}
		s.Found++
		for x := i; x < j; x++ {
			a := int(uint32(pairs[x]))
			customers[a]++
			value[a] += r.customers[ci].Value
			if j-i == 1 {
				exclusive[a]++
			}
			for y := x + 1; y < j; y++ {
				b := int(uint32(pairs[y]))
				both[a*k+b]++
				both[b*k+a]++
			}
		}
		i = j
	}
	s.NotOnAnyPlatform = s.Customers - s.Found
	for pi, p := range r.platforms {
		seen := r.seen[p]
		st := PlatformStats{Platform: p, Accounts: seen.accounts, Followers: seen.followers, Engagers: seen.engagers,
			Customers: customers[pi], Value: value[pi], Exclusive: exclusive[pi]}
		if s.Customers > 0 {
			st.CustomerShare = round3(float64(st.Customers) / float64(s.Customers))
		}
		if st.Accounts > 0 {
			st.AudienceShare = round3(float64(st.Customers) / float64(st.Accounts))
		}
		st.Score = st.CustomerShare
		if totalValue > 0 {
			st.ValueShare = round3(st.Value / totalValue)
			st.Score = round3((st.CustomerShare + st.ValueShare) / 2)
		}
		s.Platforms = append(s.Platforms, st)
	}
	slices.SortStableFunc(s.Platforms, func(a, b PlatformStats) int {
		return cmp.Or(-cmp.Compare(a.Score, b.Score), -cmp.Compare(a.Customers, b.Customers),
			cmp.Compare(a.Platform, b.Platform))
	})
	for i := range s.Platforms {
		s.Platforms[i].Rank = i + 1
	}
	for i, a := range s.Platforms {
		for _, b := range s.Platforms[i+1:] {
			n := both[pidx[a.Platform]*k+pidx[b.Platform]]
			s.Overlap = append(s.Overlap, Overlap{A: a.Platform, B: b.Platform, Customers: n})
		}
	}
	return s
}
