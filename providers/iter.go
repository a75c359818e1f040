package providers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"iter"
)

// Fail returns a sequence that yields err once and stops.
func Fail[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// PageFunc fetches the page at cursor ("" for the first page) and returns
// its items and the cursor of the next page ("" when there is none).
type PageFunc[T any] func(ctx context.Context, cursor string) (items []T, next string, err error)

// Paginate turns a PageFunc into a sequence that follows DESIGN rule 9:
// every range starts again from the first page, fetching stops as soon as
// the consumer stops, an error is yielded once and ends the sequence, and a
// cancelled context ends it with the context's error. A page that repeats
// its own cursor ends the sequence rather than looping forever.
func Paginate[T any](ctx context.Context, fetch PageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		cursor := ""
		seen := map[string]bool{}
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == cursor || seen[next] {
				return
			}
			seen[cursor] = true
			cursor = next
		}
	}
}

// Collect gathers a sequence into a slice, stopping at the first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// NewIdempotencyKey returns a new random key (32 hex digits) for a Draft.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
