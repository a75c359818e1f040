package audience

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

func readTestdata(t *testing.T, opts ...Option) ([]Customer, Report) {
	t.Helper()
	f, err := os.Open("testdata/customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := NewImporter(append([]Option{WithRegion("US")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	cs, rep, err := im.ReadAll(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return cs, rep
}

func TestImportMessyCSVReportsExactRejects(t *testing.T) {
	cs, rep := readTestdata(t)
	wantRejects := []Issue{
		{Line: 7, Field: "E-mail Address", Reason: `invalid email "ana@example": domain "example" has no dot`, Rejected: true},
		{Line: 9, Reason: "record has 4 fields, header has 17", Rejected: true},
		{Line: 11, Reason: "no email, phone, handle or full name", Rejected: true},
		{Line: 13, Reason: `bare " in non-quoted-field (column 10)`, Rejected: true},
	}
	if !reflect.DeepEqual(rep.Rejects, wantRejects) {
		t.Errorf("rejects:\n got %v\nwant %v", rep.Rejects, wantRejects)
	}
	wantWarnings := []Issue{
		{Line: 4, Field: "E-mail Address", Reason: `invalid email "liz@@example.com": more than one @`},
		{Line: 8, Field: "Phone", Reason: `invalid phone "12345": too short for +1`},
		{Line: 10, Reason: "duplicate of the customer on line 3 (same id): merged"},
		{Line: 17, Field: "E-mail Address", Reason: `invalid email "not-an-email": missing @`},
	}
	if !reflect.DeepEqual(rep.Warnings, wantWarnings) {
		t.Errorf("warnings:\n got %v\nwant %v", rep.Warnings, wantWarnings)
	}
	if rep.Read != 15 || rep.Kept != 11 || rep.Rejected != 4 || rep.Duplicates != 1 || rep.Customers != 10 {
		t.Errorf("counts = read %d kept %d rejected %d duplicates %d customers %d, want 15 11 4 1 10",
			rep.Read, rep.Kept, rep.Rejected, rep.Duplicates, rep.Customers)
	}
	if !reflect.DeepEqual(rep.Ignored, []string{"Notes"}) {
		t.Errorf("ignored = %v", rep.Ignored)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, ","); got != "C001,C002,C003,C004,C006,C009,C011,C012,C013,C014" {
		t.Errorf("customers = %s", got)
	}
	// The record with a quoted line break (lines 5-6) is read whole.
	zoe := cs[3]
	if zoe.Line != 5 || zoe.Name != "Zoë Müller" || zoe.Value != 1234.5 || zoe.Country != "DE" ||
		!zoe.LastPurchase.Equal(time.Date(2025, 2, 3, 0, 0, 0, 0, time.UTC)) ||
		!reflect.DeepEqual(zoe.Handles, []Handle{{providers.Mastodon, "zoe_m@mastodon.social"}}) {
		t.Errorf("Zoë = %+v", zoe)
	}
	// The BOM does not end up in the first header, and the first row is
	// fully normalized.
	jose := cs[0]
	want := Customer{
		ID: "C001", Line: 2, Name: "José Álvarez", Emails: []string{"jose.alvarez@example.com"},
		Phones: []string{"+14155550132"}, Company: "Café Sol", City: "San Francisco", Country: "US",
		Handles: []Handle{{providers.X, "josealvarez"}}, Tags: []string{"vip", "coffee"}, Value: 1250,
		LastPurchase: time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC),
		Hashes: []HashedID{
			{FieldEmail, HashSHA256("jose.alvarez@example.com")},
			{FieldPhone, HashSHA256("14155550132")},
		},
	}
	if !reflect.DeepEqual(jose, want) {
		t.Errorf("José:\n got %+v\nwant %+v", jose, want)
	}
	// The duplicate (same id) was merged: union of handles and tags, the
	// later purchase.
	bob := cs[1]
	if !reflect.DeepEqual(bob.Handles, []Handle{{providers.Instagram, "bob.smith"}, {providers.X, "bobsmith_ldn"}}) ||
		!reflect.DeepEqual(bob.Tags, []string{"wholesale", "london"}) ||
		!bob.LastPurchase.Equal(time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)) || bob.Country != "GB" {
		t.Errorf("merged Bob = %+v", bob)
	}
	// Invalid email, valid Bluesky handle: kept without the email.
	liz := cs[2]
	if len(liz.Emails) != 0 || !reflect.DeepEqual(liz.Handles, []Handle{{providers.Bluesky, "liz-obrien.bsky.social"}}) {
		t.Errorf("Liz = %+v", liz)
	}
}

func TestImportStrictRejectsInvalidValues(t *testing.T) {
	_, rep := readTestdata(t, WithStrict())
	var lines []int
	for _, r := range rep.Rejects {
		lines = append(lines, r.Line)
	}
	if !reflect.DeepEqual(lines, []int{4, 7, 8, 9, 11, 13, 17}) {
		t.Errorf("strict reject lines = %v", lines)
	}
	if rep.Rejects[0].Field != "E-mail Address" {
		t.Errorf("first strict reject = %v", rep.Rejects[0])
	}
}

