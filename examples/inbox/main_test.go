package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"WARNING   @alice",                          // an SLA warning before the deadline
		"BREACH    @bob.bsky.social",                // a breach
		"escalated @bob.bsky.social         to sam", // and its escalation
		"| – Sam, Crumb & Co",                       // signed on Mastodon
		"| ^Sam",                                    // signed on Bluesky
		"to kim (routing rule: orders and sales)",
		"@growthguru: ignored (spam)",
		"SLA attainment: 3 of 4",
		"reopened from replied",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func Example() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// Crumb & Co's shared inbox, Monday 2 March 2026 (Sam: complaints and lead; Kim: orders, mornings; Priya: Bluesky, afternoons)
	//
	// Mon 08:40  sync mastodon 3 new, 3 new conversations, 1 duplicates
	// Mon 08:40    new       @alice                   complaint, urgent priority on mastodon
	// Mon 08:40    assigned  @alice                   to sam (routing rule: complaints)
	// Mon 08:40    new       @carol                   lead, normal priority on mastodon
	// Mon 08:40    assigned  @carol                   to kim (routing rule: orders and sales)
	// Mon 08:40    new       @growthguru              spam, low priority on mastodon
	// Mon 08:40  sync bluesky  1 new, 1 new conversations, 0 duplicates
	// Mon 08:40    new       @bob.bsky.social         question, normal priority on bluesky
	// Mon 08:40    assigned  @bob.bsky.social         to kim (routing: least loaded)
	// Mon 08:55  SLA check: 3 waiting, 1 warned, 0 breached, 0 escalated
	// Mon 08:55    WARNING   @alice                   first response due Mon 2 Mar 09:00 GMT (5m0s left), owner sam
	// Mon 08:58  sam read 1 message(s) and answered @alice:
	//              | Alice, we're so sorry. A replacement is on us: it will be ready at 11:00.
	//              | – Sam, Crumb & Co
	// Mon 08:58    replied   @alice                   by sam
	// Mon 09:05  kim read 1 message(s) and answered @carol:
	//              | Hi Carol, congratulations! A 3-tier cake for 80 starts at £320. Can I call you to talk flavours?
	//              | – Kim, Crumb & Co
	// Mon 09:05    replied   @carol                   by kim
	// Mon 10:05  SLA check: 1 waiting, 1 warned, 0 breached, 0 escalated
	// Mon 10:05    WARNING   @bob.bsky.social         first response due Mon 2 Mar 10:30 GMT (25m0s left), owner kim
	// Mon 10:35  SLA check: 1 waiting, 0 warned, 1 breached, 1 escalated
	// Mon 10:35    BREACH    @bob.bsky.social         first response was due Mon 2 Mar 10:30 GMT
	// Mon 10:35    escalated @bob.bsky.social         to sam: SLA breach (from kim)
	// Mon 10:40  sam read 1 message(s) and answered @bob.bsky.social:
	//              | Sorry for the wait Bob! Yes: the rye and the almond cake are both gluten free, every Saturday.
	//              | ^Sam
	// Mon 10:40    replied   @bob.bsky.social         by sam
	// Mon 11:15  sync mastodon 1 new, 0 new conversations, 0 duplicates
	// Mon 11:15    message   @alice                   message from @alice; reopened from replied
	// Mon 11:15  sync bluesky  0 new, 0 new conversations, 0 duplicates
	// Mon 11:20  sam read 2 message(s) and answered @alice:
	//              | Thank you Alice, enjoy it!
	//              | – Sam, Crumb & Co
	// Mon 11:20    replied   @alice                   by sam
	//
	// Response times (first answer to each wait):
	//   @alice                  mastodon  complaint  urgent  answered by sam  after 28m0s    within SLA
	//   @carol                  mastodon  lead       normal  answered by kim  after 35m0s    within SLA
	//   @bob.bsky.social        bluesky   question   high    answered by sam  after 2h10m0s  SLA breached
	//   @alice                  mastodon  praise     normal  answered by sam  after 10m0s    within SLA
	// SLA attainment: 3 of 4
	//
	// @growthguru: ignored (spam)
	// Audit trail of @alice's conversation (resolved):
	//   08:40  system created         mention from @alice: complaint, urgent priority
	//   08:40  system assigned        -> sam routing rule: complaints
	//   08:55  system sla_warning     first response due Mon 2 Mar 09:00 GMT (5m0s left)
	//   08:58  sam    context_loaded  1 messages, thread of p1
	//   08:58  sam    reply_drafted   Alice, we're so sorry. A replacement is on us: it will be ready at 11:00.
	//   08:58  sam    reply_sent      https://mastodon.example/@crumbandco/p4
	//   08:58  sam    state           assigned -> replied
	//   08:58  sam    note            Regular (23 orders). Refund the delivery fee too.
	//   11:15  system state           replied -> assigned new message
	//   11:15  system message         message from @alice; reopened from replied
	//   11:20  sam    context_loaded  2 messages, thread of p6
	//   11:20  sam    reply_drafted   Thank you Alice, enjoy it!
	//   11:20  sam    reply_sent      https://mastodon.example/@crumbandco/p7
	//   11:20  sam    state           assigned -> resolved
}
