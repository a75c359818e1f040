package mastodon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// statusParams is the body of POST /api/v1/statuses.
type statusParams struct {
	Status      string   `json:"status,omitempty"`
	InReplyToID string   `json:"in_reply_to_id,omitempty"`
	MediaIDs    []string `json:"media_ids,omitempty"`
	Visibility  string   `json:"visibility,omitempty"`
	Language    string   `json:"language,omitempty"`
}

// Publish posts d with POST /api/v1/statuses: d.Body() as the status,
// d.ReplyTo as in_reply_to_id, d.Visibility (followers-only is Mastodon's
// "private"), d.Language, and d.Media uploaded first (POST /api/v2/media,
// then GET /api/v1/media/:id until the server has processed each file).
//
// Exactly once. Every create carries an Idempotency-Key header derived
// from d.IdempotencyKey, the same on every attempt and every call with the
// same draft; Mastodon answers a repeated key (kept for an hour) with the
// status it already created. Some compatible servers (GoToSocial among
// them) ignore the header, so a create is never repeated blindly: when an
// attempt's outcome is unknown (the request was sent but the answer was
// lost, timed out or was a 5xx), Publish reads back the account's recent
// statuses (see WithReadBack) and returns the status that matches the draft
// (providers.MatchesDraft: same text, same reply target) if there is one,
// and only then creates again. If the outcome is still unknown after the
// last attempt, or the read-back itself fails, the error wraps
// providers.ErrUnknownOutcome.
//
// The client also remembers, for an hour, the posts it created by key, so
// publishing the same draft again through the same Client returns the
// first post without asking the server, whatever the server does with the
// header. Across processes, callers that may repeat a publish after a
// crash read back first (providers.FindPublished).
//
// A draft without IdempotencyKey gets a fresh key for this call only.
func (c *Client) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	return c.create(ctx, "publish", d)
}

// SendMessage sends d privately to the account to, given by id or handle
// ("bob", "bob@example.social", "@bob@example.social"): a status with
// visibility "direct" that starts by mentioning the recipient, which is
// how Mastodon addresses direct messages. Publish's exactly-once rules
// apply.
func (c *Client) SendMessage(ctx context.Context, to string, d providers.Draft) (providers.Post, error) {
	acct, err := c.resolveAccount(ctx, to)
	if err != nil {
		return providers.Post{}, err
	}
	d, added := addressed(d, acct)
	post, err := c.create(ctx, "send-message", d)
	if err != nil || !added {
		return post, err
	}
	return unaddressed(post, acct), nil
}

// addressed returns d as SendMessage sends it to acct: direct, its text
// starting with "@acct " unless it already mentions acct there. It reports
// whether it added the mention.
func addressed(d providers.Draft, acct account) (providers.Draft, bool) {
	mention := "@" + acct.Acct
	added := false
	if !strings.HasPrefix(d.Text, mention+" ") && !strings.HasPrefix(d.Text, mention+"\n") {
		d.Text = mention + " " + d.Text
		added = true
	}
	d.Visibility = providers.VisibilityDirect
	return d, added
}

// unaddressed removes from post's text the mention that addresses the
// message to acct: it is not part of what the caller wrote, and Text is
// the draft's body, as for Publish.
func unaddressed(post providers.Post, acct account) providers.Post {
	for _, m := range []string{"@" + acct.Acct, "@" + acct.Username} {
		if rest, ok := strings.CutPrefix(post.Text, m); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\n")) {
			post.Text = rest[1:]
			break
		}
	}
	return post
}

// resolveAccount finds an account by id or handle.
func (c *Client) resolveAccount(ctx context.Context, to string) (account, error) {
	to = strings.TrimPrefix(strings.TrimSpace(to), "@")
	if to == "" {
		return account{}, fmt.Errorf("mastodon send-message: empty recipient: %w", providers.ErrInvalidInput)
	}
	var a account
	if !strings.Contains(to, "@") {
		_, err := c.get(ctx, "send-message", "api/v1/accounts/"+url.PathEscape(to), nil, &a)
		if err == nil && a.ID != "" {
			return a, nil
		}
		if err != nil && !errors.Is(err, providers.ErrNotFound) && !errors.Is(err, providers.ErrInvalidInput) {
			return account{}, err
		}
	} else if domain, err := c.domain(ctx); err == nil {
		// The server knows its own accounts by their local part.
		if user, d, _ := strings.Cut(to, "@"); strings.EqualFold(d, domain) {
			to = user
		}
	}
	a = account{}
	if _, err := c.get(ctx, "send-message", "api/v1/accounts/lookup", url.Values{"acct": {to}}, &a); err != nil {
		return account{}, fmt.Errorf("mastodon send-message: recipient %q: %w", to, err)
	}
	if a.ID == "" || a.Acct == "" {
		return account{}, c.malformed("send-message", "account lookup returned no account")
	}
	return a, nil
}

