// Package engagetest is the conformance suite for engage.Store
// implementations. Every store (engage.MemoryStore, the SQL stores of the
// store package) runs it from a test:
//
//	func TestEngageStore(t *testing.T) {
//		engagetest.RunStore(t, func(t *testing.T) engage.Store {
//			return openFreshWorkspace(t) // an empty, independent store
//		})
//	}
//
// The suite checks what the inbox relies on: de-duplication by (platform,
// interaction id); atomic batches (all or nothing) with compare-and-swap on
// conversation versions, thread keys and cursors, each failure wrapping
// engage.ErrConflict; filters and orderings; the assignee load; replies,
// the giving log, the audit trail (increasing Seq), response samples and
// saved searches; concurrent writers of which exactly one wins; and copies
// in and out (a store never shares a slice with its caller).
package engagetest
