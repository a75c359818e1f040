// Command worker runs rapport's recurring work for a bakery as jobs on the
// embedded SQLite database: the campaign's approved posts are published at
// their time, exactly once, and the bakery's inbox is synced every few
// seconds, one sync at a time. It prints what the worker reports until the
// posts are out and the customers' messages are in, or until -timeout.
//
// With -db the state is kept: a second run on the same database finds the
// posts published and publishes nothing again.
//
//	go run ./examples/worker
//	go run ./examples/worker -db /tmp/bakery.db -timeout 1m
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/rapportkit/rapport/campaign"
	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/store"
	"github.com/rapportkit/rapport/worker"
)

func main() {
	db := flag.String("db", "", "SQLite file or postgres:// DSN (default: a new file in a temporary folder)")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	if err := run(ctx, *db, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

const workspace = "bakery"

func run(ctx context.Context, dsn string, out io.Writer) error {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "rapport-worker")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "rapport.db")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	// The simulated network: the bakery and two customers.
	network, err := memory.NewNetwork(memory.WithPlatform(providers.Mastodon))
	if err != nil {
		return err
	}
	for _, h := range []string{"crumbandco", "lena", "omar"} {
		if _, err := network.CreateAccount(providers.Account{Handle: h, DisplayName: h}); err != nil {
			return err
		}
	}
	shop, err := network.Client("crumbandco")
	if err != nil {
		return err
	}
	account := worker.Account{Workspace: workspace, Platform: providers.Mastodon, ID: "crumbandco"}

	w, err := worker.New(db,
		worker.WithPollInterval(200*time.Millisecond),
		worker.WithJobTimeout(30*time.Second),
		worker.WithInboxConfig(func(context.Context, string) ([]engage.Option, error) {
			return []engage.Option{engage.WithTeam(engage.Staff{ID: "sam", Name: "Sam"})}, nil
		}),
	)
	if err != nil {
		return err
	}
	if err := w.Register(account, shop); err != nil {
		return err
	}
	events, unsubscribe := w.Subscribe(256)
	defer unsubscribe()

	// The campaign: three approved posts whose time has come.
	plan, err := approvedPlan(ctx, db)
	if err != nil {
		return err
	}
	rep, queued, err := w.SchedulePlan(ctx, workspace, plan)
	if err != nil {
		return err
	}
	toPublish := 0
	for _, e := range rep.Scheduled {
		if !e.State.Final() {
			toPublish++
		}
	}
	fmt.Fprintf(out, "%d posts to publish, %d publish jobs queued\n", toPublish, queued)
	if err := w.SyncEvery(ctx, account, 5*time.Second); err != nil {
		return err
	}
	if err := w.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Close(sctx)
	}()

	// Customers write while the worker runs.
	go func() {
		for _, m := range []struct{ from, text string }{
			{"lena", "@crumbandco is the rye back on Saturday?"},
			{"omar", "@crumbandco my order 1042 never arrived"},
		} {
			c, err := network.Client(m.from)
			if err != nil {
				return
			}
			_, _ = c.Publish(ctx, providers.Draft{Text: m.text})
		}
	}()

	published, conversations := 0, 0
	// (A run on a database kept from an earlier run has nothing to wait
	// for: its posts are out, and the simulated network, new in every run,
	// repeats the interaction IDs the inbox already stored.)
	for published < toPublish || (toPublish > 0 && conversations < 2) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped with %d posts published and %d conversations: %w", published, conversations, ctx.Err())
		case e := <-events:
			switch e.Kind {
			case worker.EventPublished:
				published++
				fmt.Fprintf(out, "published %s as %s\n", e.Subject, e.Post)
			case worker.EventInbox:
				if e.Inbox.Kind == engage.EventNewConversation {
					conversations++
					fmt.Fprintf(out, "new conversation with %s (%s, %s priority)\n", e.Inbox.Conversation.Author.Handle, e.Inbox.Conversation.Intent, e.Inbox.Conversation.Priority)
				}
			default:
				fmt.Fprintln(out, e)
			}
		}
	}
	mine := 0
	for _, p := range network.AllPosts() {
		if p.Author.Handle == "crumbandco" {
			mine++
		}
	}
	fmt.Fprintf(out, "the bakery has %d posts on the network\n", mine)
	return nil
}

// approvedPlan writes a plan's posts and approves them, as the team would
// in the application.
func approvedPlan(ctx context.Context, db *store.DB) (*campaign.Plan, error) {
	team := []campaign.Member{
		{Name: "Ana", Roles: []campaign.Role{campaign.RoleOwner, campaign.RoleApprover}},
		{Name: "Sam", Roles: []campaign.Role{campaign.RoleAuthor}},
	}
	at := campaign.LocalOf(time.Now().UTC().Add(-time.Minute))
	plan := &campaign.Plan{ID: "spring", Name: "Spring breads", Staffing: campaign.Staffing{Team: team}}
	for i, text := range []string{
		"Tip: a linen bag keeps a crust crisp for two days.",
		"Our spring rye is back, baked with local flour.",
		"What bread should we bake for the Easter weekend?",
	} {
		plan.Calendar = append(plan.Calendar, campaign.Item{
			ID: fmt.Sprintf("post%d", i+1), Platform: providers.Mastodon, Account: "crumbandco",
			At: at, Draft: providers.Draft{Text: text},
		})
	}
	ws, err := db.Workspace(workspace)
	if err != nil {
		return nil, err
	}
	approvals, err := campaign.NewApprovals(ws.Campaign(), team)
	if err != nil {
		return nil, err
	}
	for _, it := range plan.Calendar {
		state, _, err := approvals.State(ctx, plan.ID, it.ID)
		if err != nil {
			return nil, err
		}
		if state != campaign.StateDraft {
			continue // approved by an earlier run on the same database
		}
		if _, err := approvals.Submit(ctx, plan.ID, it.ID, "Sam"); err != nil {
			return nil, err
		}
		if _, err := approvals.Approve(ctx, plan.ID, it.ID, "Ana", ""); err != nil {
			return nil, err
		}
	}
	return plan, nil
}
