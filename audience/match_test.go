package audience

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rapportkit/rapport/providers"
)

// messyAudience is the audience of the business whose customers are in
// testdata/customers.csv: followers on four platforms, and people who
// engage on Facebook, which lists no followers.
func messyAudience() (followers []providers.Account, engagements []providers.Interaction) {
	followers = []providers.Account{
		{Platform: providers.X, ID: "x1", Handle: "JoseAlvarez", DisplayName: "José"},
		{Platform: providers.X, ID: "x2", Handle: "bobsmith_ldn", DisplayName: "Bob"},
		{Platform: providers.X, ID: "x3", Handle: "sam_lee_sea", DisplayName: "Sam Lee", Location: "Seoul, South Korea"},
		{Platform: providers.X, ID: "x4", Handle: "kittykat", DisplayName: "Katie Nguyen", Location: "Oakland, CA"},
		{Platform: providers.Mastodon, ID: "m1", Handle: "zoe_m", ProfileURL: "https://mastodon.social/@zoe_m", DisplayName: "Zoë 🌻"},
		{Platform: providers.Mastodon, ID: "m2", Handle: "tom@fosstodon.org", DisplayName: "Tom Baker", Links: []string{"https://bakerbikes.com/"}},
		{Platform: providers.Mastodon, ID: "m3", Handle: "liam@mastodon.ie", DisplayName: "Liam O'Connor", Location: "Cork"},
		{Platform: providers.Bluesky, ID: "b1", Handle: "priya.design", DisplayName: "Priya N.", Bio: "Designer at Natarajan Design — natarajan.design"},
		{Platform: providers.Bluesky, ID: "b2", Handle: "liz-obrien.bsky.social", DisplayName: "Elizabeth"},
		{Platform: providers.Bluesky, ID: "b3", Handle: "marie.bsky.social", DisplayName: "Marie Dubois", Location: "Montréal, Canada"},
		{Platform: providers.Instagram, ID: "i1", Handle: "marieclaire.dubois", DisplayName: "MC Dubois"},
		{Platform: providers.Instagram, ID: "i2", Handle: "robert.smith.art", DisplayName: "Robert Smith", Location: "Leeds, UK"},
		{Platform: providers.Instagram, ID: "i3", Handle: "bob.smith", DisplayName: "Bob S."},
	}
	priya := providers.Account{Platform: providers.Facebook, ID: "fb1", DisplayName: "Priya Natarajan", Location: "Chennai, India"}
	other := providers.Account{Platform: providers.Facebook, ID: "fb2", DisplayName: "Random Person"}
	engagements = []providers.Interaction{
		{Platform: providers.Facebook, Kind: providers.Comment, ID: "c1", Author: priya},
		{Platform: providers.Facebook, Kind: providers.Like, ID: "l1", Author: other},
		{Platform: providers.Facebook, Kind: providers.Like, ID: "l2", Author: priya},
	}
	return followers, engagements
}

func interactionSeq(list []providers.Interaction) func(func(providers.Interaction, error) bool) {
	return func(yield func(providers.Interaction, error) bool) {
		for _, in := range list {
			if !yield(in, nil) {
				return
			}
		}
	}
}

func surveyMessy(t *testing.T) *Result {
	t.Helper()
	cs, _ := readTestdata(t)
	m, err := NewMatcher(cs, WithRegion("US"))
	if err != nil {
		t.Fatal(err)
	}
	followers, engagements := messyAudience()
	s := m.NewSurvey()
	if err := s.AddAccounts(context.Background(), followers); err != nil {
		t.Fatal(err)
	}
	if err := s.AddEngagers(context.Background(), interactionSeq(engagements)); err != nil {
		t.Fatal(err)
	}
	return s.Result()
}

