// Command audience imports a customer list (customers.csv, a messy CRM
// export), matches it against the followers of a shop on two simulated
// networks and against the people who engage with its Facebook page (which
// lists no followers), then prints the rejected rows, the segments and the
// ranking of the platforms.
//
//	go run ./examples/audience [customers.csv]
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/rapportkit/rapport/audience"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func main() {
	path := "customers.csv"
	if len(os.Args) > 1 {
		path = os.Args[1]
	} else if _, err := os.Stat(path); err != nil {
		// Run from the repository root: use the file next to this program.
		_, self, _, _ := runtime.Caller(0)
		path = filepath.Join(filepath.Dir(self), "customers.csv")
	}
	if err := run(context.Background(), os.Stdout, path); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, out io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	// 1. Import: phones without a country code are read as US numbers.
	im, err := audience.NewImporter(audience.WithRegion("US"))
	if err != nil {
		return err
	}
	customers, report, err := im.ReadAll(ctx, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Imported %s: %d rows read, %d kept, %d rejected, %d duplicates merged, %d customers\n",
		filepath.Base(path), report.Read, report.Kept, report.Rejected, report.Duplicates, report.Customers)
	for _, r := range report.Rejects {
		fmt.Fprintln(out, "  rejected", r)
	}
	for _, w := range report.Warnings {
		fmt.Fprintln(out, "  warning ", w)
	}

	// 2. The shop's audience on three simulated platforms.
	mastodon, err := mastodonNetwork()
	if err != nil {
		return err
	}
	bluesky, err := blueskyNetwork()
	if err != nil {
		return err
	}
	facebook, err := facebookPage(ctx)
	if err != nil {
		return err
	}

	// 3. Match followers, and the people who engage where no follower
	// list exists.
	m, err := audience.NewMatcher(customers, audience.WithRegion("US"))
	if err != nil {
		return err
	}
	survey := m.NewSurvey()
	for _, p := range []providers.Provider{mastodon, bluesky} {
		if err := survey.AddProviderFollowers(ctx, p); err != nil {
			return err
		}
	}
	if err := survey.AddProviderEngagers(ctx, facebook); err != nil {
		return err
	}
	res := survey.Result()

	// 4. Segments.
	fmt.Fprintln(out, "\nCustomers who follow or engage:")
	for _, match := range res.Matches {
		c := customers[match.Customer]
		fmt.Fprintf(out, "  %-20s %-9s @%-24s %.2f  %s\n", c.Name, match.Account.Platform, match.Account.Handle,
			match.Confidence, match.Explanation())
	}
	fmt.Fprintln(out, "\nProspects (followers and engagers who are not customers yet):")
	for _, a := range res.Prospects() {
		fmt.Fprintf(out, "  %-9s @%s (%s)\n", a.Platform, a.Handle, a.DisplayName)
	}
	fmt.Fprintln(out, "\nCustomers on no platform (invite them by email):")
	if err := audience.WriteCustomersCSV(out, res.NotOnAnyPlatform()); err != nil {
		return err
	}

	// 5. Which platforms matter for this business.
	sum := res.Summary()
	fmt.Fprintf(out, "\nPlatforms, ranked by the share and value of the customers present (%d of %d customers found):\n",
		sum.Found, sum.Customers)
	for _, p := range sum.Platforms {
		fmt.Fprintf(out, "  %d. %-9s %d customers (%.0f%% of customers, %.0f%% of the value), %d of %d accounts are customers\n",
			p.Rank, p.Platform, p.Customers, 100*p.CustomerShare, 100*p.ValueShare, p.Customers, p.Accounts)
	}
	fmt.Fprintln(out, "Customers found on two platforms:")
	for _, o := range sum.Overlap {
		fmt.Fprintf(out, "  %s and %s: %d\n", o.A, o.B, o.Customers)
	}
	return nil
}

// follow creates the accounts and makes them follow the shop.
func follow(net *memory.Network, accounts []providers.Account) error {
	if _, err := net.CreateAccount(providers.Account{Handle: "cornercafe", DisplayName: "Corner Café"}); err != nil {
		return err
	}
	for _, a := range accounts {
		if _, err := net.CreateAccount(a); err != nil {
			return err
		}
		if err := net.Follow(a.Handle, "cornercafe"); err != nil {
			return err
		}
	}
	return nil
}

func mastodonNetwork() (providers.Provider, error) {
	net, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	if err != nil {
		return nil, err
	}
	err = follow(net, []providers.Account{
		{Handle: "zoe_m@mastodon.social", DisplayName: "Zoë 🌻", Location: "Berlin"},
		{Handle: "tom@fosstodon.org", DisplayName: "Tom Baker", Links: []string{"https://bakerbikes.com/"}},
		{Handle: "liam@mastodon.ie", DisplayName: "Liam O'Connor", Location: "Cork"},
		{Handle: "kai@hachyderm.io", DisplayName: "Kai", Bio: "Rust, coffee, bikes."},
	})
	if err != nil {
		return nil, err
	}
	return net.Client("cornercafe")
}

func blueskyNetwork() (providers.Provider, error) {
	net, err := memory.NewNetwork(memory.WithPlatform(providers.Bluesky))
	if err != nil {
		return nil, err
	}
	err = follow(net, []providers.Account{
		{Handle: "liz-obrien.bsky.social", DisplayName: "Elizabeth"},
		{Handle: "priya.design", DisplayName: "Priya N.", Bio: "Designer at Natarajan Design. natarajan.design"},
		{Handle: "kittykat.bsky.social", DisplayName: "Katie Nguyen", Location: "Oakland, CA"},
		{Handle: "samlee.bsky.social", DisplayName: "Sam Lee", Location: "Seoul, South Korea"},
		{Handle: "zoemueller.bsky.social", DisplayName: "Zoe Mueller", Location: "Berlin, Germany"},
	})
	if err != nil {
		return nil, err
	}
	return net.Client("cornercafe")
}

// facebookPage simulates a page whose followers cannot be listed: people
// comment on and like its posts.
func facebookPage(ctx context.Context) (providers.Provider, error) {
	net, err := memory.NewNetwork(memory.WithPlatform(providers.Facebook))
	if err != nil {
		return nil, err
	}
	for _, a := range []providers.Account{
		{Handle: "cornercafe", DisplayName: "Corner Café"},
		{Handle: "jose.alvarez.sf", DisplayName: "José Álvarez", Location: "San Francisco, California"},
		{Handle: "robertsmith", DisplayName: "Robert Smith", Location: "London, UK"},
		{Handle: "mia.w", DisplayName: "Mia Wong"},
	} {
		if _, err := net.CreateAccount(a); err != nil {
			return nil, err
		}
	}
	page, err := net.Client("cornercafe")
	if err != nil {
		return nil, err
	}
	post, err := providers.Publish(ctx, page, providers.Draft{Text: "Our spring menu is here!"})
	if err != nil {
		return nil, err
	}
	for _, h := range []string{"jose.alvarez.sf", "robertsmith", "mia.w"} {
		c, err := net.Client(h)
		if err != nil {
			return nil, err
		}
		if err := c.React(ctx, providers.ReactLike, post.Ref); err != nil {
			return nil, err
		}
	}
	c, err := net.Client("jose.alvarez.sf")
	if err != nil {
		return nil, err
	}
	if _, err := c.Publish(ctx, providers.Draft{Text: "Can't wait to try it!", ReplyTo: post.Ref}); err != nil {
		return nil, err
	}
	return page, nil
}
