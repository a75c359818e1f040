package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rapportkit/rapport/engage"
	"github.com/rapportkit/rapport/providers"
)

// benchBatch builds a batch of n new interactions: one in three is a
// mention that starts a conversation (with its threading key), the rest
// are likes and reposts kept for analytics, as in a typical inbox sync.
func benchBatch(start, n int, at time.Time) engage.Batch {
	var b engage.Batch
	for i := start; i < start+n; i++ {
		id := fmt.Sprintf("n%09d", i)
		author := providers.Account{Platform: providers.Mastodon, ID: fmt.Sprintf("u%d", i%5000), Handle: fmt.Sprintf("user%d", i%5000)}
		it := engage.Item{Account: "shop", Source: engage.SourceDirect, ReceivedAt: at, Interaction: providers.Interaction{
			Platform: providers.Mastodon, ID: id, Author: author, OccurredAt: at, Cursor: id}}
		if i%3 == 0 {
			conv := "c" + id
			it.Interaction.Kind = providers.Mention
			it.Interaction.Post = providers.Post{Ref: providers.Ref{ID: "p" + id}, Text: "@shop is the sourdough back today?", Author: author, CreatedAt: at}
			it.ConversationID = conv
			b.Conversations = append(b.Conversations, engage.Conversation{ID: conv, Account: "shop", Platform: providers.Mastodon,
				Author: author, State: engage.StateNew, CreatedAt: at, UpdatedAt: at, Messages: 1})
			b.Keys = append(b.Keys, engage.ThreadKey{Key: "post:p" + id, ConversationID: conv})
		} else {
			it.Interaction.Kind = providers.Like
			it.Interaction.Target = providers.Ref{ID: "own1"}
		}
		b.Items = append(b.Items, it)
	}
	return b
}

// BenchmarkIngest measures interactions stored per second through
// EngageStore.IngestBatch in batches of 500, on each configured engine.
func BenchmarkIngest(b *testing.B) {
	for d, dsn := range dialectDSNs(b) {
		db, err := Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		s := mustWorkspace(b, db, "bench").Engage()
		n := 0 // ids continue across the runs the benchmark framework makes
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			const batch = 500
			start, first := time.Now(), n
			for i := 0; i < b.N; i++ {
				if err := s.IngestBatch(ctx, benchBatch(n, batch, at)); err != nil {
					b.Fatal(err)
				}
				n += batch
			}
			b.ReportMetric(float64(n-first)/time.Since(start).Seconds(), "interactions/s")
		})
	}
}
