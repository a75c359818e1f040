package analytics

import (
	"time"

	"github.com/rapportkit/rapport/providers"
)

// handleBook is the latest handle seen for each account anywhere in a
// report's input: interaction authors, response sample authors, action
// targets and the connected accounts themselves. Reports use it to name
// people whose own section of the input carries only their id.
type handleBook map[handleKey]datedHandle

type handleKey struct {
	platform providers.Platform
	id       string
}

type datedHandle struct {
	handle string
	at     time.Time
}

// newHandleBook reads every handle the input carries.
func newHandleBook(in ReportInput) handleBook {
	b := handleBook{}
	for _, a := range in.Accounts {
		b.add(a.Platform, a.Account, a.Handle, time.Time{})
		for _, it := range a.Interactions {
			b.addAccount(it.Platform, it.Author, it.OccurredAt)
			b.addAccount(it.Platform, it.Post.Author, it.OccurredAt)
		}
	}
	for _, r := range in.Responses {
		b.addAccount(r.Platform, r.Author, r.ReceivedAt)
	}
	for _, act := range in.Actions {
		b.add(act.Platform, act.Target, act.TargetHandle, act.At)
	}
	return b
}

// addAccount adds an account's handle; its own Platform wins over the
// platform of the record it came in.
func (b handleBook) addAccount(p providers.Platform, a providers.Account, at time.Time) {
	if a.Platform != "" {
		p = a.Platform
	}
	b.add(p, a.ID, a.Handle, at)
}

// add keeps handle for (p, id) unless a later one is already known.
func (b handleBook) add(p providers.Platform, id, handle string, at time.Time) {
	if id == "" || handle == "" {
		return
	}
	k := handleKey{p, id}
	if cur, ok := b[k]; ok && cur.at.After(at) {
		return
	}
	b[k] = datedHandle{handle, at}
}

// get returns the handle of (p, id), "" when none was seen.
func (b handleBook) get(p providers.Platform, id string) string { return b[handleKey{p, id}].handle }
