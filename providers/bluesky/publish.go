package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // aspect ratios of GIF uploads
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/rivo/uniseg"

	"github.com/rapportkit/rapport/providers"
)

// writeBucket is the rate-limit bucket of repository writes: the PDS limits
// them in write points per hour, apart from reads, and their headers must not
// pace every read to the hourly write budget.
const writeBucket = "write"

// Publish creates an app.bsky.feed.post record (com.atproto.repo.createRecord)
// with facets for mentions (resolved to DIDs), links and hashtags, a reply
// reference with the thread's root and parent when d.ReplyTo is set,
// uploaded images with alt text, and d.Language as the post's language.
//
// The record key is derived from d.IdempotencyKey, so every attempt to
// publish the same draft writes the same record: a retried or repeated
// create cannot make a second post. Publish first looks the record up
// (com.atproto.repo.getRecord) and returns the post if the draft was
// published before; when the PDS refuses a create whose key is taken
// (the reference PDS answers 500, as after a lost response), Publish reads
// the record back and returns the post that exists.
//
// A draft over 300 graphemes or 3,000 bytes, with more than 4 images or
// images over 1,000,000 bytes fails with ErrInvalidInput before any
// network call. Bluesky posts are always public: a Visibility other than
// public fails with ErrUnsupported.
func (c *Client) Publish(ctx context.Context, d providers.Draft) (providers.Post, error) {
	const op = "publish"
	if err := ctx.Err(); err != nil {
		return providers.Post{}, err
	}
	text := d.Body()
	if err := validateDraft(op, d, text); err != nil {
		return providers.Post{}, err
	}
	key := d.IdempotencyKey
	if key == "" {
		key = providers.NewIdempotencyKey()
	}
	rkey := tidFromKey(key)
	s, err := c.sess.current(ctx)
	if err != nil {
		return providers.Post{}, err
	}
	author := providers.Account{Platform: providers.Bluesky, ID: s.DID, Handle: s.Handle}
	// A draft published before (by an earlier call, process or attempt)
	// is found under its record key: return it without writing.
	if prev, err := c.getRecord(ctx, op, s.DID, collPost, rkey); err == nil {
		return existingPost(ctx, c, op, prev, author)
	} else if !errors.Is(err, providers.ErrNotFound) {
		return providers.Post{}, err
	}
	rec := postRecord{Type: collPost, Text: text, CreatedAt: formatTime(c.now())}
	if d.Language != "" {
		rec.Langs = []string{d.Language}
	}
	if !d.ReplyTo.IsZero() {
		if rec.Reply, err = c.replyRefs(ctx, d.ReplyTo); err != nil {
			return providers.Post{}, err
		}
	}
	if rec.Facets, err = c.facets(ctx, op, text); err != nil {
		return providers.Post{}, err
	}
	if len(d.Media) > 0 {
		if rec.Embed, err = c.uploadImages(ctx, d.Media); err != nil {
			return providers.Post{}, err
		}
	}
	created, existing, err := c.createRecord(ctx, op, s.DID, collPost, rkey, rec)
	if err != nil {
		return providers.Post{}, err
	}
	if existing != nil {
		return existingPost(ctx, c, op, storedRecord{URI: created.URI, CID: created.CID, Value: existing}, author)
	}
	return recordPost(rec, created.URI, created.CID, author), nil
}

// existingPost converts a post record that was already in the repository.
func existingPost(ctx context.Context, c *Client, op string, r storedRecord, author providers.Account) (providers.Post, error) {
	var prev postRecord
	if err := json.Unmarshal(r.Value, &prev); err != nil {
		return providers.Post{}, opError(op, providers.ErrUnavailable, "record %s exists but cannot be read: %v", r.URI, err)
	}
	c.cfg.logger.InfoContext(ctx, "bluesky: draft was already published", "uri", r.URI)
	return recordPost(prev, r.URI, r.CID, author), nil
}

// validateDraft checks what can be checked without the network.
func validateDraft(op string, d providers.Draft, text string) error {
	switch d.Visibility {
	case "", providers.VisibilityPublic:
	default:
		return opError(op, providers.ErrUnsupported, "visibility %q: Bluesky posts are public (send a direct message instead)", d.Visibility)
	}
	if strings.TrimSpace(text) == "" && len(d.Media) == 0 {
		return opError(op, providers.ErrInvalidInput, "empty text and no media")
	}
	if msg := checkLength(text, MaxGraphemes, MaxBytes); msg != "" {
		return opError(op, providers.ErrInvalidInput, "%s", msg)
	}
	if len(d.Media) > MaxImages {
		return opError(op, providers.ErrInvalidInput, "%d media attachments, at most %d images allowed", len(d.Media), MaxImages)
	}
	for i, m := range d.Media {
		if !strings.HasPrefix(strings.ToLower(m.MIMEType), "image/") {
			return opError(op, providers.ErrInvalidInput, "media[%d] %q: type %q is not an image (only images are supported)", i, m.Filename, m.MIMEType)
		}
		if len(m.Data) == 0 {
			return opError(op, providers.ErrInvalidInput, "media[%d] %q: no data", i, m.Filename)
		}
		if len(m.Data) > MaxImageBytes {
			return opError(op, providers.ErrInvalidInput, "media[%d] %q: %d bytes, more than %d", i, m.Filename, len(m.Data), MaxImageBytes)
		}
		if g := uniseg.GraphemeClusterCount(m.AltText); g > maxAltGraphemes {
			return opError(op, providers.ErrInvalidInput, "media[%d] %q: alt text has %d graphemes, more than %d", i, m.Filename, g, maxAltGraphemes)
		}
	}
	if !d.ReplyTo.IsZero() {
		if _, ok := parseATURI(d.ReplyTo.ID); !ok {
			return opError(op, providers.ErrInvalidInput, "ReplyTo.ID %q is not an at:// URI", d.ReplyTo.ID)
		}
	}
	if d.Language != "" && (len(d.Language) > 35 || strings.ContainsAny(d.Language, " _")) {
		return opError(op, providers.ErrInvalidInput, "language %q is not a BCP-47 tag", d.Language)
	}
	return nil
}

