package engagetest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/rapportkit/rapport/engage"
)

// The compare-and-swap contract the suite checks, shown on the memory
// store: a cursor only moves from the value the writer read.
func Example() {
	ctx := context.Background()
	s := engage.NewMemoryStore()
	fmt.Println(s.MoveCursor(ctx, engage.CursorMove{Key: "sync:shop:inbox", From: "", To: "n10"}))
	err := s.MoveCursor(ctx, engage.CursorMove{Key: "sync:shop:inbox", From: "", To: "n12"})
	fmt.Println(errors.Is(err, engage.ErrConflict))
	cur, _ := s.Cursor(ctx, "sync:shop:inbox")
	fmt.Println(cur)
	// Output:
	// <nil>
	// true
	// n10
}
