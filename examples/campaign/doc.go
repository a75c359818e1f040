// Command campaign plans a product launch for a small bakery, lints the
// plan, fixes what the linter found, lints it again, and runs it on an
// in-process social network: posts are approved, scheduled and published
// exactly once (one publish has its response lost on the way), followers
// redeem the launch offer with their platform's code, and a contingency
// rule is checked at its checkpoint.
//
// Run it with:
//
//	go run ./examples/campaign
package main