// create publishes d, reading back before any repeated create.
func (c *Client) create(ctx context.Context, op string, d providers.Draft) (providers.Post, error) {
	body := d.Body()
	if strings.TrimSpace(body) == "" && len(d.Media) == 0 {
		return providers.Post{}, fmt.Errorf("mastodon %s: draft has no text and no media: %w", op, providers.ErrInvalidInput)
	}
	vis, ok := visibilityTo(d.Visibility)
	if !ok {
		return providers.Post{}, fmt.Errorf("mastodon %s: unknown visibility %q: %w", op, d.Visibility, providers.ErrInvalidInput)
	}
	key := d.IdempotencyKey
	if key == "" {
		key = providers.NewIdempotencyKey()
	} else if p, ok := c.recentCreate(op, key); ok {
		return p, nil
	}
	domain, err := c.domain(ctx)
	if err != nil {
		return providers.Post{}, err
	}
	params := statusParams{Status: body, InReplyToID: d.ReplyTo.ID, Visibility: vis, Language: d.Language}
	for i, u := range d.Media {
		id, err := c.uploadMedia(ctx, u)
		if err != nil {
			return providers.Post{}, fmt.Errorf("mastodon %s: media %d (%s): %w", op, i+1, u.Filename, err)
		}
		params.MediaIDs = append(params.MediaIDs, id)
	}
	if err := ctx.Err(); err != nil {
		return providers.Post{}, err // nothing was sent
	}
	started := c.cfg.now()
	var lastErr error
	for attempt := 1; attempt <= c.cfg.createTries; attempt++ {
		if attempt > 1 {
			if err := wait(ctx, c.retryWait(attempt)); err != nil {
				return providers.Post{}, unknownOutcome(op, errors.Join(lastErr, err))
			}
		}
		var st status
		_, err := c.tr.JSON(ctx, &transport.Request{
			Operation: op,
			Method:    http.MethodPost,
			Path:      "api/v1/statuses",
			Header:    http.Header{"Idempotency-Key": {idempotencyKey(key)}},
			JSON:      params,
			// Creates have their own limit (300 per 3 hours): kept apart,
			// their headers do not slow every other call to that pace.
			Bucket: "statuses",
		}, &st)
		if err == nil {
			if st.ID == "" {
				return providers.Post{}, unknownOutcome(op, c.malformed(op, "the server answered without a status id"))
			}
			p := toPost(st, domain)
			c.rememberCreate(op, key, p)
			return p, nil
		}
		if !ambiguous(err) {
			if attempt == 1 {
				return providers.Post{}, err
			}
			// An earlier attempt's outcome is unknown and this one failed:
			// the post may still exist from the earlier attempt.
			return providers.Post{}, unknownOutcome(op, errors.Join(lastErr, err))
		}
		lastErr = err
		c.cfg.logger.WarnContext(ctx, "mastodon create outcome unknown; reading back", "operation", op, "attempt", attempt, "error", err)
		if ctx.Err() != nil {
			return providers.Post{}, unknownOutcome(op, err)
		}
		post, found, rerr := c.readBack(ctx, d, started.Add(-c.cfg.readBack), "")
		if rerr != nil {
			return providers.Post{}, unknownOutcome(op, errors.Join(err, fmt.Errorf("read-back: %w", rerr)))
		}
		if found {
			c.cfg.logger.InfoContext(ctx, "mastodon create found on read-back", "operation", op, "id", post.ID)
			c.rememberCreate(op, key, post)
			return post, nil
		}
	}
	return providers.Post{}, unknownOutcome(op, lastErr)
}

// idempotencyKey derives the Idempotency-Key header from a draft's key.
// It is the key itself, prefixed so that keys the SDK sends cannot collide
// with those of other applications posting as the same account.
func idempotencyKey(key string) string { return "rapport-" + key }

