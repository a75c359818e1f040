package audience_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/rapportkit/rapport/audience"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// A shop imports its customer list, matches the followers of its Mastodon
// account against it and sees who follows, who does not yet buy, and whom
// to invite.
func Example() {
	ctx := context.Background()
	const crm = "Email,First Name,Last Name,City,Mastodon,Lifetime Value\n" +
		"ana@example.com,Ana,Lima,Porto,@ana@social.example,420\n" +
		"bob@example.com,Robert,Smith,Leeds,,180\n" +
		"chloe@example,Chloé,Martin,Lyon,,95\n" +
		"dan@example.com,Dan,Okafor,Lagos,,60\n"
	im, _ := audience.NewImporter()
	customers, report, err := im.ReadAll(ctx, strings.NewReader(crm))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range report.Warnings {
		fmt.Println("warning:", w)
	}

	net, _ := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	net.CreateAccount(providers.Account{Handle: "shop"})
	net.CreateAccount(providers.Account{Handle: "ana@social.example", DisplayName: "Ana L."})
	net.CreateAccount(providers.Account{Handle: "bobby", DisplayName: "Bob Smith", Location: "Leeds, UK"})
	net.CreateAccount(providers.Account{Handle: "eve", DisplayName: "Eve"})
	for _, h := range []string{"ana@social.example", "bobby", "eve"} {
		net.Follow(h, "shop")
	}
	shop, _ := net.Client("shop")

	m, _ := audience.NewMatcher(customers)
	survey := m.NewSurvey()
	if err := survey.AddProviderFollowers(ctx, shop); err != nil {
		fmt.Println(err)
		return
	}
	res := survey.Result()
	for _, match := range res.CustomersWhoFollow(providers.Mastodon) {
		fmt.Printf("follower @%s is customer %s (%.2f): %s\n",
			match.Account.Handle, customers[match.Customer].Name, match.Confidence, match.Explanation())
	}
	for _, a := range res.ProspectsOn(providers.Mastodon) {
		fmt.Printf("prospect: @%s\n", a.Handle)
	}
	for _, c := range res.NotOnAnyPlatform() {
		fmt.Printf("invite by email: %s %v\n", c.Name, c.Emails)
	}
	// Output:
	// warning: line 4: Email: invalid email "chloe@example": domain "example" has no dot
	// follower @ana@social.example is customer Ana Lima (1.00): the customer lists this handle (@ana@social.example)
	// follower @bobby is customer Robert Smith (0.98): same name (nickname): "Bob Smith" ≈ "Robert Smith"; location "Leeds, UK" names the customer's city
	// prospect: @eve
	// invite by email: Chloé Martin []
	// invite by email: Dan Okafor [dan@example.com]
}

// Every rejected row is reported with the line where it starts, the field
// and the reason.
func ExampleImporter_Import() {
	const crm = "\ufeffName,E-mail Address,Phone\n" +
		"\"Smith,\nJane\",jane@example.com,+44 20 7946 0018\n" +
		"Solo,solo@,\n" +
		"Too,Many,Fields,Here\n" +
		"Max Mustermann,max@example,+49 30 901820\n"
	im, _ := audience.NewImporter(audience.WithRegion("GB"))
	report, err := im.Import(context.Background(), strings.NewReader(crm), func(c audience.Customer) error {
		fmt.Printf("kept line %d: %s %v %v\n", c.Line, c.Name, c.Emails, c.Phones)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range report.Rejects {
		fmt.Println("rejected:", r)
	}
	for _, w := range report.Warnings {
		fmt.Println("warning:", w)
	}
	fmt.Printf("read %d, kept %d, rejected %d\n", report.Read, report.Kept, report.Rejected)
	// Output:
	// kept line 2: Smith, Jane [jane@example.com] [+442079460018]
	// kept line 6: Max Mustermann [] [+4930901820]
	// rejected: line 4: E-mail Address: invalid email "solo@": nothing after @
	// rejected: line 5: record has 4 fields, header has 3
	// warning: line 6: E-mail Address: invalid email "max@example": domain "example" has no dot
	// read 4, kept 2, rejected 2
}

func ExampleNormalizeHandle() {
	for _, in := range []struct {
		p   providers.Platform
		raw string
	}{
		{providers.X, "https://twitter.com/JoseAlvarez"},
		{providers.Mastodon, "https://mastodon.social/@Zoe_M"},
		{providers.Bluesky, "@ana"},
		{providers.Instagram, "instagram.com/bob.smith/"},
	} {
		h, err := audience.NormalizeHandle(in.p, in.raw)
		fmt.Println(h, err)
	}
	// Output:
	// josealvarez <nil>
	// zoe_m@mastodon.social <nil>
	// ana.bsky.social <nil>
	// bob.smith <nil>
}

func ExampleCanonicalName() {
	fmt.Println(audience.CanonicalName("Dr. José ÁLVAREZ"))
	fmt.Println(audience.CanonicalName("Smith, Bob"))
	fmt.Println(audience.CanonicalName("Liz O'Brien"))
	// Output:
	// alvarez jose
	// robert smith
	// elizabeth obrien
}

func ExampleHashPhone() {
	pn, _ := audience.NewPhoneNormalizer("US", audience.PhonePossible)
	e164, _ := pn.Normalize("(650) 555-0123")
	fmt.Println(e164)
	fmt.Println(audience.HashPhone(e164, audience.PhoneDigits) == audience.HashSHA256("16505550123"))
	fmt.Println(audience.HashEmail("test@example.com"))
	// Output:
	// +16505550123
	// true
	// 973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b
}

// Results export as CSV for a mail merge or a spreadsheet.
func ExampleWriteCustomersCSV() {
	customers := []audience.Customer{{ID: "7", Name: "Dan Okafor", Emails: []string{"dan@example.com"}, City: "Lagos", Value: 60}}
	audience.WriteCustomersCSV(os.Stdout, customers)
	// Output:
	// id,name,email,phone,email_sha256,phone_sha256,company,city,country,tags,value,last_purchase
	// 7,Dan Okafor,dan@example.com,,,,,Lagos,,,60.00,
}
