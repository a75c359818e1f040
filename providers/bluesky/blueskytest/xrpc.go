package blueskytest

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// xerr is an XRPC error answer.
type xerr struct {
	status int
	code   string
	msg    string
}

func invalid(msg string) *xerr { return &xerr{400, "InvalidRequest", msg} }

// handler serves one method for an authenticated (or anonymous) caller.
type handler func(s *Server, r *request) (any, *xerr)

type request struct {
	http   *http.Request
	viewer string // DID of the session, "" when anonymous
	scope  string
	body   []byte
	q      map[string][]string
}

func (r *request) param(name string) string {
	if v := r.q[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (r *request) limit(def, maximum int) (int, *xerr) {
	v := r.param("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maximum {
		return 0, invalid("limit must be an integer between 1 and " + strconv.Itoa(maximum))
	}
	return n, nil
}

func (r *request) decode(out any) *xerr {
	if err := json.Unmarshal(r.body, out); err != nil {
		return invalid("Invalid JSON body: " + err.Error())
	}
	return nil
}

type method struct {
	post bool
	auth bool // requires an access token
	chat bool // proxied to the chat service
	h    handler
}

var methods = map[string]method{
	"com.atproto.server.createSession":        {post: true, h: (*Server).createSession},
	"com.atproto.server.refreshSession":       {post: true, h: (*Server).refreshSession},
	"com.atproto.server.getSession":           {auth: true, h: (*Server).getSession},
	"com.atproto.identity.resolveHandle":      {h: (*Server).resolveHandle},
	"com.atproto.repo.createRecord":           {post: true, auth: true, h: (*Server).createRecord},
	"com.atproto.repo.deleteRecord":           {post: true, auth: true, h: (*Server).deleteRecord},
	"com.atproto.repo.getRecord":              {h: (*Server).getRecord},
	"com.atproto.repo.uploadBlob":             {post: true, auth: true, h: (*Server).uploadBlob},
	"app.bsky.actor.getProfile":               {auth: true, h: (*Server).getProfile},
	"app.bsky.graph.getFollowers":             {auth: true, h: (*Server).getFollowers},
	"app.bsky.notification.listNotifications": {auth: true, h: (*Server).listNotifications},
	"app.bsky.notification.updateSeen":        {post: true, auth: true, h: (*Server).updateSeen},
	"app.bsky.feed.getPostThread":             {auth: true, h: (*Server).getPostThread},
	"app.bsky.feed.getPosts":                  {auth: true, h: (*Server).getPosts},
	"app.bsky.feed.searchPosts":               {auth: true, h: (*Server).searchPosts},
	"app.bsky.feed.getAuthorFeed":             {auth: true, h: (*Server).getAuthorFeed},
	"chat.bsky.convo.getConvoForMembers":      {auth: true, chat: true, h: (*Server).getConvoForMembers},
	"chat.bsky.convo.sendMessage":             {post: true, auth: true, chat: true, h: (*Server).sendMessage},
	"chat.bsky.convo.getMessages":             {auth: true, chat: true, h: (*Server).getMessages},
	"chat.bsky.convo.listConvos":              {auth: true, chat: true, h: (*Server).listConvos},
}

func (s *Server) serve(w http.ResponseWriter, hr *http.Request) {
	nsid, ok := strings.CutPrefix(hr.URL.Path, "/xrpc/")
	body, _ := io.ReadAll(io.LimitReader(hr.Body, 64<<20))
	s.mu.Lock()
	s.calls[nsid]++
	now := s.now()
	if now.Sub(s.windowStart) >= s.rateWindow {
		s.windowStart, s.windowUsed = now, 0
	}
	s.windowUsed++
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("RateLimit-Limit", strconv.Itoa(s.rateLimit))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(s.rateLimit-s.windowUsed, 0)))
	h.Set("RateLimit-Reset", strconv.FormatInt(s.windowStart.Add(s.rateWindow).Unix(), 10))
	h.Set("RateLimit-Policy", strconv.Itoa(s.rateLimit)+";w="+strconv.Itoa(int(s.rateWindow/time.Second)))
	if f, ok := s.takeFault(nsid); ok {
		s.mu.Unlock()
		if f.status == http.StatusTooManyRequests {
			h.Set("RateLimit-Remaining", "0")
			if f.retryAfter > 0 {
				h.Set("RateLimit-Reset", strconv.FormatInt(now.Add(f.retryAfter).Unix(), 10))
				h.Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
			}
			writeErr(w, &xerr{429, "RateLimitExceeded", "Rate Limit Exceeded"})
			return
		}
		writeErr(w, &xerr{f.status, "InternalServerError", "Internal Server Error"})
		return
	}
	if s.windowUsed > s.rateLimit {
		s.mu.Unlock()
		h.Set("Retry-After", strconv.Itoa(int(s.windowStart.Add(s.rateWindow).Sub(now)/time.Second)+1))
		writeErr(w, &xerr{429, "RateLimitExceeded", "Rate Limit Exceeded"})
		return
	}
	m, known := methods[nsid]
	if !ok || !known {
		s.mu.Unlock()
		writeErr(w, &xerr{501, "MethodNotImplemented", "Method Not Implemented"})
		return
	}
	if (hr.Method == http.MethodPost) != m.post {
		s.mu.Unlock()
		writeErr(w, &xerr{405, "InvalidRequest", "Incorrect HTTP method (" + hr.Method + ") expected " + map[bool]string{true: "POST", false: "GET"}[m.post]})
		return
	}
	r := &request{http: hr, body: body, q: hr.URL.Query()}
	if e := s.authenticate(r, nsid, m); e != nil {
		s.mu.Unlock()
		writeErr(w, e)
		return
	}
	out, e := m.h(s, r)
	lose := false
	if e == nil && nsid == "com.atproto.repo.createRecord" && s.loseCreates > 0 {
		s.loseCreates--
		lose = true
	}
	s.mu.Unlock()
	if lose {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		writeErr(w, &xerr{502, "UpstreamFailure", "connection lost"})
		return
	}
	if e != nil {
		writeErr(w, e)
		return
	}
	if out == nil { // a procedure without output
		h.Del("Content-Type")
		w.WriteHeader(http.StatusOK)
		return
	}
	b, _ := json.Marshal(out)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// takeFault returns the fault that applies to this call of nsid, if any.
// Called with s.mu held.
func (s *Server) takeFault(nsid string) (fault, bool) {
	skipped := map[int]bool{}
	for i, f := range s.faults {
		if f.nsid != "" && f.nsid != nsid {
			continue
		}
		if f.skip > 0 {
			// One call of nsid goes through: every pending fault for it
			// waits one call less.
			for j := range s.faults {
				if s.faults[j].nsid == nsid && s.faults[j].skip > 0 && !skipped[j] {
					s.faults[j].skip--
					skipped[j] = true
				}
			}
			return fault{}, false
		}
		s.faults = append(s.faults[:i], s.faults[i+1:]...)
		return f, true
	}
	return fault{}, false
}

func writeErr(w http.ResponseWriter, e *xerr) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.status)
	b, _ := json.Marshal(map[string]string{"error": e.code, "message": e.msg})
	_, _ = w.Write(b)
}

