package engage

import (
	"context"
	"sync"
	"time"
)

// RunOptions configure Run. A zero interval turns that task off.
type RunOptions struct {
	// SyncEvery syncs every account.
	SyncEvery time.Duration
	// ListenEvery runs every enabled saved search.
	ListenEvery time.Duration
	// SLAEvery checks the SLA timers.
	SLAEvery time.Duration
	// After waits between runs (default time.After); tests pass a channel
	// they control.
	After func(time.Duration) <-chan time.Time
}

// Run is a simple in-process loop: each task runs at once and then every
// interval, until ctx ends; errors are logged and the loop goes on. It
// returns ctx's error. Running the tasks periodically across processes is
// the worker package's job (River jobs calling Sync, Listen and
// CheckSLAs); those operations are safe to overlap with this loop.
func (in *Inbox) Run(ctx context.Context, o RunOptions) error {
	after := o.After
	if after == nil {
		after = time.After
	}
	var wg sync.WaitGroup
	every := func(name string, d time.Duration, task func(context.Context) error) {
		if d <= 0 {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if err := task(ctx); err != nil && ctx.Err() == nil {
					in.log.Error("engage: "+name+" failed", "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-after(d):
				}
			}
		}()
	}
	every("sync", o.SyncEvery, func(ctx context.Context) error { _, err := in.SyncAll(ctx); return err })
	every("listen", o.ListenEvery, func(ctx context.Context) error { _, err := in.ListenAll(ctx); return err })
	every("SLA check", o.SLAEvery, func(ctx context.Context) error { _, err := in.CheckSLAs(ctx); return err })
	<-ctx.Done()
	wg.Wait()
	return ctx.Err()
}
