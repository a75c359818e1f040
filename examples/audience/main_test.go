package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, "customers.csv"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"15 rows read, 11 kept, 4 rejected, 1 duplicates merged, 10 customers",
		`rejected line 7: E-mail Address: invalid email "ana@example": domain "example" has no dot`,
		"rejected line 9: record has 4 fields, header has 17",
		"Zoë Müller           mastodon  @zoe_m@mastodon.social    1.00  the customer lists this handle",
		"José Álvarez         facebook  @jose.alvarez.sf",
		"bluesky   @samlee.bsky.social (Sam Lee)",
		"C014,Sam Lee,,,,,,Seattle,US,,,",
		"1. bluesky   4 customers",
		"bluesky and mastodon: 1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
