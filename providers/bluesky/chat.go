package bluesky

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	ID string `json:"id"`
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
// again; across processes a repeated send after an unknown outcome may
// duplicate the message.
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
	var conv struct {
		Convo convoView `json:"convo"`
	}
	k := call{op: op, method: http.MethodGet, nsid: "chat.bsky.convo.getConvoForMembers",
		query: url.Values{"members": {did}}, proxy: c.cfg.chatService}
	if err := c.xrpc(ctx, k, &conv); err != nil {
		return providers.Post{}, chatError(op, err)
	}
	if conv.Convo.ID == "" {
		return providers.Post{}, opError(op, providers.ErrUnavailable, "chat service returned no conversation for %s", did)
	}
	author := providers.Account{Platform: providers.Bluesky, ID: s.DID, Handle: s.Handle}
	if tried {
		if p, ok, err := c.findMessage(ctx, conv.Convo.ID, s.DID, text, prev.at, author); err != nil {
			return providers.Post{}, fmt.Errorf("bluesky %s: reading back an earlier attempt: %w", op, err)
		} else if ok {
			c.remember(key, dmAttempt{sent: true, post: p, convoID: conv.Convo.ID})
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
	c.remember(key, dmAttempt{convoID: conv.Convo.ID, at: c.now()})
	var out messageView
	k = call{op: op, method: http.MethodPost, nsid: "chat.bsky.convo.sendMessage",
		input: map[string]any{"convoId": conv.Convo.ID, "message": msg}, proxy: c.cfg.chatService}
	if err := c.xrpc(ctx, k, &out); err != nil {
		return providers.Post{}, chatError(op, err)
	}
	p := messagePost(out, conv.Convo.ID, author)
	c.remember(key, dmAttempt{sent: true, post: p, convoID: conv.Convo.ID})
	return p, nil
}

func (c *Client) remember(key string, a dmAttempt) {
	c.dmMu.Lock()
	defer c.dmMu.Unlock()
	c.dms[key] = a
}

// findMessage looks for a message with text sent by did at or after since
// among the conversation's latest messages.
func (c *Client) findMessage(ctx context.Context, convoID, did, text string, since time.Time, author providers.Account) (providers.Post, bool, error) {
	var out struct {
		Messages []messageView `json:"messages"`
	}
	k := call{op: "send-message", method: http.MethodGet, nsid: "chat.bsky.convo.getMessages",
		query: url.Values{"convoId": {convoID}, "limit": {"50"}}, proxy: c.cfg.chatService}
	if err := c.xrpc(ctx, k, &out); err != nil {
		return providers.Post{}, false, chatError("send-message", err)
	}
	for _, m := range out.Messages {
		if m.Sender.DID == did && m.Text == text && !parseTime(m.SentAt).Before(since.Add(-time.Minute)) {
			return messagePost(m, convoID, author), true, nil
		}
	}
	return providers.Post{}, false, nil
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

func (d detail) Error() string { return d.msg }

func stripSentinel(err error) error {
	var ae *providers.APIError
	if errors.As(err, &ae) {
		return detail{ae.Error()}
	}
	return err
}
