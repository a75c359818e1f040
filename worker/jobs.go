package worker

import (
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Job kinds, as recorded by the job engine and reported in Events.
const (
	KindPublish = "rapport.publish"
	KindSync    = "rapport.sync"
	KindListen  = "rapport.listen"
	KindSLA     = "rapport.sla"
	KindMetrics = "rapport.metrics"
)

// Account names a connected account of a workspace: the platform and the
// application's key for the account (the key campaign outbox entries and
// engage conversations carry in their Account field).
type Account struct {
	Workspace string             `json:"workspace"`
	Platform  providers.Platform `json:"platform"`
	ID        string             `json:"id"`
}

// String returns "workspace/platform/id".
func (a Account) String() string {
	return a.Workspace + "/" + string(a.Platform) + "/" + a.ID
}

// validate checks the account's names; needID requires an ID (inbox and
// metrics jobs work on one named account).
func (a Account) validate(needID bool) error {
	switch {
	case strings.TrimSpace(a.Workspace) == "":
		return invalid("account", "empty workspace")
	case a.Platform == "":
		return invalid("account", "%s: empty platform", a)
	case needID && strings.TrimSpace(a.ID) == "":
		return invalid("account", "%s: empty id", a)
	}
	return nil
}

func (a Account) check() error { return a.validate(true) }

// Each job's arguments: the workspace and what the job works on. The
// fields tagged river:"unique" (with the kind) are the job's unique key;
// uniqueKey says the same for the in-process engine.

// publishArgs publishes one outbox entry. Unique per entry: a post has at
// most one job, even after it completed.
type publishArgs struct {
	Workspace string `json:"workspace" river:"unique"`
	Entry     string `json:"entry" river:"unique"`
}

// Kind implements River's JobArgs.
func (publishArgs) Kind() string        { return KindPublish }
func (a publishArgs) workspace() string { return a.Workspace }
func (a publishArgs) uniqueKey() string { return a.Workspace + "\x00" + a.Entry }
func (a publishArgs) subject() string   { return a.Entry }

// syncArgs syncs one account's inbox. Unique per account while queued or
// running, so one account is never synced by two workers at once; Every,
// when set, queues the next run as this one completes.
type syncArgs struct {
	Workspace string             `json:"workspace" river:"unique"`
	Platform  providers.Platform `json:"platform" river:"unique"`
	Account   string             `json:"account" river:"unique"`
	Every     time.Duration      `json:"every,omitempty"`
}

// Kind implements River's JobArgs.
func (syncArgs) Kind() string                          { return KindSync }
func (a syncArgs) workspace() string                   { return a.Workspace }
func (a syncArgs) uniqueKey() string                   { return a.account().String() }
func (a syncArgs) subject() string                     { return string(a.Platform) + "/" + a.Account }
func (a syncArgs) account() Account                    { return Account{a.Workspace, a.Platform, a.Account} }
func (a syncArgs) period() time.Duration               { return a.Every }
func (a syncArgs) withPeriod(d time.Duration) periodic { a.Every = d; return a }

// listenArgs runs one saved search.
type listenArgs struct {
	Workspace string        `json:"workspace" river:"unique"`
	Search    string        `json:"search" river:"unique"`
	Every     time.Duration `json:"every,omitempty"`
}

// Kind implements River's JobArgs.
func (listenArgs) Kind() string                          { return KindListen }
func (a listenArgs) workspace() string                   { return a.Workspace }
func (a listenArgs) uniqueKey() string                   { return a.Workspace + "\x00" + a.Search }
func (a listenArgs) subject() string                     { return a.Search }
func (a listenArgs) period() time.Duration               { return a.Every }
func (a listenArgs) withPeriod(d time.Duration) periodic { a.Every = d; return a }

// slaArgs checks the first-response deadlines of a workspace.
type slaArgs struct {
	Workspace string        `json:"workspace" river:"unique"`
	Every     time.Duration `json:"every,omitempty"`
}

// Kind implements River's JobArgs.
func (slaArgs) Kind() string                          { return KindSLA }
func (a slaArgs) workspace() string                   { return a.Workspace }
func (a slaArgs) uniqueKey() string                   { return a.Workspace }
func (a slaArgs) subject() string                     { return "" }
func (a slaArgs) period() time.Duration               { return a.Every }
func (a slaArgs) withPeriod(d time.Duration) periodic { a.Every = d; return a }

// metricsArgs snapshots one account's follower count and the metrics of
// its recent posts.
type metricsArgs struct {
	Workspace string             `json:"workspace" river:"unique"`
	Platform  providers.Platform `json:"platform" river:"unique"`
	Account   string             `json:"account" river:"unique"`
	Every     time.Duration      `json:"every,omitempty"`
}

// Kind implements River's JobArgs.
func (metricsArgs) Kind() string                          { return KindMetrics }
func (a metricsArgs) workspace() string                   { return a.Workspace }
func (a metricsArgs) uniqueKey() string                   { return a.account().String() }
func (a metricsArgs) subject() string                     { return string(a.Platform) + "/" + a.Account }
func (a metricsArgs) account() Account                    { return Account{a.Workspace, a.Platform, a.Account} }
func (a metricsArgs) period() time.Duration               { return a.Every }
func (a metricsArgs) withPeriod(d time.Duration) periodic { a.Every = d; return a }

// periodic is implemented by the args of jobs that can repeat.
type periodic interface {
	jobArgs
	period() time.Duration
	withPeriod(time.Duration) periodic
}
