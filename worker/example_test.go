package worker_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
	"github.com/rapportkit/rapport/worker"
)

// A bakery's approved posts go out through the job engine on the embedded
// SQLite database, each exactly once, and the worker reports each
// publication.
func Example() {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	network, _ := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	_, _ = network.CreateAccount(providers.Account{Handle: "bakery"})
	client, _ := network.Client("bakery")

	w, err := worker.New(db, worker.WithPollInterval(50*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close(ctx)
	_ = w.Register(worker.Account{Workspace: "acme", Platform: providers.Mastodon, ID: "bakery"}, client)

	// Two posts whose time has come, written and approved.
	team := []campaign.Member{
		{Name: "Ana", Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover}},
		{Name: "Sam", Roles: []campaign.Role{campaign.RoleAuthor}},
	}
	at := campaign.LocalOf(time.Now().UTC().Add(-time.Hour))
	plan := &campaign.Plan{ID: "spring", Staffing: campaign.Staffing{Team: team}, Calendar: []campaign.Item{
		{ID: "tip", Platform: providers.Mastodon, Account: "bakery", At: at, Draft: providers.Draft{Text: "Tip: a linen bag keeps a crust crisp."}},
		{ID: "ask", Platform: providers.Mastodon, Account: "bakery", At: at, Draft: providers.Draft{Text: "What is your favourite spring pastry?"}},
	}}
	acme, _ := db.Workspace("acme")
	approvals, _ := campaign.NewApprovals(acme.Campaign(), team)
	for _, it := range plan.Calendar {
		_, _ = approvals.Submit(ctx, plan.ID, it.ID, "Sam")
		_, _ = approvals.Approve(ctx, plan.ID, it.ID, "Ana", "")
	}

	events, unsubscribe := w.Subscribe(16)
	defer unsubscribe()
	_, queued, err := w.SchedulePlan(ctx, "acme", plan)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("queued", queued, "publish jobs")
	if err := w.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	var published []string
	for len(published) < 2 {
		select {
		case e := <-events:
			if e.Kind == worker.EventPublished {
				published = append(published, e.Subject)
			}
		case <-time.After(30 * time.Second):
			fmt.Println("timed out")
			return
		}
	}
	slices.Sort(published)
	fmt.Println("published", published)
	for _, p := range network.AllPosts() {
		fmt.Println(p.Author.Handle+":", p.Text)
	}
	// Unordered output:
	// queued 2 publish jobs
	// published [spring/ask spring/tip]
	// bakery: Tip: a linen bag keeps a crust crisp.
	// bakery: What is your favourite spring pastry?
}

// In process, the same jobs run from an in-memory queue: handy in tests
// and quickstarts. Here the account's inbox is synced once.
func ExampleInProcess() {
	ctx := context.Background()
	db, _ := store.Open(ctx, "sqlite::memory:")
	defer db.Close()
	network, _ := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	_, _ = network.CreateAccount(providers.Account{Handle: "bakery"})
	_, _ = network.CreateAccount(providers.Account{Handle: "lena"})
	bakery, _ := network.Client("bakery")
	lena, _ := network.Client("lena")
	_, _ = lena.Publish(ctx, providers.Draft{Text: "@bakery do you have rye bread today?"})

	w, _ := worker.New(db, worker.InProcess(), worker.WithPollInterval(10*time.Millisecond))
	acct := worker.Account{Workspace: "acme", Platform: providers.Mastodon, ID: "bakery"}
	_ = w.Register(acct, bakery)
	events, unsubscribe := w.Subscribe(16)
	defer unsubscribe()
	_, _ = w.EnqueueSync(ctx, acct)
	_ = w.Start(ctx)
	defer w.Close(ctx)
	for e := range events {
		if e.Kind == worker.EventInbox {
			fmt.Println(e.Inbox.Kind, "from", e.Inbox.Conversation.Author.Handle)
			break
		}
	}
	// Output:
	// conversation.new from lena
}
