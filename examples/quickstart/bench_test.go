package main

import (
	"context"
	"io"
	"testing"
)

// BenchmarkQuickstartEightWeeks times the default run (without the
// comparison): eight simulated weeks, SQLite included.
func BenchmarkQuickstartEightWeeks(b *testing.B) {
	for range b.N {
		if err := run(context.Background(), io.Discard, config{Weeks: 8, Seed: 1, Out: b.TempDir(), Compare: false}); err != nil {
			b.Fatal(err)
		}
	}
}
