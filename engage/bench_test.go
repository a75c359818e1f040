package engage_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

// selfOnly is a provider that only knows who it is: the benchmark feeds
// interactions through Push, so no network is involved.
type selfOnly struct{}

func (selfOnly) Platform() providers.Platform { return providers.Mastodon }
func (selfOnly) Self(context.Context) (providers.Account, error) {
	return providers.Account{Platform: providers.Mastodon, ID: "self", Handle: "bakery"}, nil
}

func benchTexts(b *testing.B) []string {
	f, err := os.Open("testdata/messages.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			b.Fatal(err)
		}
		out = append(out, m.Text)
	}
	return out
}

// BenchmarkIngest measures the inbox pipeline in memory: de-duplication,
// threading, triage (the rule classifier), enrichment, routing, SLA
// timers and the atomic batch write. Each batch of 500 interactions mixes
// new mentions (60%), replies to earlier posts that thread into their
// conversations (20%), direct messages from returning authors (10%) and
// re-deliveries of stored interactions (10%).
func BenchmarkIngest(b *testing.B) {
	const batch = 500
	texts := benchTexts(b)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Skip(err)
	}
	hours, _ := engage.Weekdays(london, "08:00-20:00")
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	customers := map[string]*engage.Customer{}
	for i := range 1000 {
		customers[fmt.Sprintf("a%d", i)] = &engage.Customer{ID: fmt.Sprint(i), FirstName: "Pat", Value: float64(i)}
	}
	in, err := engage.New(
		engage.WithAccount("bakery", selfOnly{}),
		engage.WithClock(func() time.Time { return clock }),
		engage.WithBatchSize(batch),
		engage.WithTeam(
			engage.Staff{ID: "sam", Name: "Sam", Skills: []string{"complaint"}, Lead: true},
			engage.Staff{ID: "kim", Name: "Kim", Skills: []string{"sales"}},
			engage.Staff{ID: "ana", Name: "Ana", Hours: hours},
			engage.Staff{ID: "ben", Name: "Ben", Capacity: 1 << 30},
		),
		engage.WithRoutes(
			engage.RouteRule{Name: "complaints", Intents: []engage.Intent{engage.IntentComplaint}, Skill: "complaint"},
			engage.RouteRule{Name: "sales", Intents: []engage.Intent{engage.IntentLead}, Skill: "sales"},
		),
		engage.WithSLA(engage.SLAPolicy{Targets: engage.DefaultSLA().Targets, Hours: hours}),
		engage.WithCustomerLookup(engage.CustomerLookupFunc(func(_ context.Context, a providers.Account) (*engage.Customer, error) {
			return customers[a.ID], nil
		})),
		engage.WithIDs(func() func() string {
			n := 0
			return func() string { n++; return fmt.Sprintf("c%d", n) }
		}()),
	)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	seq := 0
	var prev []providers.Interaction
	make1 := func(i int) providers.Interaction {
		seq++
		author := providers.Account{Platform: providers.Mastodon, ID: fmt.Sprintf("a%d", seq%5000), Handle: fmt.Sprintf("user%d", seq%5000), Followers: providers.Known(int64(seq % 20000))}
		it := providers.Interaction{
			Platform: providers.Mastodon, Kind: providers.Mention, ID: fmt.Sprintf("n%d", seq), Author: author,
			OccurredAt: clock, Cursor: fmt.Sprint(seq),
			Post: providers.Post{Ref: providers.Ref{Platform: providers.Mastodon, ID: fmt.Sprintf("p%d", seq)}, Author: author, Text: texts[seq%len(texts)], CreatedAt: clock},
		}
		switch r := i % 10; {
		case r < 2 && len(prev) > 0: // a reply in an earlier thread
			parent := prev[seq%len(prev)]
			it.Kind = providers.Reply
			it.Post.ReplyTo = parent.Post.Ref
			it.Post.Root = parent.Post.Ref
		case r == 2: // a direct message from a returning author
			it.Kind = providers.DirectMessage
			it.Author.ID = fmt.Sprintf("a%d", seq%200)
			it.Post.Visibility = providers.VisibilityDirect
		case r == 3 && len(prev) > 0: // a re-delivery
			seq--
			return prev[(i*7)%len(prev)]
		}
		return it
	}
	b.ReportAllocs()
	b.ResetTimer()
	var elapsed time.Duration
	total := 0
	// Two input buffers, alternating: the previous batch stays readable for
	// replies and re-deliveries, and the benchmark's own garbage stays out
	// of the measurement.
	bufs := [2][]providers.Interaction{make([]providers.Interaction, batch), make([]providers.Interaction, batch)}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		its := bufs[i%2]
		for j := range its {
			its[j] = make1(j)
		}
		b.StartTimer()
		t0 := time.Now()
		res, err := in.Push(ctx, "bakery", its...)
		elapsed += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if res.New+res.Duplicates+res.Skipped != batch {
			b.Fatalf("batch accounted for %d of %d", res.New+res.Duplicates+res.Skipped, batch)
		}
		total += batch
		prev = its
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "interactions/s")
}
