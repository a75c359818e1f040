// Command mastodon shows the rapport Mastodon adapter against a real
// server: it prints the account (handle and display name), its follower
// count and the latest mentions as plain text, and with -reply answers the
// newest mention.
//
// With an access token (Preferences > Development on Mastodon, or from an
// earlier -register run):
//
//	MASTODON_SERVER=https://mastodon.social MASTODON_TOKEN=... go run ./examples/mastodon
//	go run ./examples/mastodon -reply "Thanks, we are on it!"
//
// Without one, -register registers an application on the server, prints
// the page to authorize it, reads the code the server shows from standard
// input, and prints the token to keep:
//
//	go run ./examples/mastodon -server https://mastodon.social -register
//
// It uses only the SDK and the standard library, and works unchanged with
// Mastodon, GoToSocial, Pleroma and Akkoma servers.
package main
