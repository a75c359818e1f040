// Command inbox runs a small team's shared inbox for a bakery on the
// in-process memory network: messages arrive on Mastodon and Bluesky, are
// triaged and assigned to staff by skill, platform and working hours, SLA
// warnings and breaches fire on business hours, and the team answers with
// signed replies. It prints what happened, then the response times.
//
//	go run ./examples/inbox
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the shop's time zone, wherever the program runs

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "inbox:", err)
		os.Exit(1)
	}
}

// shop is the simulated world: two networks, the bakery's inbox and a
// clock that only moves when the story says so.
type shop struct {
	out    io.Writer
	clock  *memory.Clock
	masto  *memory.Network
	sky    *memory.Network
	inbox  *engage.Inbox
	events *engage.Subscription
	loc    *time.Location
}

func run(ctx context.Context, out io.Writer) error {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return fmt.Errorf("time zone: %w", err)
	}
	s := &shop{out: out, loc: loc, clock: memory.NewClock(time.Date(2026, 3, 2, 8, 30, 0, 0, loc))}
	if err := s.setUp(); err != nil {
		return err
	}
	defer s.events.Close()
	return s.story(ctx)
}

func (s *shop) setUp() error {
	var err error
	if s.masto, err = memory.NewNetwork(memory.WithClock(s.clock.Now), memory.WithPlatform(providers.Mastodon)); err != nil {
		return err
	}
	if s.sky, err = memory.NewNetwork(memory.WithClock(s.clock.Now), memory.WithPlatform(providers.Bluesky),
		memory.WithLimits(providers.Limits{MaxGraphemes: 300})); err != nil {
		return err
	}
	for _, a := range []providers.Account{
		{Handle: "crumbandco", DisplayName: "Crumb & Co"},
		{Handle: "alice", DisplayName: "Alice Martin"},
		{Handle: "carol", DisplayName: "Carol Singh"},
		{Handle: "growthguru", DisplayName: "Growth Guru"},
	} {
		if _, err := s.masto.CreateAccount(a); err != nil {
			return err
		}
	}
	for _, a := range []providers.Account{
		{Handle: "crumbandco.bsky.social", DisplayName: "Crumb & Co"},
		{Handle: "bob.bsky.social", DisplayName: "Bob Okafor"},
	} {
		if _, err := s.sky.CreateAccount(a); err != nil {
			return err
		}
	}
	mastoBakery, _ := s.masto.Client("crumbandco")
	skyBakery, _ := s.sky.Client("crumbandco.bsky.social")

	// The shop opens 08:00-18:00, Monday to Saturday.
	open := engage.NewBusinessHours(s.loc)
	for d := time.Monday; d <= time.Saturday; d++ {
		if err := open.Set(d, "08:00-18:00"); err != nil {
			return err
		}
	}
	mornings, _ := engage.Weekdays(s.loc, "08:00-13:00")
	afternoons, _ := engage.Weekdays(s.loc, "12:00-18:00")
	team := []engage.Staff{
		{ID: "sam", Name: "Sam Lee", Skills: []string{"complaints"}, Hours: open, Capacity: 4, Lead: true},
		{ID: "kim", Name: "Kim Ortiz", Skills: []string{"orders"}, Hours: mornings, Capacity: 6},
		{ID: "priya", Name: "Priya Shah", Platforms: []providers.Platform{providers.Bluesky}, Hours: afternoons, Capacity: 6},
	}
	ids := 0
	s.inbox, err = engage.New(
		engage.WithAccount("mastodon", mastoBakery),
		engage.WithAccount("bluesky", skyBakery),
		engage.WithClock(s.clock.Now),
		engage.WithIDs(func() string { ids++; return fmt.Sprintf("c%02d", ids) }),
		engage.WithTeam(team...),
		engage.WithRoutes(
			engage.RouteRule{Name: "complaints", Intents: []engage.Intent{engage.IntentComplaint}, Skill: "complaints"},
			engage.RouteRule{Name: "orders and sales", Intents: []engage.Intent{engage.IntentLead, engage.IntentServiceRequest}, Skill: "orders"},
			engage.RouteRule{Name: "bluesky", Platforms: []providers.Platform{providers.Bluesky}, To: []string{"priya"}},
		),
		engage.WithSLA(engage.SLAPolicy{
			Targets: map[engage.Priority]time.Duration{
				engage.PriorityUrgent: 30 * time.Minute, engage.PriorityHigh: time.Hour,
				engage.PriorityNormal: 2 * time.Hour, engage.PriorityLow: 8 * time.Hour,
			},
			Hours:          open,
			AroundTheClock: []engage.Priority{engage.PriorityUrgent},
			EscalateTo:     []string{"sam"},
		}),
		engage.WithSignature(providers.Mastodon, engage.Signature{Format: "– {{first_name}}, Crumb & Co", Short: "^{{initials}}"}),
		engage.WithSignature(providers.Bluesky, engage.Signature{Format: "^{{first_name}}", Short: "^{{initials}}"}),
		engage.WithBusinessName("Crumb & Co"),
		engage.WithSavedReplies(engage.SavedReply{ID: "sorry-replace", Name: "Apology and replacement",
			Text: "{{first_name}}, we're so sorry. A replacement is on us: it will be ready at {{time}}."}),
		engage.WithCustomerLookup(engage.CustomerLookupFunc(func(_ context.Context, a providers.Account) (*engage.Customer, error) {
			if a.Handle == "alice" { // a regular: the audience match would say so
				return &engage.Customer{ID: "cus_118", Name: "Alice Martin", FirstName: "Alice", Value: 640, Orders: 23}, nil
			}
			return nil, nil
		})),
		engage.WithVIPValue(500),
	)
	if err != nil {
		return err
	}
	s.events = s.inbox.Subscribe(64)
	return nil
}

