package main

import (
	"context"
	"fmt"
	"os"
)

// Example_run runs the whole program: its output is the walkthrough.
func Example_run() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// == lint: first draft
	//   error offer-incomplete [offer:rye]: offer "Rye launch" has no redemption code for bluesky, where it is posted
	//   error reply-staffing [platform:bluesky]: nobody is scheduled to answer on bluesky, where 6 post(s) are planned
	//   error promotion-before-give [m2]: promotional post on Wed 4 Mar 10:00 before the give phase "give" ends (Mon 9 Mar 00:00)
	//   error over-limit [b4]: too long for bluesky: 352/300 graphemes, 352/3000 bytes
	//   warning promotional-share [platform:mastodon]: 2 of 6 posts on mastodon ask for something (33%); at most 1 in 5
	//   warning promotional-share [platform:mastodon, branch boost]: 2 of 7 posts on mastodon ask for something (29%); at most 1 in 5
	//   warning near-duplicate [m3]: copy is 83% the same as b2 (Wed 4 Mar 15:00)
	// == fixes
	//   gave Bluesky its own code
	//   Sam's shift now covers Bluesky
	//   rewrote m2 to give instead of ask
	//   shortened b4 (and added its code)
	//   wrote fresh copy for m3
	// == lint: second draft
	//   clean
	// == running the calendar
	//   Mon Mar 2 09:00 EST mastodon m1      unknown (response lost: read back before any retry)
	//   Mon Mar 2 09:00 EST mastodon m1      published (found by read-back, not posted again)
	//   Mon Mar 2 11:00 EST bluesky  b1      published
	//   Wed Mar 4 10:00 EST mastodon m2      published
	//   Wed Mar 4 15:00 EST bluesky  b2      published
	//   Fri Mar 6 09:30 EST mastodon m3      published
	//   Fri Mar 6 12:00 EST bluesky  b3      published
	//   Mon Mar 9 09:00 EDT mastodon m4      published
	//   Mon Mar 9 09:30 EDT bluesky  b4      published
	//   Wed Mar 11 10:00 EDT mastodon m5      published
	//   Wed Mar 11 16:00 EDT bluesky  b5      published
	//   Fri Mar 13 11:00 EDT mastodon m6      published
	//   Fri Mar 13 12:00 EDT bluesky  b6      published
	//   redemptions by Mar 13 17:00: 3 (mastodon 1, bluesky 1, email 1)
	//   slow-launch: redemptions = 3 at checkpoint "launch-week" (Fri 13 Mar 2026 17:00 EDT) is below the threshold 4, so: switch the calendar to branch "boost"; notify owner (Ana): launch redemptions are behind
	//   → notify Ana: launch redemptions are behind
	//   Mon Mar 16 10:00 EDT mastodon m-boost published
	// == published
	//   mastodon Mar 2 09:00  Morning from Millbrook Bakery! This week we're sharing the …
	//   mastodon Mar 4 10:00  Behind the scenes: our bakers tested eleven rye recipes thi…
	//   mastodon Mar 6 09:30  Croissants take three days: lamination, resting, proofing. …
	//   mastodon Mar 9 09:00  It's here: our rye & caraway loaf. Followers first: use cod…
	//   mastodon Mar 11 10:00  Storing rye: wrap it in linen, never in the fridge. It keep…
	//   mastodon Mar 13 11:00  Toasted rye with butter, or with smoked fish? We're settlin…
	//   mastodon Mar 16 10:00  Come meet the bakers on Saturday morning: we'll taste the n…
	//   bluesky  Mar 2 11:00  Tip: keep your sourdough starter in a glass jar with a loos…
	//   bluesky  Mar 4 15:00  How to revive stale bread: a splash of water, then five min…
	//   bluesky  Mar 6 12:00  Which should we bake for Saturday's demo: kouign-amann or p…
	//   bluesky  Mar 9 09:30  The rye & caraway loaf you voted for is out today. Bluesky …
	//   bluesky  Mar 11 16:00  The caraway comes from a family farm two valleys over. Here…
	//   bluesky  Mar 13 12:00  Thank you for a wonderful launch week: every photo of your …
	// == 13 outbox entries, 0 duplicates
}
