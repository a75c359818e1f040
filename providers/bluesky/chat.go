package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapportkit/rapport/providers"
)

// Direct-message limits of chat.bsky.convo.defs#messageInput.
const (
	maxMessageGraphemes = 1000
	maxMessageBytes     = 10000
)

// dmAttempt remembers a message this client sent, or tried to send, for
// an idempotency key.
type dmAttempt struct {
	sent    bool
	post    providers.Post
	convoID string
	at      time.Time
}

type convoView struct {
	ID          string          `json:"id"`
	Members     []profileView   `json:"members"`
	LastMessage json.RawMessage `json:"lastMessage,omitempty"`
}

type messageView struct {
	Type   string `json:"$type"`
	ID     string `json:"id"`
	Rev    string `json:"rev"`
	Text   string `json:"text"`
	Sender struct {
		DID string `json:"did"`
	} `json:"sender"`
	SentAt string `json:"sentAt"`
}

// SendMessage sends d as a direct message to the account with DID or
// handle to, through the chat service the PDS proxies to
// (chat.bsky.convo.getConvoForMembers, then chat.bsky.convo.sendMessage).
//
// Sessions from app passwords without direct-message access cannot chat:
// SendMessage then fails with an error wrapping ErrUnsupported, as it does
// when the PDS or chat service refuses the session's scope.
//
// The chat service has no idempotency mechanism. The client remembers the
// idempotency keys it sent and, when an earlier attempt with the same key
// had an unknown outcome, reads the conversation back before sending
// again. That memory does not survive a restart: a new process must ask
// FindPublished (providers.FindSent) whether the message was sent before
// sending it again, or the message may be duplicated.
func (c *Client) SendMessage(ctx context.Context, to string, d providers.Draft) (providers.Post, error) {
	const op = "send-message"
	if err := ctx.Err(); err != nil {
		return providers.Post{}, err
	}
	text := d.Body()
	to = strings.TrimPrefix(strings.TrimSpace(to), "@")
	switch {
	case to == "":
		return providers.Post{}, opError(op, providers.ErrInvalidInput, "empty recipient")
	case strings.TrimSpace(text) == "":
		return providers.Post{}, opError(op, providers.ErrInvalidInput, "empty message")
	case len(d.Media) > 0:
		return providers.Post{}, opError(op, providers.ErrUnsupported, "direct messages cannot carry media")
	}
	if msg := checkLength(text, maxMessageGraphemes, maxMessageBytes); msg != "" {
		return providers.Post{}, opError(op, providers.ErrInvalidInput, "%s", msg)
	}
	s, err := c.sess.current(ctx)
	if err != nil {
		return providers.Post{}, err
	}
	if s.Scope == appPassScope {
		return providers.Post{}, opError(op, providers.ErrUnsupported, "the app password of %s was not granted direct-message access", s.Handle)
	}
	key := d.IdempotencyKey
	if key == "" {
		key = providers.NewIdempotencyKey()
	}
	c.dmMu.Lock()
	prev, tried := c.dms[key]
	c.dmMu.Unlock()
	if tried && prev.sent {
		return prev.post, nil
	}
	did := to
	if !strings.HasPrefix(to, "did:") {
		if did, err = c.ResolveHandle(ctx, to); err != nil {
			return providers.Post{}, err
		}
	}
	convoID, err := c.convoWith(ctx, op, did)
	if err != nil {
		return providers.Post{}, err
	}
	author := providers.Account{Platform: providers.Bluesky, ID: s.DID, Handle: s.Handle}
	if tried {
		if p, ok, err := c.findMessage(ctx, op, convoID, s.DID, text, prev.at, author); err != nil {
			return providers.Post{}, fmt.Errorf("bluesky %s: reading back an earlier attempt: %w", op, err)
		} else if ok {
			c.remember(key, dmAttempt{sent: true, post: p, convoID: convoID})
			return p, nil
		}
	}
	facets, err := c.facets(ctx, op, text)
	if err != nil {
		return providers.Post{}, err
	}
	msg := map[string]any{"text": text}
	if len(facets) > 0 {
		msg["facets"] = facets
	}
	c.remember(key, dmAttempt{convoID: convoID, at: c.now()})
	var out messageView
	k := call{op: op, method: http.MethodPost, nsid: "chat.bsky.convo.sendMessage",
		input: map[string]any{"convoId": convoID, "message": msg}, proxy: c.cfg.chatService}
	if err := c.xrpc(ctx, k, &out); err != nil {
		return providers.Post{}, chatError(op, err)
	}
	p := messagePost(out, convoID, author)
	c.remember(key, dmAttempt{sent: true, post: p, convoID: convoID})
	return p, nil
}