func (s *shop) say(format string, args ...any) {
	fmt.Fprintf(s.out, "%s  %s\n", s.clock.Now().In(s.loc).Format("Mon 15:04"), fmt.Sprintf(format, args...))
}

// at moves the clock to hh:mm on the story's day.
func (s *shop) at(hh, mm int) {
	now := s.clock.Now().In(s.loc)
	s.clock.Set(time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, s.loc))
}

// drain prints the events published since the last drain.
func (s *shop) drain() {
	for len(s.events.C) > 0 {
		ev := <-s.events.C
		who := "@" + ev.Conversation.Author.Handle
		line := func(label, format string, args ...any) {
			s.say("  %-9s %-24s %s", label, who, fmt.Sprintf(format, args...))
		}
		switch ev.Kind {
		case engage.EventNewConversation:
			c := ev.Conversation
			line("new", "%s, %s priority on %s", c.Intent, c.Priority, c.Platform)
		case engage.EventAssigned:
			line("assigned", "to %s (%s)", ev.Staff, ev.Detail)
		case engage.EventSLAWarning:
			line("WARNING", "%s, owner %s", ev.Detail, ev.Staff)
		case engage.EventSLABreach:
			line("BREACH", "%s", ev.Detail)
		case engage.EventEscalated:
			line("escalated", "to %s: %s", ev.Staff, ev.Detail)
		case engage.EventReplied:
			line("replied", "by %s", ev.Staff)
		case engage.EventMessage:
			line("message", "%s", ev.Detail)
		}
	}
}

func (s *shop) publish(net *memory.Network, handle, text string, replyTo providers.Ref) (providers.Post, error) {
	c, err := net.Client(handle)
	if err != nil {
		return providers.Post{}, err
	}
	return c.Publish(context.Background(), providers.Draft{Text: text, ReplyTo: replyTo})
}

func (s *shop) sync(ctx context.Context) error {
	for _, acct := range s.inbox.Accounts() {
		res, err := s.inbox.Sync(ctx, acct)
		if err != nil {
			return err
		}
		s.say("sync %-8s %d new, %d new conversations, %d duplicates", acct, res.New, res.Conversations, res.Duplicates)
		s.drain()
	}
	return nil
}

func (s *shop) checkSLAs(ctx context.Context) error {
	rep, err := s.inbox.CheckSLAs(ctx)
	if err != nil {
		return err
	}
	s.say("SLA check: %d waiting, %d warned, %d breached, %d escalated", rep.Checked, rep.Warned, rep.Breached, rep.Escalated)
	s.drain()
	return nil
}

func (s *shop) conversation(ctx context.Context, handle string) (engage.Conversation, error) {
	cs, err := s.inbox.Conversations(ctx, engage.ConversationFilter{})
	if err != nil {
		return engage.Conversation{}, err
	}
	for _, c := range cs {
		if c.Author.Handle == handle {
			return c, nil
		}
	}
	return engage.Conversation{}, fmt.Errorf("no conversation with @%s", handle)
}

// answer loads the context and replies as staff.
func (s *shop) answer(ctx context.Context, handle, staff string, req engage.ReplyRequest) error {
	c, err := s.conversation(ctx, handle)
	if err != nil {
		return err
	}
	tc, err := s.inbox.LoadContext(ctx, c.ID, staff)
	if err != nil {
		return err
	}
	req.ConversationID, req.Staff = c.ID, staff
	r, err := s.inbox.Reply(ctx, req)
	if err != nil {
		return err
	}
	s.say("%s read %d message(s) and answered @%s:", staff, len(tc.Items), handle)
	for _, line := range strings.Split(r.Draft().Body(), "\n") {
		fmt.Fprintf(s.out, "             | %s\n", line)
	}
	s.drain()
	return nil
}

