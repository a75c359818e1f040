package audience

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/rapportkit/rapport/providers"
)

// TestKeyIndex checks the exact-key index against a plain map: keys shared
// by several customers, repeated within one customer, customers with more
// values than the slots can number, and enough keys that hash fragments
// collide many times over.
func TestKeyIndex(t *testing.T) {
	const n = 60_000
	customers := make([]Customer, n)
	for i := range customers {
		c := &customers[i]
		c.ID = "C" + strconv.Itoa(i)
		c.Emails = []string{"u" + strconv.Itoa(i) + "@example.com", "shared" + strconv.Itoa(i%1000) + "@example.com"}
		if i%7 == 0 {
			// the same address twice in one customer
			c.Emails = append(c.Emails, c.Emails[0])
		}
		if i%3 == 0 {
			c.Handles = []Handle{{Platform: providers.X, Handle: "h" + strconv.Itoa(i/3)}}
		}
		c.Hashes = []HashedID{{Field: HandleField(providers.Bluesky), Hash: HashSHA256(strconv.Itoa(i % 5000))}}
	}
	// One customer lists more emails than an ordinal can number; the
	// last of them is also another customer's.
	big := &customers[5]
	for j := range maxOrdinal + 10 {
		big.Emails = append(big.Emails, "big"+strconv.Itoa(j)+"@example.com")
	}
	big.Emails = append(big.Emails, "u6@example.com")
	customers[9].Emails = append(customers[9].Emails, "big"+strconv.Itoa(maxOrdinal+5)+"@example.com")

	for _, fragMask := range []uint64{0xffff, 0x3} {
		checkKeyIndex(t, customers, fragMask)
	}
}

// checkKeyIndex indexes customers keeping fragMask of the hash bits (few
// bits make fragments collide all the time) and compares the index with a
// map.
func checkKeyIndex(t *testing.T, customers []Customer, fragMask uint64) {
	t.Helper()
	n := len(customers)
	m := &Matcher{customers: customers, handles: map[providers.Platform]*keyIndex{}, handleHashes: map[providers.Platform]*keyIndex{}}
	m.buildKeyIndexes(fragMask)
	want := map[string][]int32{}
	wantHash := map[string][]int32{}
	for i := range customers {
		for _, e := range customers[i].Emails {
			if !slices.Contains(want[e], int32(i)) {
				want[e] = append(want[e], int32(i))
			}
		}
		for _, h := range customers[i].Hashes {
			wantHash[h.Hash] = append(wantHash[h.Hash], int32(i))
		}
	}
	var one [1]int32
	for key, w := range want {
		if got := m.get(m.emails, key, &one); !slices.Equal(got, w) {
			t.Fatalf("emails[%q] = %v, want %v", key, got, w)
		}
	}
	for key, w := range wantHash {
		if got := m.get(m.handleHashes[providers.Bluesky], key, &one); !slices.Equal(got, w) {
			t.Fatalf("bluesky hashes[%q] = %v, want %v", key, got, w)
		}
	}
	for i := range n / 3 {
		key := "h" + strconv.Itoa(i)
		if got := m.get(m.handles[providers.X], key, &one); !slices.Equal(got, []int32{int32(3 * i)}) {
			t.Fatalf("handles[x][%q] = %v, want [%d]", key, got, 3*i)
		}
	}
	for _, key := range []string{"", "nobody@example.com", "h" + strconv.Itoa(n), "u" + strconv.Itoa(n) + "@example.com"} {
		if got := m.get(m.emails, key, &one); got != nil {
			t.Errorf("emails[%q] = %v, want none", key, got)
		}
		if got := m.get(m.handles[providers.X], key, &one); got != nil {
			t.Errorf("handles[x][%q] = %v, want none", key, got)
		}
	}
	if got := m.get(m.handles[providers.Mastodon], "h1", &one); got != nil {
		t.Errorf("handles[mastodon] = %v, want none", got)
	}
}

// TestAccountStore checks the survey's account index: keys by id, or by
// handle without one ("@"+handle, as an id "@bob" is the same key), per
// platform, through the table's growth; and that references read back
// intact.
func TestAccountStore(t *testing.T) {
	s := newAccountStore()
	type acct struct {
		p                providers.Platform
		id, handle, name string
	}
	var added []acct
	for i := range 5000 {
		p := genPlatforms[i%len(genPlatforms)]
		a := acct{p: p, id: strconv.Itoa(i / 2), handle: "user" + strconv.Itoa(i), name: "Name " + strconv.Itoa(i)}
		if i%5 == 0 {
			a.id = ""
		}
		if i == 4321 {
			a.name = string(make([]byte, 300)) // a length that takes two bytes
		}
		if i == 1500 {
			s.reserve(7000) // rebuilds the index at a size of its own
		}
		pi := s.platformIndex(a.p)
		if _, _, ok := s.lookup(pi, a.id, a.handle); ok {
			t.Fatalf("account %d (%v) found before it was added", i, a)
		}
		_, h, _ := s.lookup(pi, a.id, a.handle)
		if e := s.add(h, pi, a.id, a.handle, a.name, i%2 == 0, i%3); e != int32(i) {
			t.Fatalf("entry = %d, want %d", e, i)
		}
		added = append(added, a)
	}
	for i, a := range added {
		e, _, ok := s.lookup(s.platformIndex(a.p), a.id, a.handle)
		if !ok || e != int32(i) {
			t.Fatalf("lookup(%v) = %d, %v, want %d", a, e, ok, i)
		}
		// Without an id the key is the handle: another handle is another
		// account.
		if a.id == "" {
			if _, _, ok := s.lookup(s.platformIndex(a.p), "", a.handle+"x"); ok {
				t.Fatalf("lookup of another handle found %v", a)
			}
			// An id written "@handle" is the same key.
			if e, _, ok := s.lookup(s.platformIndex(a.p), "@"+a.handle, "other"); !ok || e != int32(i) {
				t.Fatalf("lookup(@%s) = %d, %v, want %d", a.handle, e, ok, i)
			}
		}
	}
	// The same id on another platform is another account.
	if _, _, ok := s.lookup(s.platformIndex(providers.LinkedIn), "1", ""); ok {
		t.Fatal("id 1 found on a platform without accounts")
	}
	s.update(3, true, 2)
	s.update(3, false, 0)
	v := s.view()
	for i, a := range added {
		r := v.ref(i)
		eng := i % 3
		follows := i%2 == 0
		if i == 3 {
			eng, follows = eng+2, true
		}
		want := AccountRef{Platform: a.p, ID: a.id, Handle: a.handle, DisplayName: a.name, Follower: follows, Engagements: eng}
		if r != want {
			t.Fatalf("ref(%d) = %+v, want %+v", i, r, want)
		}
	}
	en := s.entry(0)
	en.engagements = 1<<32 - 2
	s.update(0, false, 5)
	if got := s.entry(0).engagements; got != 1<<32-1 {
		t.Errorf("engagements = %d, want saturated", got)
	}
}