// maxRememberedDMs bounds how many idempotency keys of direct messages a
// client remembers.
const maxRememberedDMs = 10000

func (c *Client) remember(key string, a dmAttempt) {
	c.dmMu.Lock()
	defer c.dmMu.Unlock()
	if _, ok := c.dms[key]; !ok {
		c.dmQ = append(c.dmQ, key)
		if len(c.dmQ) > maxRememberedDMs {
			delete(c.dms, c.dmQ[0])
			c.dmQ = c.dmQ[1:]
		}
	}
	c.dms[key] = a
}

// convoWith returns the ID of the account's conversation with the DID
// did (chat.bsky.convo.getConvoForMembers, which opens one if there is
// none yet).
func (c *Client) convoWith(ctx context.Context, op, did string) (string, error) {
	var conv struct {
		Convo convoView `json:"convo"`
	}
	k := call{op: op, method: http.MethodGet, nsid: "chat.bsky.convo.getConvoForMembers",
		query: url.Values{"members": {did}}, proxy: c.cfg.chatService}
	if err := c.xrpc(ctx, k, &conv); err != nil {
		return "", chatError(op, err)
	}
	if conv.Convo.ID == "" {
		return "", opError(op, providers.ErrUnavailable, "chat service returned no conversation for %s", did)
	}
	return conv.Convo.ID, nil
}

// messageSkew is how much earlier than since a message may be stamped by
// the chat service and still count as sent at or after since: sentAt comes
// from the service's clock, since from the client's.
const messageSkew = time.Minute

// findMessage looks for a message with text sent by did at or after since
// (less messageSkew), paging back through the conversation (newest first)
// until it reaches messages older than that.
func (c *Client) findMessage(ctx context.Context, op, convoID, did, text string, since time.Time, author providers.Account) (providers.Post, bool, error) {
	floor := since.Add(-messageSkew)
	cursor := ""
	for {
		q := url.Values{"convoId": {convoID}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Messages []messageView `json:"messages"`
			Cursor   string        `json:"cursor"`
		}
		k := call{op: op, method: http.MethodGet, nsid: "chat.bsky.convo.getMessages", query: q, proxy: c.cfg.chatService}
		if err := c.xrpc(ctx, k, &page); err != nil {
			return providers.Post{}, false, chatError(op, err)
		}
		for _, m := range page.Messages {
			if !since.IsZero() && parseTime(m.SentAt).Before(floor) {
				return providers.Post{}, false, nil
			}
			if m.ID != "" && m.Sender.DID == did && m.Text == text && m.Type != "chat.bsky.convo.defs#deletedMessageView" {
				return messagePost(m, convoID, author), true, nil
			}
		}
		if page.Cursor == "" || page.Cursor == cursor || len(page.Messages) == 0 {
			return providers.Post{}, false, nil
		}
		cursor = page.Cursor
	}
}

func messagePost(m messageView, convoID string, author providers.Account) providers.Post {
	return providers.Post{
		Ref:            providers.Ref{Platform: providers.Bluesky, ID: m.ID},
		Author:         author,
		Text:           m.Text,
		CreatedAt:      parseTime(m.SentAt),
		ConversationID: convoID,
		Visibility:     providers.VisibilityDirect,
	}
}