func TestImportHashOnlyKeepsNoRawPII(t *testing.T) {
	cs, _ := readTestdata(t, WithHashOnly())
	for _, c := range cs {
		if c.Name != "" || len(c.Emails) != 0 || len(c.Phones) != 0 || len(c.Handles) != 0 || c.City != "" || c.Company != "" {
			t.Fatalf("hash-only customer keeps raw data: %+v", c)
		}
	}
	if got := cs[0].HashesOf(HandleField(providers.X)); !reflect.DeepEqual(got, []string{HashHandle(Handle{providers.X, "josealvarez"})}) {
		t.Errorf("handle hashes = %v", got)
	}
	m, err := NewMatcher(cs)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := m.Match(providers.Account{Platform: providers.X, ID: "1", Handle: "JoseAlvarez"})
	if !ok || got.CustomerID != "C001" || got.Confidence != 1 {
		t.Errorf("hash-only match = %+v, %v", got, ok)
	}
	if _, ok := m.Match(providers.Account{Platform: providers.X, ID: "2", Handle: "someone", DisplayName: "José Álvarez"}); ok {
		t.Error("hash-only customers matched by name")
	}
}

func TestImportSeparatorsAndJSONLines(t *testing.T) {
	im, err := NewImporter(WithRegion("GB"))
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"semicolon": "Name;Email;Mobile\n\"Doe; Jane\";JANE@example.co.uk;020 7946 0018\n",
		"tab":       "Name\tEmail\tMobile\nDoe; Jane\tJANE@example.co.uk\t020 7946 0018\n",
		"jsonl":     "\n{\"name\": \"Doe; Jane\", \"email\": [\"JANE@example.co.uk\"], \"mobile\": \"020 7946 0018\", \"shoe size\": 9}\n",
	} {
		cs, rep, err := im.ReadAll(context.Background(), strings.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(cs) != 1 || cs[0].Name != "Doe; Jane" || cs[0].Emails[0] != "jane@example.co.uk" || cs[0].Phones[0] != "+442079460018" {
			t.Errorf("%s: %+v (report %+v)", name, cs, rep)
		}
		if name == "jsonl" && (cs[0].Line != 2 || !reflect.DeepEqual(rep.Ignored, []string{"shoe size"})) {
			t.Errorf("jsonl: line %d, ignored %v", cs[0].Line, rep.Ignored)
		}
	}
}

func TestImportJSONLinesRejects(t *testing.T) {
	im, _ := NewImporter()
	in := `{"email": "a@example.com", "handles": {"instagram": "@A.B", "tiktok": "x"}}
{"email": "broken"
{"first_name": "Solo"}
[1,2]
`
	cs, rep, err := im.ReadAll(context.Background(), strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || !reflect.DeepEqual(cs[0].Handles, []Handle{{providers.Instagram, "a.b"}}) {
		t.Errorf("customers = %+v", cs)
	}
	want := []Issue{
		{Line: 2, Reason: "invalid JSON: the object is not closed", Rejected: true},
		{Line: 3, Reason: "no email, phone, handle or full name", Rejected: true},
		{Line: 4, Reason: "invalid JSON: the line is not an object", Rejected: true},
	}
	if !reflect.DeepEqual(rep.Rejects, want) {
		t.Errorf("rejects:\n got %v\nwant %v", rep.Rejects, want)
	}
}

func TestImportHeaderErrorsAndOverrides(t *testing.T) {
	im, _ := NewImporter()
	_, _, err := im.ReadAll(context.Background(), strings.NewReader("Shoe,Hat\n1,2\n"))
	if !errors.Is(err, ErrNoIdentifierColumn) {
		t.Errorf("err = %v", err)
	}
	im, _ = NewImporter(WithColumns(map[string]Field{"Correo": FieldEmail, "Email": FieldIgnore}))
	cs, _, err := im.ReadAll(context.Background(), strings.NewReader("Correo,Email\nana@example.es,other@example.com\n"))
	if err != nil || len(cs) != 1 || !reflect.DeepEqual(cs[0].Emails, []string{"ana@example.es"}) {
		t.Errorf("override: %+v %v", cs, err)
	}
	if _, err := NewImporter(WithColumns(map[string]Field{"x": "bogus"})); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestImportStreamsInOrderAndStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("email\n")
	for i := range 5000 {
		b.WriteString("user" + strings.Repeat("x", i%7) + "@example.com\n")
	}
	im, _ := NewImporter(WithWorkers(2))
	n := 0
	for rec, err := range im.Records(context.Background(), strings.NewReader(b.String())) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Line != n+2 {
			t.Fatalf("record %d has line %d", n, rec.Line)
		}
		n++
		if n == 1500 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := im.Import(ctx, strings.NewReader(b.String()), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import err = %v", err)
	}
}
