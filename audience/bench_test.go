package audience

import (
	"bytes"
	"context"
	"iter"
	"strconv"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// exactCustomers makes n customers with an email each and, for half of
// them, an X handle.
func exactCustomers(n int) []Customer {
	cs := make([]Customer, n)
	for i := range cs {
		id := strconv.Itoa(i)
		cs[i] = Customer{ID: "C" + id, Emails: []string{"user" + id + "@example.com"}, Value: float64(i % 500)}
		if i%2 == 0 {
			cs[i].Handles = []Handle{{Platform: providers.X, Handle: "cust" + id}}
		}
	}
	return cs
}

// exactFollowers yields n X followers: every fourth one is a customer's
// handle (so half the customers with a handle follow), the rest strangers.
func exactFollowers(n int) iter.Seq2[providers.Account, error] {
	return func(yield func(providers.Account, error) bool) {
		for i := 0; i < n; i++ {
			id := strconv.Itoa(i)
			a := providers.Account{Platform: providers.X, ID: id, DisplayName: "Follower " + id}
			if i%4 == 0 {
				a.Handle = "cust" + strconv.Itoa(i/2)
			} else {
				a.Handle = "someone" + id
			}
			if !yield(a, nil) {
				return
			}
		}
	}
}

// BenchmarkExactMatch1M matches 1,000,000 followers against 1,000,000
// customers by exact keys (index build, survey and result included). The
// followers are streamed from a generator, as from a provider. Memory is
// measured as memWatch describes: the customer list is live throughout
// and counted, the generator's garbage from building it is freed first.
func BenchmarkExactMatch1M(b *testing.B) {
	const n = 1_000_000
	customers := exactCustomers(n)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w := startMemWatch()
		b.StartTimer()
		start := time.Now()
		m, err := NewMatcher(customers, WithoutFuzzy())
		if err != nil {
			b.Fatal(err)
		}
		s := m.NewSurvey()
		if err := s.AddFollowers(context.Background(), exactFollowers(n)); err != nil {
			b.Fatal(err)
		}
		res := s.Result()
		elapsed := time.Since(start)
		b.StopTimer()
		w.stop(b)
		if got := len(res.Matches); got != n/4 {
			b.Fatalf("matches = %d, want %d", got, n/4)
		}
		if got := res.Summary().Prospects; got != n-n/4 {
			b.Fatalf("prospects = %d, want %d", got, n-n/4)
		}
		b.ReportMetric(elapsed.Seconds(), "s")
		b.StartTimer()
	}
}

// csvRows writes a CRM export of n rows, in a slice of its own size (not
// the larger buffer it was written in).
func csvRows(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeffCustomer ID,First Name,Last Name,Email,Phone,Company,City,Country,Instagram,Tags,Lifetime Value,Last Purchase\n")
	for i := 0; i < n; i++ {
		id := strconv.Itoa(i)
		first := genFirst[i%len(genFirst)]
		last := genLast[(i/7)%len(genLast)]
		buf.WriteString(id)
		buf.WriteByte(',')
		buf.WriteString(first)
		buf.WriteByte(',')
		buf.WriteString(last)
		buf.WriteString(",First.Last")
		buf.WriteString(id)
		buf.WriteString("@Example.com,")
		// US numbers in mixed formats
		switch i % 3 {
		case 0:
			buf.WriteString("(415) 555-" + strconv.Itoa(1000+i%9000))
		case 1:
			buf.WriteString("+1 212 555 " + strconv.Itoa(1000+i%9000))
		default:
			buf.WriteString("312.555." + strconv.Itoa(1000+i%9000))
		}
		buf.WriteString(",\"Acme, Inc.\",Chicago,USA,@user")
		buf.WriteString(id)
		buf.WriteString(",\"vip;coffee\",\"$1,234.50\",2025-03-14\n")
	}
	return bytes.Clone(buf.Bytes())
}

// BenchmarkImportCSV1M imports, normalizes and hashes a 1,000,000-row CSV.
// Memory is measured as memWatch describes (the CSV bytes are the input).
func BenchmarkImportCSV1M(b *testing.B) {
	const n = 1_000_000
	data := csvRows(n)
	im, err := NewImporter(WithRegion("US"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w := startMemWatch()
		b.StartTimer()
		start := time.Now()
		kept := 0
		rep, err := im.Import(context.Background(), bytes.NewReader(data), func(c Customer) error {
			if len(c.Hashes) == 2 {
				kept++
			}
			return nil
		})
		elapsed := time.Since(start)
		b.StopTimer()
		w.stop(b)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Kept != n || kept != n {
			b.Fatalf("kept %d (hashed %d), want %d; rejects %v", rep.Kept, kept, n, rep.Rejects[:min(3, len(rep.Rejects))])
		}
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
		b.StartTimer()
	}
}

// BenchmarkFuzzyMatch100K matches 100,000 generated accounts against
// 100,000 customers with exact and fuzzy matching, and reports precision
// and recall on that larger set. Memory is measured as memWatch describes
// (customers and accounts are the input).
func BenchmarkFuzzyMatch100K(b *testing.B) {
	g := generate(7, 100_000, 100_000)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		w := startMemWatch()
		b.StartTimer()
		start := time.Now()
		m, err := NewMatcher(g.customers)
		if err != nil {
			b.Fatal(err)
		}
		s := m.NewSurvey()
		if err := s.AddAccounts(context.Background(), g.accounts); err != nil {
			b.Fatal(err)
		}
		res := s.Result()
		elapsed := time.Since(start)
		b.StopTimer()
		w.stop(b)
		b.ReportMetric(elapsed.Seconds(), "s")
		tp, fp, fn := score(g, res)
		b.ReportMetric(float64(tp)/float64(tp+fp), "precision")
		b.ReportMetric(float64(tp)/float64(tp+fn), "recall")
		b.StartTimer()
	}
}
