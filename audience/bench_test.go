package audience

import (
	"bytes"
	"context"
	"iter"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// peakHeap samples the heap every few milliseconds until stop is called,
// and returns the highest heap in use (HeapAlloc: live objects and garbage
// not yet collected) and the highest live heap measured by a collection
// (runtime/metrics /gc/heap/live:bytes).
func peakHeap() (stop func() (heap, live uint64)) {
	var peak, peakLive atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > peak.Load() {
			peak.Store(ms.HeapAlloc)
		}
		m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(m)
		if v := m[0].Value.Uint64(); v > peakLive.Load() {
			peakLive.Store(v)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		sample()
		return peak.Load(), peakLive.Load()
	}
}

func reportMemory(b *testing.B, peak, live uint64, before runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(live)/(1<<20), "peak-live-MB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MB")
}

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
// customers by exact keys (index build, survey and result included).
func BenchmarkExactMatch1M(b *testing.B) {
	const n = 1_000_000
	customers := exactCustomers(n)
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := peakHeap()
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
		peak, live := stop()
		if got := len(res.Matches); got != n/4 {
			b.Fatalf("matches = %d, want %d", got, n/4)
		}
		b.ReportMetric(elapsed.Seconds(), "s")
		reportMemory(b, peak, live, before)
	}
}

// csvRows writes a CRM export of n rows.
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
	return buf.Bytes()
}

// BenchmarkImportCSV1M imports, normalizes and hashes a 1,000,000-row CSV.
func BenchmarkImportCSV1M(b *testing.B) {
	const n = 1_000_000
	data := csvRows(n)
	im, err := NewImporter(WithRegion("US"))
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := peakHeap()
		start := time.Now()
		kept := 0
		rep, err := im.Import(context.Background(), bytes.NewReader(data), func(c Customer) error {
			if len(c.Hashes) == 2 {
				kept++
			}
			return nil
		})
		elapsed := time.Since(start)
		peak, live := stop()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Kept != n || kept != n {
			b.Fatalf("kept %d (hashed %d), want %d; rejects %v", rep.Kept, kept, n, rep.Rejects[:min(3, len(rep.Rejects))])
		}
		b.ReportMetric(elapsed.Seconds(), "s")
		b.ReportMetric(float64(len(data))/(1<<20), "input-MB")
		reportMemory(b, peak, live, before)
	}
}

// BenchmarkFuzzyMatch100K matches 100,000 generated accounts against
// 100,000 customers with exact and fuzzy matching, and reports precision
// and recall on that larger set.
func BenchmarkFuzzyMatch100K(b *testing.B) {
	g := generate(7, 100_000, 100_000)
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := peakHeap()
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
		peak, live := stop()
		b.ReportMetric(elapsed.Seconds(), "s")
		reportMemory(b, peak, live, before)
		b.StopTimer()
		tp, fp, fn := score(g, res)
		b.ReportMetric(float64(tp)/float64(tp+fp), "precision")
		b.ReportMetric(float64(tp)/float64(tp+fn), "recall")
		b.StartTimer()
	}
}
