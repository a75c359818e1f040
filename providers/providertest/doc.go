// Package providertest is the conformance suite every rapport provider
// passes, in the manner of testing/fstest.TestFS and nettest.TestConn.
//
// An adapter's test builds a fresh environment per subtest (a fake server
// or an in-memory network holding known data, and hooks that inject
// faults) and hands it to Run:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, func(t *testing.T) *providertest.Env {
//			srv := newFakeServer(t) // httptest server seeded with data
//			return &providertest.Env{
//				Provider:          newClient(t, srv.URL),
//				Followers:         7,
//				FollowersPageSize: 3,
//				...
//			}
//		})
//	}
//
// Run checks that the capability helpers agree with the interfaces the
// provider implements (also through wrappers), that listings restart on
// every range, stop fetching when the loop breaks and end with the
// context's error when it is cancelled, that inbox cursors neither skip nor
// repeat, that publishing round-trips and is idempotent, that a create
// whose response was lost is not duplicated by a retry, and that errors
// match the providers error taxonomy. A check whose capability or data
// the environment lacks is skipped with the reason, never passed silently.
package providertest