// chatError maps the chat service's refusals: a session whose scope does
// not reach the chat service makes direct messages unsupported for the
// account; a recipient who does not accept messages is forbidden.
func chatError(op string, err error) error {
	code, msg := xrpcCode(err)
	switch {
	case isScopeError(err):
		return fmt.Errorf("bluesky %s: the session may not use direct messages (%s): %w: %w", op, msg, providers.ErrUnsupported, stripSentinel(err))
	case code == "MessagesDisabled", code == "NotFollowedBySender", code == "BlockedActor", code == "BlockedSubject",
		code == "ConvoLocked", code == "InvalidConvo", code == "AccountSuspended":
		return fmt.Errorf("bluesky %s: %s: %w: %w", op, code, providers.ErrForbidden, stripSentinel(err))
	case code == "RecipientNotFound":
		return fmt.Errorf("bluesky %s: %s: %w: %w", op, code, providers.ErrNotFound, stripSentinel(err))
	}
	return err
}

// detail keeps an APIError's text without its sentinel, so that a
// re-classified error unwraps to exactly one sentinel.
type detail struct{ msg string }

// Error returns the detail's text.
func (d detail) Error() string { return d.msg }

func stripSentinel(err error) error {
	var ae *providers.APIError
	if errors.As(err, &ae) {
		return detail{ae.Error()}
	}
	return err
}

// after reports whether message m was sent after position p.
func (m messageView) after(p position) bool {
	mt, pt := parseTime(m.SentAt), parseTime(p.At)
	if !mt.Equal(pt) {
		return mt.After(pt)
	}
	return m.ID > p.Key
}

// receivedDM is a message from another member with the conversation it
// belongs to.
type receivedDM struct {
	msg     messageView
	convoID string
	author  providers.Account
}