// authenticate checks the bearer token. Called with s.mu held.
func (s *Server) authenticate(r *request, nsid string, m method) *xerr {
	authz := r.http.Header.Get("Authorization")
	tok, hasBearer := strings.CutPrefix(authz, "Bearer ")
	if nsid == "com.atproto.server.createSession" || nsid == "com.atproto.identity.resolveHandle" {
		return nil
	}
	if !hasBearer || tok == "" {
		if m.auth || nsid == "com.atproto.server.refreshSession" {
			return &xerr{401, "AuthMissing", "Authentication Required"}
		}
		return nil
	}
	c, ok := s.verifyJWT(tok)
	if !ok {
		return &xerr{400, "InvalidToken", "Token could not be verified"}
	}
	if nsid == "com.atproto.server.refreshSession" {
		if c.typ != "refresh+jwt" || c.Scope != "com.atproto.refresh" {
			return &xerr{400, "InvalidToken", "Invalid token type"}
		}
		if s.revoked[c.JTI] {
			return &xerr{400, "ExpiredToken", "Token has been revoked"}
		}
	} else if c.typ != "at+jwt" {
		return &xerr{400, "InvalidToken", "Invalid token type"}
	}
	now := s.now()
	if now.Unix() >= c.Exp || s.expired[tok] {
		return &xerr{400, "ExpiredToken", "Token has expired"}
	}
	if s.accounts[c.Sub] == nil {
		return &xerr{400, "InvalidToken", "Token could not be verified"}
	}
	if m.chat {
		if r.http.Header.Get("atproto-proxy") != s.chatService {
			return &xerr{501, "MethodNotImplemented", "Method Not Implemented"}
		}
		if s.chatRefused {
			return &xerr{400, "InvalidToken", "Bad token scope"}
		}
		if c.Scope == "com.atproto.appPass" {
			return &xerr{400, "InvalidToken", "Bad token method"}
		}
	}
	r.viewer, r.scope = c.Sub, c.Scope
	return nil
}

// Sessions.

func (s *Server) createSession(r *request) (any, *xerr) {
	var in struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}
	if e := r.decode(&in); e != nil {
		return nil, e
	}
	if in.Identifier == "" || in.Password == "" {
		return nil, invalid("Input must have the properties \"identifier\", \"password\"")
	}
	did := s.resolve(in.Identifier)
	a := s.accounts[did]
	key := strings.ToLower(in.Identifier)
	if a != nil {
		key = a.DID
	}
	now := s.now()
	var recent []time.Time
	for _, t := range s.sessionTimes[key] {
		if now.Sub(t) < 5*time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= s.sessionLimit {
		return nil, &xerr{429, "RateLimitExceeded", "Rate Limit Exceeded"}
	}
	s.sessionTimes[key] = append(recent, now)
	if a == nil || a.Password != in.Password {
		return nil, &xerr{401, "AuthenticationRequired", "Invalid identifier or password"}
	}
	return s.issue(a), nil
}

func (s *Server) refreshSession(r *request) (any, *xerr) {
	tok := strings.TrimPrefix(r.http.Header.Get("Authorization"), "Bearer ")
	c, _ := s.verifyJWT(tok)
	s.revoked[c.JTI] = true // refresh tokens rotate
	return s.issue(s.accounts[c.Sub]), nil
}

func (s *Server) getSession(r *request) (any, *xerr) {
	a := s.accounts[r.viewer]
	return map[string]any{"did": a.DID, "handle": a.Handle, "email": a.Email, "emailConfirmed": false, "active": true}, nil
}