// replyRefs finds the parent post and the root of its thread.
func (c *Client) replyRefs(ctx context.Context, to providers.Ref) (*replyRef, error) {
	if _, ok := parseATURI(to.ID); !ok {
		return nil, opError("publish", providers.ErrInvalidInput, "ReplyTo.ID %q is not an at:// URI", to.ID)
	}
	parent, err := c.getPost(ctx, "publish", to.ID)
	if err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return nil, opError("publish", providers.ErrNotFound, "reply target %s does not exist", to.ID)
		}
		return nil, err
	}
	var rec postRecord
	if err := json.Unmarshal(parent.Record, &rec); err != nil {
		return nil, opError("publish", providers.ErrUnavailable, "reply target %s: unreadable record: %v", to.ID, err)
	}
	ref := &replyRef{Parent: strongRef{URI: parent.URI, CID: parent.CID}}
	if rec.Reply != nil && rec.Reply.Root.URI != "" {
		ref.Root = rec.Reply.Root
	} else {
		ref.Root = ref.Parent
	}
	return ref, nil
}

// facets turns the mentions, links and hashtags of text into facets;
// mentions of handles that do not resolve stay plain text.
func (c *Client) facets(ctx context.Context, op, text string) ([]facet, error) {
	var out []facet
	dids := map[string]string{}
	for _, s := range detectFacets(text) {
		f := facet{Index: byteSlice{ByteStart: s.start, ByteEnd: s.end}}
		switch s.kind {
		case facetMention:
			did, ok := dids[s.value]
			if !ok {
				var err error
				did, err = c.ResolveHandle(ctx, s.value)
				if err != nil && !errors.Is(err, providers.ErrNotFound) && !errors.Is(err, providers.ErrInvalidInput) {
					return nil, err
				}
				dids[s.value] = did
			}
			if did == "" {
				continue
			}
			f.Features = []facetFeature{{Type: featMention, DID: did}}
		case facetLink:
			f.Features = []facetFeature{{Type: featLink, URI: s.value}}
		case facetTag:
			f.Features = []facetFeature{{Type: featTag, Tag: s.value}}
		}
		out = append(out, f)
	}
	return out, nil
}

// ResolveHandle returns the DID of a handle
// (com.atproto.identity.resolveHandle). A handle that does not resolve
// gives an error wrapping ErrNotFound.
func (c *Client) ResolveHandle(ctx context.Context, handle string) (string, error) {
	handle = strings.TrimPrefix(strings.TrimSpace(handle), "@")
	if !validHandle(handle) {
		return "", opError("resolve-handle", providers.ErrInvalidInput, "%q is not a handle", handle)
	}
	var out struct {
		DID string `json:"did"`
	}
	err := c.xrpc(ctx, get("resolve-handle", "com.atproto.identity.resolveHandle", url.Values{"handle": {handle}}), &out)
	if err != nil {
		if errors.Is(err, providers.ErrInvalidInput) {
			return "", fmt.Errorf("bluesky resolve-handle: handle %q does not resolve: %w (%w)", handle, providers.ErrNotFound, err)
		}
		return "", err
	}
	if !strings.HasPrefix(out.DID, "did:") {
		return "", opError("resolve-handle", providers.ErrNotFound, "handle %q resolved to no DID", handle)
	}
	return out.DID, nil
}

// uploadImages uploads the images (com.atproto.repo.uploadBlob, which is
// content-addressed and so safe to repeat) and returns the embed.
func (c *Client) uploadImages(ctx context.Context, media []providers.Upload) (*recordEmbed, error) {
	e := &recordEmbed{Type: embedImages}
	for _, m := range media {
		var out struct {
			Blob blob `json:"blob"`
		}
		k := call{op: "upload", method: http.MethodPost, nsid: "com.atproto.repo.uploadBlob",
			body: m.Data, mime: m.MIMEType, retrySafe: true}
		if err := c.xrpc(ctx, k, &out); err != nil {
			return nil, err
		}
		if out.Blob.Ref.Link == "" {
			return nil, opError("upload", providers.ErrUnavailable, "uploadBlob for %q answered without a blob reference", m.Filename)
		}
		im := imageInput{Alt: m.AltText, Image: out.Blob}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(m.Data)); err == nil && cfg.Width > 0 && cfg.Height > 0 {
			im.AspectRatio = &aspectRatio{Width: cfg.Width, Height: cfg.Height}
		}
		e.Images = append(e.Images, im)
	}
	return e, nil
}