func (c *Client) retryWait(attempt int) time.Duration {
	if c.cfg.retrySet {
		d := c.cfg.retryWaitMin << (attempt - 2)
		if d > c.cfg.retryWaitMax {
			d = c.cfg.retryWaitMax
		}
		return d
	}
	return time.Second << (attempt - 2)
}

// ambiguous reports whether a failed create may have taken effect. The
// transport says so precisely: a create it may have sent whose answer was
// lost, timed out, was a server error or could not be read (the context
// ending mid-flight included) wraps providers.ErrUnknownOutcome; a create
// that never left, or that the server refused (4xx, 429), does not.
func ambiguous(err error) bool {
	return errors.Is(err, providers.ErrUnknownOutcome)
}

func unknownOutcome(op string, err error) error {
	if errors.Is(err, providers.ErrUnknownOutcome) {
		return err
	}
	return fmt.Errorf("mastodon %s: %w: %w", op, providers.ErrUnknownOutcome, err)
}

// mentionDomain matches the "@domain" of a full mention ("@bob@example.social").
var mentionDomain = regexp.MustCompile(`(^|[^\w@])@([\w.-]*\w)@[\w.-]*\w(?::\d+)?`)

// shortMentions rewrites "@user@domain" as "@user", which is how servers
// render mentions in content.
func shortMentions(s string) string {
	return mentionDomain.ReplaceAllString(s, "$1@$2")
}

// readBack looks among the account's statuses created since for one that
// publishing d would have created: the same text, with mentions written
// "@user@domain" in d or shortened to "@user" as servers render them, the
// same reply target, visibility and number of attachments. When recipient
// (a canonical handle) is not empty, the status must also mention it.
func (c *Client) readBack(ctx context.Context, d providers.Draft, since time.Time, recipient string) (providers.Post, bool, error) {
	short := d
	short.Text = shortMentions(d.Text)
	short.Signature = shortMentions(d.Signature)
	want, _ := visibilityTo(d.Visibility)
	for p, err := range c.Posts(ctx, providers.PostsOptions{Since: since}) {
		if err != nil {
			return providers.Post{}, false, err
		}
		if len(p.Media) != len(d.Media) {
			continue
		}
		if want != "" && p.Visibility != visibilityFrom(want) {
			continue
		}
		if want == "" && p.Visibility == providers.VisibilityDirect {
			continue // the default visibility is never direct
		}
		if recipient != "" && !mentions(p, recipient) {
			continue
		}
		if providers.MatchesDraft(p, d) || providers.MatchesDraft(p, short) {
			return p, true, nil
		}
	}
	return providers.Post{}, false, nil
}