func (s *shop) story(ctx context.Context) error {
	fmt.Fprintln(s.out, "Crumb & Co's shared inbox, Monday 2 March 2026 (Sam: complaints and lead; Kim: orders, mornings; Priya: Bluesky, afternoons)")
	fmt.Fprintln(s.out)

	// 08:30 the first messages of the day.
	_, err := s.publish(s.masto, "alice", "@crumbandco my order #4471 for this morning was the wrong cake and the box was crushed. Really disappointed.", providers.Ref{})
	if err != nil {
		return err
	}
	if _, err := s.publish(s.sky, "bob.bsky.social", "@crumbandco.bsky.social do you have anything gluten free on Saturdays?", providers.Ref{}); err != nil {
		return err
	}
	carol, _ := s.masto.Client("carol")
	if _, err := carol.SendMessage(ctx, "crumbandco", providers.Draft{Text: "Hi! How much would a 3-tier wedding cake for 80 guests be? Wedding is 12 June."}); err != nil {
		return err
	}
	if _, err := s.publish(s.masto, "growthguru", "@crumbandco Grow your page to 10k real followers!! DM me, link in bio", providers.Ref{}); err != nil {
		return err
	}

	s.at(8, 40)
	if err := s.sync(ctx); err != nil {
		return err
	}

	s.at(8, 55)
	if err := s.checkSLAs(ctx); err != nil {
		return err
	}

	s.at(8, 58)
	if err := s.answer(ctx, "alice", "sam", engage.ReplyRequest{Template: "sorry-replace", Vars: map[string]string{"time": "11:00"}}); err != nil {
		return err
	}
	c, _ := s.conversation(ctx, "alice")
	if err := s.inbox.AddNote(ctx, c.ID, "sam", "Regular (23 orders). Refund the delivery fee too."); err != nil {
		return err
	}

	s.at(9, 5)
	if err := s.answer(ctx, "carol", "kim", engage.ReplyRequest{
		Text: "Hi {{first_name}}, congratulations! A 3-tier cake for 80 starts at £320. Can I call you to talk flavours?",
		Then: engage.StateWaiting,
	}); err != nil {
		return err
	}

	s.at(10, 5)
	if err := s.checkSLAs(ctx); err != nil {
		return err
	}
	s.at(10, 35)
	if err := s.checkSLAs(ctx); err != nil {
		return err
	}

	s.at(10, 40)
	if err := s.answer(ctx, "bob.bsky.social", "sam", engage.ReplyRequest{
		Text: "Sorry for the wait Bob! Yes: the rye and the almond cake are both gluten free, every Saturday.",
		Then: engage.StateResolved,
	}); err != nil {
		return err
	}

	// Alice answers the reply; her conversation reopens for Sam.
	s.at(11, 10)
	replies, _ := s.inbox.Replies(ctx, engage.ReplyFilter{ConversationID: c.ID})
	if _, err := s.publish(s.masto, "alice", "@crumbandco picked it up, it's perfect. Thank you so much! ❤️", replies[0].Post); err != nil {
		return err
	}
	s.at(11, 15)
	if err := s.sync(ctx); err != nil {
		return err
	}
	s.at(11, 20)
	if err := s.answer(ctx, "alice", "sam", engage.ReplyRequest{Text: "Thank you {{first_name}}, enjoy it!", Then: engage.StateResolved}); err != nil {
		return err
	}

	return s.report(ctx)
}

func (s *shop) report(ctx context.Context) error {
	fmt.Fprintln(s.out)
	fmt.Fprintln(s.out, "Response times (first answer to each wait):")
	samples, err := s.inbox.ResponseSamples(ctx, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	slices.SortFunc(samples, func(a, b engage.ResponseSample) int { return a.RespondedAt.Compare(b.RespondedAt) })
	met := 0
	for _, sm := range samples {
		c, err := s.inbox.Conversation(ctx, sm.ConversationID)
		if err != nil {
			return err
		}
		status := "within SLA"
		if sm.Breached {
			status = "SLA breached"
		} else {
			met++
		}
		fmt.Fprintf(s.out, "  @%-22s %-9s %-10s %-7s answered by %-4s after %-8s %s\n", c.Author.Handle, c.Platform, sm.Intent, sm.Priority, sm.Staff, sm.ResponseTime(), status)
	}
	fmt.Fprintf(s.out, "SLA attainment: %d of %d\n", met, len(samples))

	fmt.Fprintln(s.out)
	spam, err := s.conversation(ctx, "growthguru")
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "@growthguru: %s (%s)\n", spam.State, spam.StateReason)

	c, err := s.conversation(ctx, "alice")
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Audit trail of @alice's conversation (%s):\n", c.State)
	trail, err := s.inbox.Audit(ctx, engage.AuditFilter{ConversationID: c.ID})
	if err != nil {
		return err
	}
	for _, e := range trail {
		detail := e.Detail
		if e.To != "" && e.Action != engage.ActionCreated {
			detail = strings.TrimSpace(e.From + " -> " + e.To + " " + detail)
		}
		fmt.Fprintf(s.out, "  %s  %-6s %-15s %s\n", e.At.In(s.loc).Format("15:04"), e.Actor, e.Action, detail)
	}
	return nil
}