// createRecord writes a record under a client-chosen key. The request is
// marked retry-safe: a repeat cannot duplicate the record. When the create
// fails, the record is read back: if it exists (an earlier attempt wrote
// it), its reference and stored value are returned.
func (c *Client) createRecord(ctx context.Context, op, did, collection, rkey string, record any) (strongRef, json.RawMessage, error) {
	in := map[string]any{"repo": did, "collection": collection, "rkey": rkey, "record": record}
	var out strongRef
	err := c.xrpc(ctx, call{op: op, method: http.MethodPost, nsid: "com.atproto.repo.createRecord", input: in, retrySafe: true, bucket: writeBucket}, &out)
	if err == nil {
		if out.URI == "" {
			out.URI = atURI{did, collection, rkey}.String()
		}
		return out, nil, nil
	}
	if errors.Is(err, providers.ErrRateLimited) || errors.Is(err, providers.ErrUnauthorized) {
		return strongRef{}, nil, err // refused before anything was written
	}
	uri := atURI{did, collection, rkey}.String()
	if cerr := ctx.Err(); cerr != nil {
		return strongRef{}, nil, fmt.Errorf("bluesky %s: %w before the outcome of creating %s was known: %w", op, cerr, uri, providers.ErrUnknownOutcome)
	}
	got, gerr := c.getRecord(ctx, op, did, collection, rkey)
	switch {
	case gerr == nil:
		return strongRef{URI: got.URI, CID: got.CID}, got.Value, nil
	case errors.Is(gerr, providers.ErrNotFound):
		if errors.Is(err, providers.ErrUnknownOutcome) {
			// Read back: the record was not written, so trying again is safe.
			return strongRef{}, nil, fmt.Errorf("bluesky %s: %s was not created: %w (%w)", op, uri, providers.ErrUnavailable, err)
		}
		return strongRef{}, nil, err
	case errors.Is(err, providers.ErrInvalidInput):
		return strongRef{}, nil, err
	default:
		return strongRef{}, nil, fmt.Errorf("bluesky %s: creating %s failed (%w) and reading it back failed (%w): %w", op, uri, err, gerr, providers.ErrUnknownOutcome)
	}
}

// storedRecord is com.atproto.repo.getRecord's output.
type storedRecord struct {
	URI   string          `json:"uri"`
	CID   string          `json:"cid"`
	Value json.RawMessage `json:"value"`
}

func (c *Client) getRecord(ctx context.Context, op, repo, collection, rkey string) (storedRecord, error) {
	q := url.Values{"repo": {repo}, "collection": {collection}, "rkey": {rkey}}
	var out storedRecord
	if err := c.xrpc(ctx, get(op, "com.atproto.repo.getRecord", q), &out); err != nil {
		return storedRecord{}, err
	}
	if out.URI == "" {
		out.URI = atURI{repo, collection, rkey}.String()
	}
	return out, nil
}

func (c *Client) deleteRecord(ctx context.Context, op, repo, collection, rkey string) error {
	in := map[string]string{"repo": repo, "collection": collection, "rkey": rkey}
	return c.xrpc(ctx, call{op: op, method: http.MethodPost, nsid: "com.atproto.repo.deleteRecord", input: in, retrySafe: true, bucket: writeBucket}, nil)
}

// ownRecord checks that uri names a record in the client's repository and
// returns its parts with the repository as a DID.
func (c *Client) ownRecord(ctx context.Context, op, uri string) (atURI, error) {
	u, ok := parseATURI(uri)
	if !ok {
		return atURI{}, opError(op, providers.ErrInvalidInput, "%q is not an at:// URI", uri)
	}
	s, err := c.sess.current(ctx)
	if err != nil {
		return atURI{}, err
	}
	if u.Repo != s.DID && !strings.EqualFold(u.Repo, s.Handle) {
		return atURI{}, opError(op, providers.ErrForbidden, "%s is not in the account's repository %s", uri, s.DID)
	}
	u.Repo = s.DID
	return u, nil
}

// Delete deletes one of the account's posts (com.atproto.repo.deleteRecord,
// which is safe to repeat). A post that does not exist gives an error
// wrapping ErrNotFound.
func (c *Client) Delete(ctx context.Context, post providers.Ref) error {
	const op = "delete"
	if err := ctx.Err(); err != nil {
		return err
	}
	u, err := c.ownRecord(ctx, op, post.ID)
	if err != nil {
		return err
	}
	if _, err := c.getRecord(ctx, op, u.Repo, u.Collection, u.RKey); err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return opError(op, providers.ErrNotFound, "post %s does not exist", post.ID)
		}
		return err
	}
	return c.deleteRecord(ctx, op, u.Repo, u.Collection, u.RKey)
}