// TestResultSnapshot checks that a Result keeps the accounts seen when it
// was taken while the survey goes on.
func TestResultSnapshot(t *testing.T) {
	customers := []Customer{{ID: "C1", Handles: []Handle{{Platform: providers.X, Handle: "ann"}}}}
	m, err := NewMatcher(customers, WithoutFuzzy())
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSurvey()
	ctx := context.Background()
	if err := s.AddAccounts(ctx, []providers.Account{{Platform: providers.X, ID: "1", Handle: "bob"}}); err != nil {
		t.Fatal(err)
	}
	r1 := s.Result()
	more := []providers.Account{{Platform: providers.X, ID: "2", Handle: "ann"}}
	for i := range 3000 {
		more = append(more, providers.Account{Platform: providers.Mastodon, ID: strconv.Itoa(i), Handle: "p" + strconv.Itoa(i) + "@example.social"})
	}
	if err := s.AddAccounts(ctx, more); err != nil {
		t.Fatal(err)
	}
	r2 := s.Result()
	if got := r1.Prospects(); len(got) != 1 || got[0].Handle != "bob" || len(r1.Matches) != 0 || len(r1.Platforms()) != 1 {
		t.Errorf("first result: prospects %v, matches %v, platforms %v", got, r1.Matches, r1.Platforms())
	}
	if got := len(r2.Prospects()); got != 3001 || len(r2.Matches) != 1 || r2.Matches[0].Account.ID != "2" {
		t.Errorf("second result: %d prospects, matches %v", got, r2.Matches)
	}
	if got := r2.Platforms(); !slices.Equal(got, []providers.Platform{providers.X, providers.Mastodon}) {
		t.Errorf("platforms = %v", got)
	}
}

// TestSummaryCounts compares Summary with a plain count over the matches
// of a generated audience, where customers are found on up to four
// platforms.
func TestSummaryCounts(t *testing.T) {
	g := generate(3, 2000, 4000)
	m, err := NewMatcher(g.customers)
	if err != nil {
		t.Fatal(err)
	}
	s := m.NewSurvey()
	if err := s.AddAccounts(context.Background(), g.accounts); err != nil {
		t.Fatal(err)
	}
	res := s.Result()
	sum := res.Summary()
	on := map[providers.Platform]map[int]bool{}
	per := map[int][]providers.Platform{}
	for _, m := range res.Matches {
		if on[m.Account.Platform] == nil {
			on[m.Account.Platform] = map[int]bool{}
		}
		if !on[m.Account.Platform][m.Customer] {
			on[m.Account.Platform][m.Customer] = true
			per[m.Customer] = append(per[m.Customer], m.Account.Platform)
		}
	}
	if sum.Found != len(per) || sum.NotOnAnyPlatform != len(g.customers)-len(per) || sum.Prospects != len(res.Prospects()) {
		t.Errorf("found %d, not found %d, prospects %d; want %d, %d, %d", sum.Found, sum.NotOnAnyPlatform, sum.Prospects,
			len(per), len(g.customers)-len(per), len(res.Prospects()))
	}
	multi := 0
	for _, ps := range per {
		if len(ps) > 1 {
			multi++
		}
	}
	if multi == 0 || len(sum.Platforms) != 4 {
		t.Fatalf("%d customers on several platforms, %d platforms: the set tests too little", multi, len(sum.Platforms))
	}
	for _, st := range sum.Platforms {
		customers, exclusive, value := 0, 0, 0.0
		for ci := range on[st.Platform] {
			customers++
			value += g.customers[ci].Value
			if len(per[ci]) == 1 {
				exclusive++
			}
		}
		if st.Customers != customers || st.Exclusive != exclusive || st.Value != value {
			t.Errorf("%s: customers %d, exclusive %d, value %.1f; want %d, %d, %.1f", st.Platform, st.Customers, st.Exclusive, st.Value, customers, exclusive, value)
		}
	}
	for _, o := range sum.Overlap {
		n := 0
		for ci := range on[o.A] {
			if on[o.B][ci] {
				n++
			}
		}
		if o.Customers != n {
			t.Errorf("overlap %s+%s = %d, want %d", o.A, o.B, o.Customers, n)
		}
	}
	if len(sum.Overlap) != 6 {
		t.Errorf("%d overlaps, want 6", len(sum.Overlap))
	}
}