// uploadMedia uploads one file with POST /api/v2/media and waits until the
// server has processed it: the answer is 202 with a null url while it
// processes, and GET /api/v1/media/:id answers 206 until it is done.
// A repeated upload only leaves an unattached file, which the server
// deletes, so the upload is retried like a read.
func (c *Client) uploadMedia(ctx context.Context, u providers.Upload) (string, error) {
	if len(u.Data) == 0 {
		return "", fmt.Errorf("empty media data: %w", providers.ErrInvalidInput)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	name := u.Filename
	if name == "" {
		name = "upload"
	}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+escapeQuotes(name)+`"`)
	ct := u.MIMEType
	if ct == "" {
		ct = http.DetectContentType(u.Data)
	}
	h.Set("Content-Type", ct)
	part, err := w.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := part.Write(u.Data); err != nil {
		return "", err
	}
	if u.AltText != "" {
		if err := w.WriteField("description", u.AltText); err != nil {
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	var att attachment
	resp, err := c.tr.JSON(ctx, &transport.Request{
		Operation:   "upload-media",
		Method:      http.MethodPost,
		Path:        "api/v2/media",
		Body:        buf.Bytes(),
		ContentType: w.FormDataContentType(),
		RetrySafe:   true,
		Bucket:      "media", // 30 uploads per 30 minutes, apart from the rest
	}, &att)
	if err != nil {
		return "", err
	}
	if att.ID == "" {
		return "", c.malformed("upload-media", "the server answered without a media id")
	}
	if resp.StatusCode != http.StatusAccepted && att.URL != nil {
		return att.ID, nil
	}
	deadline := c.cfg.now().Add(c.cfg.mediaTimeout)
	for {
		if err := wait(ctx, c.cfg.mediaPoll); err != nil {
			return "", err
		}
		var got attachment
		resp, err := c.get(ctx, "upload-media", "api/v1/media/"+url.PathEscape(att.ID), nil, &got)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusPartialContent && got.URL != nil {
			return att.ID, nil
		}
		if !c.cfg.now().Before(deadline) {
			return "", &providers.APIError{
				Platform: providers.Mastodon, Operation: "upload-media",
				Message: fmt.Sprintf("media %s still processing after %s", att.ID, c.cfg.mediaTimeout),
				Err:     providers.ErrUnavailable,
			}
		}
	}
}

func escapeQuotes(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

// Delete deletes one of the account's statuses (DELETE /api/v1/statuses/:id).
// The client forgets it created the status (see Publish).
// A status that no longer exists gives an error wrapping
// providers.ErrNotFound.
func (c *Client) Delete(ctx context.Context, post providers.Ref) error {
	if post.ID == "" {
		return fmt.Errorf("mastodon delete: empty post id: %w", providers.ErrInvalidInput)
	}
	_, err := c.tr.Do(ctx, &transport.Request{
		Operation: "delete", Method: http.MethodDelete, Path: "api/v1/statuses/" + url.PathEscape(post.ID),
	})
	if err == nil || errors.Is(err, providers.ErrNotFound) {
		c.forgetCreate(post.ID)
	}
	return err
}

// React favourites (ReactLike) or reblogs (ReactRepost) a status with
// POST /api/v1/statuses/:id/favourite or /reblog. Both are idempotent on
// the server, so they are retried like reads.
func (c *Client) React(ctx context.Context, kind providers.ReactionKind, post providers.Ref) error {
	return c.react(ctx, "react", kind, post, "favourite", "reblog")
}

// Unreact takes a favourite or reblog back (/unfavourite, /unreblog).
func (c *Client) Unreact(ctx context.Context, kind providers.ReactionKind, post providers.Ref) error {
	return c.react(ctx, "unreact", kind, post, "unfavourite", "unreblog")
}

func (c *Client) react(ctx context.Context, op string, kind providers.ReactionKind, post providers.Ref, like, repost string) error {
	if post.ID == "" {
		return fmt.Errorf("mastodon %s: empty post id: %w", op, providers.ErrInvalidInput)
	}
	var action string
	switch kind {
	case providers.ReactLike:
		action = like
	case providers.ReactRepost:
		action = repost
	default:
		return fmt.Errorf("mastodon %s: unknown reaction %q: %w", op, kind, providers.ErrInvalidInput)
	}
	_, err := c.tr.Do(ctx, &transport.Request{
		Operation: op, Method: http.MethodPost,
		Path:      "api/v1/statuses/" + url.PathEscape(post.ID) + "/" + action,
		RetrySafe: true,
	})
	return err
}

// How long and how many successful creates the client remembers, so that
// publishing the same draft again returns the same post even on servers
// that ignore Idempotency-Key. Mastodon keeps keys for an hour too.
const (
	recentTTL = time.Hour
	recentMax = 1024
)

type recentPost struct {
	post providers.Post
	at   time.Time
}

func (c *Client) recentCreate(op, key string) (providers.Post, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.recent[op+"\x00"+key]
	if !ok || c.cfg.now().Sub(r.at) >= recentTTL {
		return providers.Post{}, false
	}
	return r.post, true
}

func (c *Client) rememberCreate(op, key string, p providers.Post) {
	now := c.cfg.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recent == nil {
		c.recent = map[string]recentPost{}
	}
	if len(c.recent) >= recentMax {
		oldestKey, oldest := "", now
		for k, r := range c.recent {
			if now.Sub(r.at) >= recentTTL {
				delete(c.recent, k)
				continue
			}
			if !r.at.After(oldest) {
				oldestKey, oldest = k, r.at
			}
		}
		if len(c.recent) >= recentMax {
			delete(c.recent, oldestKey)
		}
	}
	c.recent[op+"\x00"+key] = recentPost{post: p, at: now}
}

// forgetCreate drops the record of a created post once it is deleted, so
// that publishing the draft again creates it again and FindPublished no
// longer reports it.
func (c *Client) forgetCreate(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, r := range c.recent {
		if r.post.ID == id {
			delete(c.recent, k)
		}
	}
}