func (s *Server) resolveHandle(r *request) (any, *xerr) {
	h := strings.ToLower(r.param("handle"))
	if h == "" {
		return nil, invalid("Error: Params must have the property \"handle\"")
	}
	did, ok := s.handles[h]
	if !ok {
		return nil, invalid("Unable to resolve handle")
	}
	return map[string]any{"did": did}, nil
}

// Records.

func (s *Server) createRecord(r *request) (any, *xerr) {
	var in struct {
		Repo       string         `json:"repo"`
		Collection string         `json:"collection"`
		RKey       string         `json:"rkey"`
		Validate   *bool          `json:"validate"`
		Record     map[string]any `json:"record"`
	}
	if e := r.decode(&in); e != nil {
		return nil, e
	}
	if in.Repo == "" || in.Collection == "" || in.Record == nil {
		return nil, invalid("Input must have the properties \"repo\", \"collection\", \"record\"")
	}
	if s.resolve(in.Repo) != r.viewer {
		return nil, &xerr{403, "InvalidRequest", "Cannot create record in another repository"}
	}
	rkey := in.RKey
	if rkey == "" {
		rkey = s.tid()
	}
	rec, e := s.create(r.viewer, in.Collection, rkey, in.Record)
	if e != nil {
		return nil, e
	}
	return map[string]any{
		"uri": rec.URI, "cid": rec.CID,
		"commit":           map[string]any{"cid": s.cid("bafyrei", "commit"), "rev": s.tid()},
		"validationStatus": "valid",
	}, nil
}

// create validates and stores a record, with its notifications. Called
// with s.mu held.
func (s *Server) create(repo, coll, rkey string, value map[string]any) (*record, *xerr) {
	if !validTID(rkey) && coll != "app.bsky.actor.profile" {
		return nil, invalid("Invalid record key: " + rkey)
	}
	value = cloneMap(value) // as JSON would hold it (numbers as float64)
	if t, ok := value["$type"].(string); ok && t != coll {
		return nil, invalid("Invalid $type: expected " + coll + ", got " + t)
	}
	value["$type"] = coll
	if _, ok := value["createdAt"].(string); !ok {
		return nil, invalid("Invalid " + coll + " record: Missing required key \"createdAt\" at $.record")
	}
	if coll == "app.bsky.feed.post" {
		if e := s.validatePost(value); e != nil {
			return nil, e
		}
	}
	uri := "at://" + repo + "/" + coll + "/" + rkey
	if _, exists := s.records[uri]; exists {
		// What the reference PDS answers for a record key already in use.
		return nil, &xerr{500, "InternalServerError", "Internal Server Error"}
	}
	b, _ := json.Marshal(value)
	rec := &record{URI: uri, CID: s.cid("bafyrei", string(b)), Repo: repo, Collection: coll, RKey: rkey,
		Value: value, IndexedAt: s.indexTime()}
	s.records[uri] = rec
	s.order = append(s.order, uri)
	s.notify(rec)
	return rec, nil
}