func TestMatchMessyAudience(t *testing.T) {
	res := surveyMessy(t)
	var got []string
	for _, m := range res.Matches {
		got = append(got, fmt.Sprintf("%s %s/%s %.3f exact=%v", m.CustomerID, m.Account.Platform, m.Account.Handle, m.Confidence, m.Exact))
	}
	want := []string{
		"C001 x/JoseAlvarez 1.000 exact=true",
		"C002 instagram/bob.smith 1.000 exact=true",
		"C002 x/bobsmith_ldn 1.000 exact=true",
		"C003 bluesky/liz-obrien.bsky.social 1.000 exact=true",
		"C004 mastodon/zoe_m 1.000 exact=true",
		"C006 mastodon/tom@fosstodon.org 0.999 exact=true",
		"C009 instagram/marieclaire.dubois 1.000 exact=true",
		"C011 bluesky/priya.design 0.999 exact=true",
		"C011 facebook/ 0.982 exact=false",
		"C012 x/kittykat 0.982 exact=false",
		"C013 mastodon/liam@mastodon.ie 0.982 exact=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("matches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var prospects []string
	for _, a := range res.Prospects() {
		prospects = append(prospects, string(a.Platform)+"/"+a.ID)
	}
	if got, want := strings.Join(prospects, " "), "x/x3 bluesky/b3 instagram/i2 facebook/fb2"; got != want {
		t.Errorf("prospects = %s, want %s", got, want)
	}
	var nowhere []string
	for _, c := range res.NotOnAnyPlatform() {
		nowhere = append(nowhere, c.ID)
	}
	if got := strings.Join(nowhere, " "); got != "C014" {
		t.Errorf("customers on no platform = %s", got)
	}
	for _, m := range res.Matches {
		switch m.Account.ID {
		case "m3":
			if e := m.Explanation(); e != `same name: "Liam O'Connor" ≈ "Liam O’Connor"; location "Cork" names the customer's city` {
				t.Errorf("Liam explanation = %s", e)
			}
		case "x1":
			if e := m.Explanation(); e != "the customer lists this handle (@josealvarez)" {
				t.Errorf("José explanation = %s", e)
			}
		case "fb1":
			if m.Account.Engagements != 2 || m.Account.Follower {
				t.Errorf("engager = %+v", m.Account)
			}
		}
	}
}

func TestMatchRules(t *testing.T) {
	cs := []Customer{
		{ID: "A", Name: "María José García", City: "Madrid", Country: "ES", Emails: []string{"mj@example.es"}, Phones: []string{"+34600111222"}},
		{ID: "B", Name: "Ana Pérez", City: "Madrid", Country: "ES"},
		{ID: "C", Name: "Ana Perez", City: "Madrid", Country: "ES"},
		{ID: "D", Name: "Chen Wei", Handles: []Handle{{providers.Instagram, "chenwei"}}},
	}
	m, err := NewMatcher(cs, WithRegion("ES"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		a    providers.Account
		want string // customer id, "" for none
	}{
		{providers.Account{Platform: providers.X, ID: "1", Email: " MJ@Example.ES "}, "A"},
		{providers.Account{Platform: providers.X, ID: "2", Phone: "600 111 222"}, "A"},
		{providers.Account{Platform: providers.X, ID: "3", DisplayName: "Garcia, Maria Jose", Location: "Madrid"}, "A"},
		// Two customers with the same name in the same city: no confident match.
		{providers.Account{Platform: providers.X, ID: "4", DisplayName: "Ana Pérez", Location: "Madrid, Spain"}, ""},
		// The same user name on another platform, order-swapped name.
		{providers.Account{Platform: providers.Bluesky, ID: "5", Handle: "chenwei.bsky.social", DisplayName: "Wei Chen"}, "D"},
		// A bio link to the customer's Instagram profile.
		{providers.Account{Platform: providers.Mastodon, ID: "6", Handle: "cw@social.example", Bio: "photos: instagram.com/chenwei"}, "D"},
		{providers.Account{Platform: providers.X, ID: "7", DisplayName: "Totally Different"}, ""},
	} {
		got, ok := m.Match(tc.a)
		if tc.want == "" {
			if ok {
				t.Errorf("account %s matched %s (%.3f: %s)", tc.a.ID, got.CustomerID, got.Confidence, got.Explanation())
			}
			continue
		}
		if !ok || got.CustomerID != tc.want {
			t.Errorf("account %s: got %+v, %v; want %s", tc.a.ID, got, ok, tc.want)
		}
	}
	// Thresholds are configurable: the same-user-name match needs 0.99+.
	strict, _ := NewMatcher(cs, WithThreshold(0.999))
	if got, ok := strict.Match(providers.Account{Platform: providers.Bluesky, ID: "5", Handle: "chenwei.bsky.social", DisplayName: "Wei Chen"}); ok {
		t.Errorf("strict threshold matched at %.3f", got.Confidence)
	}
	exactOnly, _ := NewMatcher(cs, WithoutFuzzy())
	if _, ok := exactOnly.Match(providers.Account{Platform: providers.X, ID: "3", DisplayName: "Maria Jose Garcia", Location: "Madrid"}); ok {
		t.Error("WithoutFuzzy matched by name")
	}
}

func TestSummaryAndExports(t *testing.T) {
	res := surveyMessy(t)
	sum := res.Summary()
	var ranking []string
	for _, p := range sum.Platforms {
		ranking = append(ranking, fmt.Sprintf("%d %s customers=%d/%d share=%.3f value=%.1f score=%.3f", p.Rank, p.Platform, p.Customers, p.Accounts, p.CustomerShare, p.Value, p.Score))
	}
	want := []string{
		"1 x customers=3/4 share=0.300 value=2380.0 score=0.325",
		"2 bluesky customers=2/3 share=0.200 value=2610.0 score=0.292",
		"3 mastodon customers=3/3 share=0.300 value=1399.5 score=0.253",
		"4 facebook customers=1/2 share=0.100 value=2300.0 score=0.219",
		"5 instagram customers=2/3 share=0.200 value=1400.0 score=0.203",
	}
	if strings.Join(ranking, "\n") != strings.Join(want, "\n") {
		t.Errorf("ranking:\n%s\nwant:\n%s", strings.Join(ranking, "\n"), strings.Join(want, "\n"))
	}
	var overlap []string
	for _, o := range sum.Overlap {
		if o.Customers > 0 {
			overlap = append(overlap, fmt.Sprintf("%s+%s=%d", o.A, o.B, o.Customers))
		}
	}
	if got := strings.Join(overlap, " "); got != "x+instagram=1 bluesky+facebook=1" {
		t.Errorf("overlap = %s", got)
	}
	if sum.Customers != 10 || sum.Found != 9 || sum.NotOnAnyPlatform != 1 || sum.Prospects != 4 {
		t.Errorf("summary = %+v", sum)
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc Export
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Matches) != len(res.Matches) || len(doc.Prospects) != 4 || doc.NotOnAnyPlatform[0].ID != "C014" {
		t.Errorf("JSON export = %d matches, %d prospects", len(doc.Matches), len(doc.Prospects))
	}
	if !strings.Contains(buf.String(), `"explanation": "the customer lists this handle (@josealvarez)"`) {
		t.Error("JSON export lacks explanations")
	}
	buf.Reset()
	if err := WriteCustomersCSV(&buf, res.NotOnAnyPlatform()); err != nil {
		t.Fatal(err)
	}
	if want := "id,name,email,phone,email_sha256,phone_sha256,company,city,country,tags,value,last_purchase\nC014,Sam Lee,,,,,,Seattle,US,,,\n"; buf.String() != want {
		t.Errorf("customers CSV:\n%s", buf.String())
	}
}

func TestMatchLongNamesAndHandles(t *testing.T) {
	m, _ := NewMatcher([]Customer{{ID: "L", Name: "Ana Maria Luisa Fernanda Sofia Garcia Lopez"}})
	for _, a := range []providers.Account{
		{Platform: providers.X, ID: "1", Handle: "a_b_c_d_e_f_g_h", DisplayName: ""},
		{Platform: providers.X, ID: "2", DisplayName: "Ana Maria Luisa Fernanda Sofia Garcia Lopez Jr"},
	} {
		m.Match(a) // must not panic
	}
}