// DirectMessages reads the direct messages other accounts sent to the
// account (chat.bsky.convo.listConvos, then chat.bsky.convo.getMessages
// for each conversation with activity after opts.Since) and yields them
// oldest first, each with the Cursor to resume after it. The account's
// own messages are left out. Accounts whose session may not use the chat
// service get an error wrapping ErrUnsupported, as in SendMessage.
func (c *Client) DirectMessages(ctx context.Context, opts providers.InboxOptions) iter.Seq2[providers.Interaction, error] {
	const op = "direct-messages"
	var since position
	if opts.Since != "" {
		var ok bool
		if since, ok = decodePosition(opts.Since); !ok {
			return providers.Fail[providers.Interaction](opError(op, providers.ErrInvalidInput, "cursor %q was not made by this adapter", opts.Since))
		}
	}
	limit := 0
	if opts.Since == "" {
		limit = opts.Limit
		if limit <= 0 {
			limit = defaultInboxLimit
		}
	}
	return func(yield func(providers.Interaction, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		s, err := c.sess.current(ctx)
		if err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		if s.Scope == appPassScope {
			yield(providers.Interaction{}, opError(op, providers.ErrUnsupported, "the app password of %s was not granted direct-message access", s.Handle))
			return
		}
		got, err := c.receivedDMs(ctx, s.DID, since, opts.Since != "", limit)
		if err != nil {
			yield(providers.Interaction{}, err)
			return
		}
		for _, m := range got {
			it := providers.Interaction{
				Platform:   providers.Bluesky,
				Kind:       providers.DirectMessage,
				ID:         m.msg.ID,
				Author:     m.author,
				Post:       messagePost(m.msg, m.convoID, m.author),
				OccurredAt: parseTime(m.msg.SentAt),
				Cursor:     position{At: m.msg.SentAt, Key: m.msg.ID}.encode(),
			}
			if !yield(it, nil) {
				return
			}
		}
	}
}

// receivedDMs collects the messages sent to self after since (when
// hasSince) or the newest limit, oldest first.
func (c *Client) receivedDMs(ctx context.Context, self string, since position, hasSince bool, limit int) ([]receivedDM, error) {
	const op = "direct-messages"
	var out []receivedDM
	newestFirst := func() {
		slices.SortFunc(out, func(a, b receivedDM) int {
			switch {
			case a.msg.after(position{At: b.msg.SentAt, Key: b.msg.ID}):
				return -1
			case b.msg.after(position{At: a.msg.SentAt, Key: a.msg.ID}):
				return 1
			}
			return 0
		})
	}
	cursor := ""
	for {
		q := url.Values{"limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Convos []convoView `json:"convos"`
			Cursor string      `json:"cursor"`
		}
		k := call{op: op, method: http.MethodGet, nsid: "chat.bsky.convo.listConvos", query: q, proxy: c.cfg.chatService}
		if err := c.xrpc(ctx, k, &page); err != nil {
			return nil, chatError(op, err)
		}
		for _, cv := range page.Convos {
			var last messageView
			_ = json.Unmarshal(cv.LastMessage, &last)
			if last.ID == "" {
				continue // no messages yet
			}
			// Conversations come most recently active first: the rest
			// hold nothing newer than the cursor, or than what is kept.
			if hasSince && !last.after(since) {
				return finishDMs(out), nil
			}
			if limit > 0 && len(out) >= limit {
				newestFirst()
				out = out[:limit]
				if k := out[limit-1].msg; !last.after(position{At: k.SentAt, Key: k.ID}) {
					return finishDMs(out), nil
				}
			}
			members := map[string]providers.Account{}
			for _, m := range cv.Members {
				members[m.DID] = m.account()
			}
			msgs, err := c.convoMessages(ctx, cv.ID, self, since, hasSince, limit)
			if err != nil {
				return nil, err
			}
			for _, m := range msgs {
				author, ok := members[m.Sender.DID]
				if !ok {
					author = providers.Account{Platform: providers.Bluesky, ID: m.Sender.DID}
				}
				out = append(out, receivedDM{msg: m, convoID: cv.ID, author: author})
			}
		}
		if page.Cursor == "" || page.Cursor == cursor || len(page.Convos) == 0 {
			break
		}
		cursor = page.Cursor
	}
	if limit > 0 && len(out) > limit {
		newestFirst()
		out = out[:limit]
	}
	return finishDMs(out), nil
}

// finishDMs sorts messages oldest first.
func finishDMs(out []receivedDM) []receivedDM {
	slices.SortFunc(out, func(a, b receivedDM) int {
		switch {
		case b.msg.after(position{At: a.msg.SentAt, Key: a.msg.ID}):
			return -1
		case a.msg.after(position{At: b.msg.SentAt, Key: b.msg.ID}):
			return 1
		}
		return 0
	})
	return out
}

// convoMessages pages back through one conversation (newest first) and
// returns the messages from other members after since, or at most limit.
func (c *Client) convoMessages(ctx context.Context, convoID, self string, since position, hasSince bool, limit int) ([]messageView, error) {
	const op = "direct-messages"
	var out []messageView
	cursor := ""
	for {
		q := url.Values{"convoId": {convoID}, "limit": {strconv.Itoa(100)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Messages []messageView `json:"messages"`
			Cursor   string        `json:"cursor"`
		}
		k := call{op: op, method: http.MethodGet, nsid: "chat.bsky.convo.getMessages", query: q, proxy: c.cfg.chatService}
		if err := c.xrpc(ctx, k, &page); err != nil {
			return nil, chatError(op, err)
		}
		for _, m := range page.Messages {
			if hasSince && !m.after(since) {
				return out, nil
			}
			if m.ID == "" || m.Sender.DID == self || m.Type == "chat.bsky.convo.defs#deletedMessageView" {
				continue
			}
			out = append(out, m)
			if limit > 0 && len(out) >= limit {
				return out, nil
			}
		}
		if page.Cursor == "" || page.Cursor == cursor || len(page.Messages) == 0 {
			return out, nil
		}
		cursor = page.Cursor
	}
}