func (s *Server) validatePost(v map[string]any) *xerr {
	text, _ := v["text"].(string)
	if !utf8.ValidString(text) {
		return invalid("Invalid app.bsky.feed.post record: Record/text must be valid UTF-8")
	}
	if uniseg.GraphemeClusterCount(text) > 300 {
		return invalid("Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
	}
	if len(text) > 3000 {
		return invalid("Invalid app.bsky.feed.post record: Record/text must not be longer than 3000 characters")
	}
	facets, _ := v["facets"].([]any)
	for i, f := range facets {
		fm, _ := f.(map[string]any)
		idx, _ := fm["index"].(map[string]any)
		start, ok1 := idx["byteStart"].(float64)
		end, ok2 := idx["byteEnd"].(float64)
		if !ok1 || !ok2 || start < 0 || end < start || int(end) > len(text) {
			return invalid("Invalid app.bsky.feed.post record: Record/facets/" + strconv.Itoa(i) + "/index is out of range")
		}
		if feats, _ := fm["features"].([]any); len(feats) == 0 {
			return invalid("Invalid app.bsky.feed.post record: Record/facets/" + strconv.Itoa(i) + " must have features")
		}
	}
	if reply, ok := v["reply"].(map[string]any); ok {
		for _, k := range []string{"root", "parent"} {
			ref, _ := reply[k].(map[string]any)
			if u, _ := ref["uri"].(string); !strings.HasPrefix(u, "at://") {
				return invalid("Invalid app.bsky.feed.post record: Record/reply/" + k + "/uri must be a valid at-uri")
			}
			if c, _ := ref["cid"].(string); c == "" {
				return invalid("Invalid app.bsky.feed.post record: Record/reply/" + k + " must have the property \"cid\"")
			}
		}
	}
	if embed, ok := v["embed"].(map[string]any); ok && embed["$type"] == "app.bsky.embed.images" {
		images, _ := embed["images"].([]any)
		if len(images) == 0 || len(images) > 4 {
			return invalid("Invalid app.bsky.feed.post record: Record/embed/images must not have more than 4 elements")
		}
		for i, im := range images {
			m, _ := im.(map[string]any)
			if _, ok := m["alt"].(string); !ok {
				return invalid("Invalid app.bsky.feed.post record: Record/embed/images/" + strconv.Itoa(i) + " must have the property \"alt\"")
			}
			blob, _ := m["image"].(map[string]any)
			ref, _ := blob["ref"].(map[string]any)
			link, _ := ref["$link"].(string)
			bi, ok := s.blobs[link]
			if !ok {
				return &xerr{400, "BlobNotFound", "Could not find blob: " + link}
			}
			if bi.size > 1_000_000 {
				return invalid("Invalid app.bsky.feed.post record: Record/embed/images/" + strconv.Itoa(i) + "/image file too big (max 1000000 bytes)")
			}
		}
	}
	return nil
}

// notify adds the notifications a new record causes. Called with s.mu held.
func (s *Server) notify(rec *record) {
	add := func(recipient, reason, subject string) {
		if recipient == "" || recipient == rec.Repo || s.accounts[recipient] == nil {
			return
		}
		s.seq++
		s.notifs = append(s.notifs, &notif{seq: s.seq, recipient: recipient, reason: reason, subject: subject,
			uri: rec.URI, indexedAt: rec.IndexedAt})
	}
	repoOf := func(uri string) string {
		if u, ok := strings.CutPrefix(uri, "at://"); ok {
			return strings.SplitN(u, "/", 2)[0]
		}
		return ""
	}
	switch rec.Collection {
	case "app.bsky.graph.follow":
		subject, _ := rec.Value["subject"].(string)
		add(subject, "follow", "")
		if a := s.accounts[subject]; a != nil {
			a.followers = append(a.followers, rec.Repo)
		}
	case "app.bsky.feed.like", "app.bsky.feed.repost":
		subj, _ := rec.Value["subject"].(map[string]any)
		uri, _ := subj["uri"].(string)
		reason := "like"
		if rec.Collection == "app.bsky.feed.repost" {
			reason = "repost"
		}
		add(repoOf(uri), reason, uri)
	case "app.bsky.feed.post":
		notified := map[string]bool{}
		if reply, ok := rec.Value["reply"].(map[string]any); ok {
			parent, _ := reply["parent"].(map[string]any)
			root, _ := reply["root"].(map[string]any)
			for _, ref := range []map[string]any{parent, root} {
				uri, _ := ref["uri"].(string)
				if who := repoOf(uri); who != "" && !notified[who] {
					notified[who] = true
					add(who, "reply", uri)
				}
			}
		}
		if embed, ok := rec.Value["embed"].(map[string]any); ok && embed["$type"] == "app.bsky.embed.record" {
			q, _ := embed["record"].(map[string]any)
			uri, _ := q["uri"].(string)
			if who := repoOf(uri); who != "" && !notified[who] {
				notified[who] = true
				add(who, "quote", uri)
			}
		}
		facets, _ := rec.Value["facets"].([]any)
		for _, f := range facets {
			fm, _ := f.(map[string]any)
			feats, _ := fm["features"].([]any)
			for _, ft := range feats {
				m, _ := ft.(map[string]any)
				if m["$type"] == "app.bsky.richtext.facet#mention" {
					did, _ := m["did"].(string)
					if !notified[did] {
						notified[did] = true
						add(did, "mention", "")
					}
				}
			}
		}
	}
}

func (s *Server) getRecord(r *request) (any, *xerr) {
	repo, coll, rkey := s.resolve(r.param("repo")), r.param("collection"), r.param("rkey")
	if repo == "" || coll == "" || rkey == "" {
		return nil, invalid("Params must have the properties \"repo\", \"collection\", \"rkey\"")
	}
	uri := "at://" + repo + "/" + coll + "/" + rkey
	rec, ok := s.records[uri]
	if !ok {
		return nil, &xerr{400, "RecordNotFound", "Could not locate record: " + uri}
	}
	return map[string]any{"uri": rec.URI, "cid": rec.CID, "value": rec.Value}, nil
}

func (s *Server) deleteRecord(r *request) (any, *xerr) {
	var in struct {
		Repo       string `json:"repo"`
		Collection string `json:"collection"`
		RKey       string `json:"rkey"`
	}
	if e := r.decode(&in); e != nil {
		return nil, e
	}
	if s.resolve(in.Repo) != r.viewer {
		return nil, &xerr{403, "InvalidRequest", "Cannot delete record in another repository"}
	}
	uri := "at://" + r.viewer + "/" + in.Collection + "/" + in.RKey
	rec, ok := s.records[uri]
	if !ok {
		return map[string]any{}, nil // deleting a missing record is a no-op
	}
	delete(s.records, uri)
	if rec.Collection == "app.bsky.graph.follow" {
		if a := s.accounts[rec.Value["subject"].(string)]; a != nil {
			a.followers = slices.DeleteFunc(a.followers, func(d string) bool { return d == rec.Repo })
		}
	}
	s.notifs = slices.DeleteFunc(s.notifs, func(n *notif) bool { return n.uri == uri })
	return map[string]any{"commit": map[string]any{"cid": s.cid("bafyrei", "commit"), "rev": s.tid()}}, nil
}

func (s *Server) uploadBlob(r *request) (any, *xerr) {
	mime := r.http.Header.Get("Content-Type")
	if mime == "" || mime == "application/json" {
		return nil, invalid("Request encoding (Content-Type) required but not provided")
	}
	if len(r.body) == 0 {
		return nil, invalid("Request body required but not provided")
	}
	sum := sha256.Sum256(r.body)
	cid := "bafkrei" + lowerB32.EncodeToString(sum[:])[:52]
	s.blobs[cid] = blobInfo{cid: cid, mime: mime, size: len(r.body)}
	return map[string]any{"blob": map[string]any{
		"$type": "blob", "ref": map[string]any{"$link": cid}, "mimeType": mime, "size": len(r.body),
	}}, nil
}

// Views.

func (s *Server) profileBasic(did, viewer string) map[string]any {
	a := s.accounts[did]
	if a == nil {
		return map[string]any{"did": did, "handle": "handle.invalid", "labels": []any{}}
	}
	v := map[string]any{"muted": false, "mutedOnlyReposts": false, "mutedOnlyQuoteposts": false, "blockedBy": false}
	if f := s.followRecord(did, viewer); f != "" {
		v["followedBy"] = f
	}
	if f := s.followRecord(viewer, did); f != "" {
		v["following"] = f
	}
	p := map[string]any{
		"did": a.DID, "handle": a.Handle,
		"associated": map[string]any{"activitySubscription": map[string]any{"allowSubscriptions": "followers"}},
		"viewer":     v, "labels": []any{}, "createdAt": formatTime(a.CreatedAt),
	}
	if a.DisplayName != "" {
		p["displayName"] = a.DisplayName
	}
	return p
}

func (s *Server) profileView(did, viewer string) map[string]any {
	p := s.profileBasic(did, viewer)
	if a := s.accounts[did]; a != nil {
		if a.Bio != "" {
			p["description"] = a.Bio
		}
		p["indexedAt"] = formatTime(a.CreatedAt)
	}
	return p
}

// followRecord returns the URI of from's follow of to ("" if none).
func (s *Server) followRecord(from, to string) string {
	if from == "" || to == "" {
		return ""
	}
	for _, uri := range s.order {
		if r, ok := s.records[uri]; ok && r.Repo == from && r.Collection == "app.bsky.graph.follow" && r.Value["subject"] == to {
			return uri
		}
	}
	return ""
}

func (s *Server) counts(uri string) (likes, reposts, replies, quotes int) {
	for _, r := range s.records {
		switch r.Collection {
		case "app.bsky.feed.like", "app.bsky.feed.repost":
			if subj, _ := r.Value["subject"].(map[string]any); subj["uri"] == uri {
				if r.Collection == "app.bsky.feed.like" {
					likes++
				} else {
					reposts++
				}
			}
		case "app.bsky.feed.post":
			if reply, ok := r.Value["reply"].(map[string]any); ok {
				if p, _ := reply["parent"].(map[string]any); p["uri"] == uri {
					replies++
				}
			}
			if e, ok := r.Value["embed"].(map[string]any); ok && e["$type"] == "app.bsky.embed.record" {
				if q, _ := e["record"].(map[string]any); q["uri"] == uri {
					quotes++
				}
			}
		}
	}
	return
}

// viewerRecord returns the URI of viewer's like or repost of uri.
func (s *Server) viewerRecord(viewer, coll, uri string) string {
	for _, u := range s.order {
		r, ok := s.records[u]
		if !ok || r.Repo != viewer || r.Collection != coll {
			continue
		}
		if subj, _ := r.Value["subject"].(map[string]any); subj["uri"] == uri {
			return u
		}
	}
	return ""
}

func (s *Server) postView(rec *record, viewer string) map[string]any {
	likes, reposts, replies, quotes := s.counts(rec.URI)
	v := map[string]any{"bookmarked": false, "threadMuted": false, "embeddingDisabled": false}
	if u := s.viewerRecord(viewer, "app.bsky.feed.like", rec.URI); u != "" {
		v["like"] = u
	}
	if u := s.viewerRecord(viewer, "app.bsky.feed.repost", rec.URI); u != "" {
		v["repost"] = u
	}
	p := map[string]any{
		"uri": rec.URI, "cid": rec.CID, "author": s.profileBasic(rec.Repo, viewer), "record": rec.Value,
		"bookmarkCount": 0, "replyCount": replies, "repostCount": reposts, "likeCount": likes, "quoteCount": quotes,
		"indexedAt": formatTime(rec.IndexedAt), "viewer": v, "labels": []any{},
	}
	if e := s.embedView(rec, viewer); e != nil {
		p["embed"] = e
	}
	return p
}

func (s *Server) embedView(rec *record, viewer string) map[string]any {
	e, ok := rec.Value["embed"].(map[string]any)
	if !ok {
		return nil
	}
	switch e["$type"] {
	case "app.bsky.embed.images":
		images, _ := e["images"].([]any)
		var views []any
		for _, im := range images {
			m, _ := im.(map[string]any)
			blob, _ := m["image"].(map[string]any)
			ref, _ := blob["ref"].(map[string]any)
			link, _ := ref["$link"].(string)
			iv := map[string]any{
				"thumb":    "https://cdn.bsky.app/img/feed_thumbnail/plain/" + rec.Repo + "/" + link + "@jpeg",
				"fullsize": "https://cdn.bsky.app/img/feed_fullsize/plain/" + rec.Repo + "/" + link + "@jpeg",
				"alt":      m["alt"],
			}
			if ar, ok := m["aspectRatio"]; ok {
				iv["aspectRatio"] = ar
			}
			views = append(views, iv)
		}
		return map[string]any{"$type": "app.bsky.embed.images#view", "images": views}
	case "app.bsky.embed.record":
		q, _ := e["record"].(map[string]any)
		uri, _ := q["uri"].(string)
		qr, ok := s.records[uri]
		if !ok {
			return map[string]any{"$type": "app.bsky.embed.record#view",
				"record": map[string]any{"$type": "app.bsky.embed.record#viewNotFound", "uri": uri, "notFound": true}}
		}
		likes, reposts, replies, quotes := s.counts(uri)
		return map[string]any{"$type": "app.bsky.embed.record#view", "record": map[string]any{
			"$type": "app.bsky.embed.record#viewRecord", "uri": qr.URI, "cid": qr.CID,
			"author": s.profileBasic(qr.Repo, viewer), "value": qr.Value, "labels": []any{},
			"likeCount": likes, "replyCount": replies, "repostCount": reposts, "quoteCount": quotes,
			"indexedAt": formatTime(qr.IndexedAt), "embeds": []any{},
		}}
	}
	return nil
}

func (s *Server) getProfile(r *request) (any, *xerr) {
	did := s.resolve(r.param("actor"))
	a := s.accounts[did]
	if a == nil {
		return nil, invalid("Profile not found")
	}
	p := s.profileView(did, r.viewer)
	p["associated"] = map[string]any{"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": false,
		"activitySubscription": map[string]any{"allowSubscriptions": "followers"}}
	p["followersCount"] = len(a.followers)
	follows, posts := 0, 0
	for _, rec := range s.records {
		if rec.Repo == did && rec.Collection == "app.bsky.graph.follow" {
			follows++
		}
		if rec.Repo == did && rec.Collection == "app.bsky.feed.post" {
			posts++
		}
	}
	p["followsCount"], p["postsCount"] = follows, posts
	return p, nil
}

// page cuts items [offset, offset+limit) and returns the next cursor.
func page(n int, cursor string, limit int) (start, end int, next string, e *xerr) {
	if cursor != "" {
		var err error
		if start, err = strconv.Atoi(cursor); err != nil || start < 0 {
			return 0, 0, "", invalid("Malformed cursor")
		}
	}
	start = min(start, n)
	end = min(start+limit, n)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

func (s *Server) getFollowers(r *request) (any, *xerr) {
	did := s.resolve(r.param("actor"))
	a := s.accounts[did]
	if a == nil {
		return nil, invalid("Profile not found")
	}
	limit, e := r.limit(50, 100)
	if e != nil {
		return nil, e
	}
	newest := slices.Clone(a.followers)
	slices.Reverse(newest)
	start, end, next, e := page(len(newest), r.param("cursor"), limit)
	if e != nil {
		return nil, e
	}
	list := []any{}
	for _, f := range newest[start:end] {
		list = append(list, s.profileView(f, r.viewer))
	}
	out := map[string]any{"followers": list, "subject": s.profileView(did, r.viewer)}
	if next != "" {
		out["cursor"] = next
	}
	return out, nil
}

func (s *Server) listNotifications(r *request) (any, *xerr) {
	limit, e := r.limit(50, 100)
	if e != nil {
		return nil, e
	}
	reasons := r.q["reasons"]
	me := s.accounts[r.viewer]
	var mine []*notif // newest first
	for i := len(s.notifs) - 1; i >= 0; i-- {
		n := s.notifs[i]
		if n.recipient == r.viewer && (len(reasons) == 0 || slices.Contains(reasons, n.reason)) {
			mine = append(mine, n)
		}
	}
	if c := r.param("cursor"); c != "" {
		seq, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return nil, invalid("Malformed cursor")
		}
		i := sort.Search(len(mine), func(i int) bool { return mine[i].seq < seq })
		mine = mine[i:]
	}
	list := []any{}
	for _, n := range mine[:min(limit, len(mine))] {
		rec := s.records[n.uri]
		m := map[string]any{
			"uri": n.uri, "cid": rec.CID, "author": s.profileView(rec.Repo, r.viewer), "reason": n.reason,
			"record": rec.Value, "isRead": !n.indexedAt.After(me.seenAt), "indexedAt": formatTime(n.indexedAt), "labels": []any{},
		}
		if n.subject != "" {
			m["reasonSubject"] = n.subject
		}
		list = append(list, m)
	}
	out := map[string]any{"notifications": list, "priority": false}
	if !me.seenAt.IsZero() {
		out["seenAt"] = formatTime(me.seenAt)
	}
	if len(mine) > limit {
		out["cursor"] = strconv.FormatInt(mine[limit-1].seq, 10)
	}
	return out, nil
}

func (s *Server) updateSeen(r *request) (any, *xerr) {
	var in struct {
		SeenAt string `json:"seenAt"`
	}
	if e := r.decode(&in); e != nil {
		return nil, e
	}
	t, err := time.Parse(time.RFC3339Nano, in.SeenAt)
	if err != nil {
		return nil, invalid("seenAt must be a valid datetime")
	}
	s.accounts[r.viewer].seenAt = t
	return nil, nil
}

func (s *Server) getPostThread(r *request) (any, *xerr) {
	uri := r.param("uri")
	rec, ok := s.records[uri]
	if !ok || rec.Collection != "app.bsky.feed.post" {
		return nil, &xerr{400, "NotFound", "Post not found: " + uri}
	}
	depth := 6
	if d := r.param("depth"); d != "" {
		depth, _ = strconv.Atoi(d)
	}
	node := s.threadNode(rec, r.viewer, depth)
	// Ancestors.
	cur, child := rec, node
	for {
		reply, ok := cur.Value["reply"].(map[string]any)
		if !ok {
			break
		}
		p, _ := reply["parent"].(map[string]any)
		puri, _ := p["uri"].(string)
		prec, ok := s.records[puri]
		if !ok {
			child["parent"] = map[string]any{"$type": "app.bsky.feed.defs#notFoundPost", "uri": puri, "notFound": true}
			break
		}
		pn := map[string]any{"$type": "app.bsky.feed.defs#threadViewPost", "post": s.postView(prec, r.viewer), "threadContext": map[string]any{}}
		child["parent"] = pn
		cur, child = prec, pn
	}
	return map[string]any{"thread": node}, nil
}

func (s *Server) threadNode(rec *record, viewer string, depth int) map[string]any {
	n := map[string]any{"$type": "app.bsky.feed.defs#threadViewPost", "post": s.postView(rec, viewer), "threadContext": map[string]any{}}
	replies := []any{}
	if depth > 0 {
		for _, uri := range s.order {
			c, ok := s.records[uri]
			if !ok || c.Collection != "app.bsky.feed.post" {
				continue
			}
			if reply, ok := c.Value["reply"].(map[string]any); ok {
				if p, _ := reply["parent"].(map[string]any); p["uri"] == rec.URI {
					replies = append(replies, s.threadNode(c, viewer, depth-1))
				}
			}
		}
	}
	n["replies"] = replies
	return n
}

func (s *Server) getPosts(r *request) (any, *xerr) {
	uris := r.q["uris"]
	if len(uris) == 0 {
		return nil, invalid("Error: Params must have the property \"uris\"")
	}
	if len(uris) > 25 {
		return nil, invalid("Error: uris must not have more than 25 elements")
	}
	list := []any{}
	for _, u := range uris {
		if rec, ok := s.records[u]; ok && rec.Collection == "app.bsky.feed.post" {
			list = append(list, s.postView(rec, r.viewer))
		}
	}
	return map[string]any{"posts": list}, nil
}

// postsNewestFirst returns the existing posts, newest first.
func (s *Server) postsNewestFirst() []*record {
	var out []*record
	for i := len(s.order) - 1; i >= 0; i-- {
		if rec, ok := s.records[s.order[i]]; ok && rec.Collection == "app.bsky.feed.post" {
			out = append(out, rec)
		}
	}
	return out
}

func (s *Server) searchPosts(r *request) (any, *xerr) {
	q := strings.ToLower(strings.TrimSpace(r.param("q")))
	if q == "" {
		return nil, invalid("Error: Params must have the property \"q\"")
	}
	limit, e := r.limit(25, 100)
	if e != nil {
		return nil, e
	}
	var since time.Time
	if v := r.param("since"); v != "" {
		since, _ = time.Parse(time.RFC3339Nano, v)
	}
	var hits []*record
	for _, rec := range s.postsNewestFirst() {
		text, _ := rec.Value["text"].(string)
		if !strings.Contains(strings.ToLower(text), q) {
			continue
		}
		if !since.IsZero() && rec.IndexedAt.Before(since) {
			continue
		}
		hits = append(hits, rec)
	}
	start, end, next, e := page(len(hits), r.param("cursor"), limit)
	if e != nil {
		return nil, e
	}
	list := []any{}
	for _, rec := range hits[start:end] {
		list = append(list, s.postView(rec, r.viewer))
	}
	out := map[string]any{"posts": list}
	if next != "" {
		out["cursor"] = next
	}
	return out, nil
}

func (s *Server) getAuthorFeed(r *request) (any, *xerr) {
	did := s.resolve(r.param("actor"))
	if s.accounts[did] == nil {
		return nil, invalid("Profile not found")
	}
	limit, e := r.limit(50, 100)
	if e != nil {
		return nil, e
	}
	filter := r.param("filter")
	if filter == "" {
		filter = "posts_with_replies"
	}
	var items []map[string]any
	for i := len(s.order) - 1; i >= 0; i-- {
		rec, ok := s.records[s.order[i]]
		if !ok || rec.Repo != did {
			continue
		}
		switch rec.Collection {
		case "app.bsky.feed.post":
			if _, isReply := rec.Value["reply"]; isReply && filter == "posts_no_replies" {
				continue
			}
			items = append(items, map[string]any{"post": s.postView(rec, r.viewer)})
		case "app.bsky.feed.repost":
			subj, _ := rec.Value["subject"].(map[string]any)
			uri, _ := subj["uri"].(string)
			if p, ok := s.records[uri]; ok {
				items = append(items, map[string]any{"post": s.postView(p, r.viewer), "reason": map[string]any{
					"$type": "app.bsky.feed.defs#reasonRepost", "by": s.profileBasic(did, r.viewer),
					"indexedAt": formatTime(rec.IndexedAt),
				}})
			}
		}
	}
	start, end, next, e := page(len(items), r.param("cursor"), limit)
	if e != nil {
		return nil, e
	}
	feed := []any{}
	for _, it := range items[start:end] {
		feed = append(feed, it)
	}
	out := map[string]any{"feed": feed}
	if next != "" {
		out["cursor"] = next
	}
	return out, nil
}

// Chat.

func (s *Server) getConvoForMembers(r *request) (any, *xerr) {
	members := r.q["members"]
	if len(members) == 0 {
		return nil, invalid("Error: Params must have the property \"members\"")
	}
	var other string
	for _, m := range members {
		if m != r.viewer {
			other = m
		}
	}
	to := s.accounts[other]
	if to == nil {
		return nil, &xerr{400, "RecipientNotFound", "recipient not found"}
	}
	switch to.AllowIncoming {
	case "none":
		return nil, &xerr{400, "MessagesDisabled", "recipient has disabled incoming messages"}
	case "following":
		if s.followRecord(other, r.viewer) == "" {
			return nil, &xerr{400, "NotFollowedBySender", "recipient requires incoming messages to come from someone they follow"}
		}
	}
	return map[string]any{"convo": s.convoView(s.convoFor(r.viewer, other), r.viewer)}, nil
}

// convoFor returns the conversation of two accounts, creating it. Called
// with s.mu held.
func (s *Server) convoFor(a, b string) *convo {
	key := convoKey(a, b)
	c := s.convos[key]
	if c == nil {
		c = &convo{id: s.b32("convo", 13), members: []string{a, b}}
		s.convos[key] = c
	}
	return c
}

func (s *Server) convoView(c *convo, viewer string) map[string]any {
	members := []any{}
	for _, m := range c.members {
		members = append(members, s.profileBasic(m, viewer))
	}
	v := map[string]any{"id": c.id, "rev": s.tid(), "members": members, "muted": false, "status": "accepted", "unreadCount": 0}
	if n := len(c.messages); n > 0 {
		v["lastMessage"] = c.messages[n-1]
	}
	return v
}

func (s *Server) findConvo(id, viewer string) *convo {
	for _, c := range s.convos {
		if c.id == id && slices.Contains(c.members, viewer) {
			return c
		}
	}
	return nil
}

func (s *Server) sendMessage(r *request) (any, *xerr) {
	var in struct {
		ConvoID string `json:"convoId"`
		Message struct {
			Text   string `json:"text"`
			Facets []any  `json:"facets"`
		} `json:"message"`
	}
	if e := r.decode(&in); e != nil {
		return nil, e
	}
	c := s.findConvo(in.ConvoID, r.viewer)
	if c == nil {
		return nil, &xerr{400, "InvalidConvo", "Convo not found"}
	}
	if in.Message.Text == "" || uniseg.GraphemeClusterCount(in.Message.Text) > 1000 {
		return nil, invalid("Invalid message text")
	}
	m := s.message(c, r.viewer, in.Message.Text)
	if len(in.Message.Facets) > 0 {
		m["facets"] = in.Message.Facets
	}
	return m, nil
}

func (s *Server) getMessages(r *request) (any, *xerr) {
	c := s.findConvo(r.param("convoId"), r.viewer)
	if c == nil {
		return nil, &xerr{400, "InvalidConvo", "Convo not found"}
	}
	limit, e := r.limit(50, 100)
	if e != nil {
		return nil, e
	}
	newest := slices.Clone(c.messages)
	slices.Reverse(newest)
	start, end, next, e := page(len(newest), r.param("cursor"), limit)
	if e != nil {
		return nil, e
	}
	list := []any{}
	for _, m := range newest[start:end] {
		list = append(list, m)
	}
	out := map[string]any{"messages": list}
	if next != "" {
		out["cursor"] = next
	}
	return out, nil
}

func (s *Server) listConvos(r *request) (any, *xerr) {
	limit, e := r.limit(50, 100)
	if e != nil {
		return nil, e
	}
	var mine []*convo
	for _, c := range s.convos {
		if slices.Contains(c.members, r.viewer) && len(c.messages) > 0 {
			mine = append(mine, c)
		}
	}
	// Most recent activity first.
	sort.Slice(mine, func(i, j int) bool {
		a, b := mine[i].messages[len(mine[i].messages)-1], mine[j].messages[len(mine[j].messages)-1]
		if a["sentAt"] != b["sentAt"] {
			return a["sentAt"].(string) > b["sentAt"].(string)
		}
		return a["id"].(string) > b["id"].(string)
	})
	start, end, next, e := page(len(mine), r.param("cursor"), limit)
	if e != nil {
		return nil, e
	}
	list := []any{}
	for _, c := range mine[start:end] {
		list = append(list, s.convoView(c, r.viewer))
	}
	out := map[string]any{"convos": list}
	if next != "" {
		out["cursor"] = next
	}
	return out, nil
}

// message adds a message from one member of c. Called with s.mu held.
func (s *Server) message(c *convo, from, text string) map[string]any {
	m := map[string]any{
		"$type": "chat.bsky.convo.defs#messageView", "id": s.tid(), "rev": s.tid(), "text": text,
		"sender": map[string]any{"did": from}, "sentAt": s.stamp(),
	}
	c.messages = append(c.messages, m)
	return m
}

// validTID reports whether s has TID syntax.
func validTID(s string) bool {
	if len(s) != 13 || s[0] > 'j' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '2' && c <= '7') && !(c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
