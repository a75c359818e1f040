package engage_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
)

// A bakery answers a customer on the memory network: the mention is
// synced, triaged and assigned, the context is loaded, and the reply goes
// out signed by the person who wrote it.
func Example() {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	net, _ := memory.NewNetwork(memory.WithClock(clock.Now))
	net.CreateAccount(providers.Account{Handle: "bakery"})
	net.CreateAccount(providers.Account{Handle: "alice", DisplayName: "Alice Martin"})
	bakery, _ := net.Client("bakery")
	alice, _ := net.Client("alice")

	inbox, err := engage.New(
		engage.WithAccount("bakery", bakery),
		engage.WithClock(clock.Now),
		engage.WithTeam(engage.Staff{ID: "sam", Name: "Sam Lee"}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	alice.Publish(ctx, providers.Draft{Text: "@bakery my cake order never arrived, really disappointed"})
	res, _ := inbox.Sync(ctx, "bakery")
	fmt.Println("new conversations:", res.Conversations)

	convs, _ := inbox.Conversations(ctx, engage.ConversationFilter{})
	c := convs[0]
	fmt.Printf("@%s: %s, %s priority, assigned to %s, due %s\n", c.Author.Handle, c.Intent, c.Priority, c.Assignee, c.DueAt.Format("15:04"))

	clock.Advance(12 * time.Minute)
	inbox.LoadContext(ctx, c.ID, "sam")
	r, err := inbox.Reply(ctx, engage.ReplyRequest{ConversationID: c.ID, Staff: "sam", Text: "So sorry {{first_name}}, a fresh cake is on its way!"})
	if err != nil {
		fmt.Println(err)
		return
	}
	post, _ := net.Post(r.Post.ID)
	fmt.Printf("published:\n%s\n", post.Text)

	samples, _ := inbox.ResponseSamples(ctx, time.Time{}, time.Time{})
	fmt.Println("first response after", samples[0].ResponseTime())
	// Output:
	// new conversations: 1
	// @alice: complaint, high priority, assigned to sam, due 13:00
	// published:
	// So sorry Alice, a fresh cake is on its way!
	// ^Sam
	// first response after 12m0s
}

func ExampleRuleClassifier() {
	rc, _ := engage.NewRuleClassifier()
	for _, text := range []string{
		"Do you have any gluten free options on Sundays?",
		"Can you change the name on my cake order to Maya please?",
		"Third time this month the app has gone down during payroll!!",
		"Not gonna lie, your croissants beat the ones I had in Paris 🥐",
		"How much for catering a breakfast meeting for 25 people?",
		"I'm allergic to nuts and you sold me a 'nut-free' brownie with almonds in it. I could have ended up in hospital",
	} {
		t, _ := rc.Classify(context.Background(), engage.Message{Text: text})
		fmt.Printf("%-15s %-6s %s\n", t.Intent, t.Priority, text)
	}
	// Output:
	// question        normal Do you have any gluten free options on Sundays?
	// service_request normal Can you change the name on my cake order to Maya please?
	// complaint       urgent Third time this month the app has gone down during payroll!!
	// praise          low    Not gonna lie, your croissants beat the ones I had in Paris 🥐
	// lead            normal How much for catering a breakfast meeting for 25 people?
	// complaint       urgent I'm allergic to nuts and you sold me a 'nut-free' brownie with almonds in it. I could have ended up in hospital
}

// First-response deadlines run on business hours: a message on Friday
// afternoon is due on Monday.
func ExampleBusinessHours_Add() {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		fmt.Println(err)
		return
	}
	hours, _ := engage.Weekdays(london, "09:00-17:30")
	friday := time.Date(2026, 3, 27, 16, 0, 0, 0, london) // the clocks go forward that Sunday
	due, _ := hours.Add(friday, 4*time.Hour)
	fmt.Println(due.Format("Mon 2 Jan 15:04 MST"))
	// Output:
	// Mon 30 Mar 11:30 BST
}

// The host application reacts to inbox events without slowing the inbox
// down.
func ExampleInbox_Subscribe() {
	ctx := context.Background()
	net, _ := memory.NewNetwork()
	net.CreateAccount(providers.Account{Handle: "shop"})
	net.CreateAccount(providers.Account{Handle: "bob"})
	shop, _ := net.Client("shop")
	bob, _ := net.Client("bob")
	inbox, _ := engage.New(engage.WithAccount("shop", shop), engage.WithTeam(engage.Staff{ID: "kim", Name: "Kim"}))

	sub := inbox.Subscribe(16, engage.EventNewConversation, engage.EventAssigned)
	defer sub.Close()
	bob.SendMessage(ctx, "shop", providers.Draft{Text: "Hi, do you ship to Ireland?"})
	inbox.Sync(ctx, "shop")
	for len(sub.C) > 0 {
		ev := <-sub.C
		line := fmt.Sprintf("%s @%s", ev.Kind, ev.Conversation.Author.Handle)
		if ev.Staff != "" {
			line += " -> " + ev.Staff
		}
		fmt.Println(line)
	}
	// Output:
	// conversation.new @bob
	// conversation.assigned @bob -> kim
}
