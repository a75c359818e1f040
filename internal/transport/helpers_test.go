package transport

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"
)

// readFixture reads a recorded raw HTTP response from testdata.
func readFixture(t testing.TB, name string) *http.Response {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	resp, err := http.ReadResponse(bufio.NewReader(f), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return resp
}

// fakeClock is a manual clock whose Sleep advances time instantly.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 22, 21, 35, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.slept = append(f.slept, d)
	f.mu.Unlock()
	return nil
}

func (f *fakeClock) Slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.slept...)
}

func (f *fakeClock) TotalSlept() time.Duration {
	var sum time.Duration
	for _, d := range f.Slept() {
		sum += d
	}
	return sum
}
