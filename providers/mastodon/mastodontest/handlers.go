package mastodontest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type ctxKey struct{}

// middleware records requests, applies injected faults and the rate limit,
// and sets the headers every answer of the recorded server carries.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.RequestURI())
		now := s.now()
		if s.rateReset.IsZero() || !now.Before(s.rateReset) {
			s.rateReset = now.Add(s.rateWindow)
			s.rateUsed = 0
		}
		s.rateUsed++
		remaining := s.rateLimit - s.rateUsed
		reset := s.rateReset
		var f *fault
		if len(s.faults) > 0 {
			cur := s.faults[0]
			f = &cur
			s.faults[0].n--
			if s.faults[0].n <= 0 {
				s.faults = s.faults[1:]
			}
		}
		s.mu.Unlock()
		h := w.Header()
		for k, vs := range s.tmpl.headers {
			h[k] = slices.Clone(vs)
		}
		h.Set("X-Ratelimit-Limit", strconv.Itoa(s.rateLimit))
		h.Set("X-Ratelimit-Remaining", strconv.Itoa(max(remaining, 0)))
		h.Set("X-Ratelimit-Reset", isoTime(reset))
		h.Set("X-Request-Id", randomHex(8))
		switch {
		case f != nil:
			if f.status == http.StatusTooManyRequests {
				h.Set("X-Ratelimit-Remaining", "0")
				if f.retryAfter > 0 {
					h.Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
				}
				s.writeError(w, f.status, s.tmpl.errors[429])
				return
			}
			s.writeError(w, f.status, http.StatusText(f.status))
			return
		case remaining < 0:
			h.Del("Cache-Control")
			s.writeError(w, http.StatusTooManyRequests, s.tmpl.errors[429])
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) writeError(w http.ResponseWriter, status int, msg string) {
	s.writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Server) notFound(w http.ResponseWriter) {
	s.writeError(w, http.StatusNotFound, s.tmpl.errors[404])
}

// authed wraps a handler that needs an access token; it runs with the
// server's lock held.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, me *account)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		auth := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || token == "" {
			s.writeError(w, http.StatusUnauthorized, s.tmpl.errors[401])
			return
		}
		me := s.tokens[token]
		if me == nil {
			s.writeError(w, http.StatusUnauthorized, "The access token is invalid")
			return
		}
		h(w, r, me)
	}
}

// locked wraps a handler that needs no token.
func (s *Server) locked(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r)
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/apps", s.locked(s.createApp))
	mux.HandleFunc("GET /oauth/authorize", s.locked(s.authorizePage))
	mux.HandleFunc("POST /oauth/token", s.locked(s.token))
	mux.HandleFunc("GET /api/v2/instance", s.locked(func(w http.ResponseWriter, r *http.Request) {
		s.writeJSON(w, http.StatusOK, s.renderInstance())
	}))
	mux.HandleFunc("GET /api/v1/accounts/verify_credentials", s.authed(func(w http.ResponseWriter, r *http.Request, me *account) {
		s.writeJSON(w, http.StatusOK, s.renderAccount(me, true))
	}))
	mux.HandleFunc("GET /api/v1/accounts/lookup", s.authed(s.lookup))
	mux.HandleFunc("GET /api/v1/accounts/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, me *account) {
		a := s.accounts[r.PathValue("id")]
		if a == nil {
			s.writeError(w, http.StatusNotFound, "Record not found")
			return
		}
		s.writeJSON(w, http.StatusOK, s.renderAccount(a, false))
	}))
	mux.HandleFunc("GET /api/v1/accounts/{id}/followers", s.authed(s.followers))
	mux.HandleFunc("GET /api/v1/accounts/{id}/statuses", s.authed(s.accountStatuses))
	mux.HandleFunc("GET /api/v1/notifications", s.authed(s.listNotifications))
	mux.HandleFunc("GET /api/v1/conversations", s.authed(s.listConversations))
	mux.HandleFunc("POST /api/v1/statuses", s.createStatusHandler)
	mux.HandleFunc("GET /api/v1/statuses/{id}", s.authed(func(w http.ResponseWriter, r *http.Request, me *account) {
		st := s.statuses[r.PathValue("id")]
		if !s.canSee(me, st) {
			s.notFound(w)
			return
		}
		s.writeJSON(w, http.StatusOK, s.renderStatus(st, me))
	}))
	mux.HandleFunc("DELETE /api/v1/statuses/{id}", s.authed(s.deleteHandler))
	mux.HandleFunc("GET /api/v1/statuses/{id}/context", s.authed(s.contextHandler))
	mux.HandleFunc("POST /api/v1/statuses/{id}/{action}", s.authed(s.actionHandler))
	mux.HandleFunc("POST /api/v2/media", s.authed(s.uploadMedia))
	mux.HandleFunc("GET /api/v1/media/{id}", s.authed(s.getMedia))
	mux.HandleFunc("GET /api/v2/search", s.authed(s.search))
	mux.HandleFunc("GET /api/v1/timelines/tag/{tag}", s.authed(s.tagTimeline))
	mux.HandleFunc("/", s.locked(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, http.StatusNotFound, "Record not found")
	}))
	return mux
}

// params reads a request's parameters from its query, a form body or a
// JSON body, as Mastodon accepts all three.
func params(r *http.Request) (url.Values, error) {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = vs
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return v, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]any
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return v, nil
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		for k, val := range m {
			switch x := val.(type) {
			case string:
				v.Set(k, x)
			case []any:
				for _, e := range x {
					v.Add(k+"[]", fmt.Sprint(e))
				}
			case nil:
			default:
				v.Set(k, fmt.Sprint(x))
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, vs := range r.PostForm {
			v[k] = vs
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return nil, err
		}
		for k, vs := range r.MultipartForm.Value {
			v[k] = vs
		}
	}
	return v, nil
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := p.Get("client_name")
	redirects := p["redirect_uris[]"]
	if len(redirects) == 0 && p.Get("redirect_uris") != "" {
		redirects = strings.Fields(p.Get("redirect_uris"))
	}
	switch {
	case name == "":
		s.writeError(w, http.StatusUnprocessableEntity, "Validation failed: Application name can't be blank")
		return
	case len(redirects) == 0:
		s.writeError(w, http.StatusUnprocessableEntity, "Validation failed: Redirect URI can't be blank")
		return
	}
	scopes := strings.Fields(p.Get("scopes"))
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	a := &app{id: s.nextID(), name: name, website: p.Get("website"), clientID: randomHex(16), secret: randomHex(24), redirectURIs: redirects, scopes: scopes}
	s.apps[a.clientID] = a
	var website any
	if a.website != "" {
		website = a.website
	}
	s.writeJSON(w, http.StatusOK, map[string]any{
		"id": a.id, "name": a.name, "website": website, "scopes": a.scopes,
		"redirect_uri": strings.Join(a.redirectURIs, "\n"), "redirect_uris": a.redirectURIs,
		"client_id": a.clientID, "client_secret": a.secret, "client_secret_expires_at": 0,
		"vapid_key": "BCKzEbTOs3xMxmWECGhmPYvm5UZ77kb2Ld_O5h79JIQYXInBafL9hLfZtOFoWHpElAn0r2l7DRK7-o5VHetUW8o",
	})
}

const oob = "urn:ietf:wg:oauth:2.0:oob"

// authorize checks an authorization request and issues a code as the
// signed-in account. Called with s.mu held.
func (s *Server) authorize(q url.Values) (code, redirect string, err error) {
	a := s.apps[q.Get("client_id")]
	switch {
	case q.Get("response_type") != "code":
		return "", "", fmt.Errorf("unsupported response_type %q", q.Get("response_type"))
	case a == nil:
		return "", "", fmt.Errorf("unknown client_id")
	case !slices.Contains(a.redirectURIs, q.Get("redirect_uri")):
		return "", "", fmt.Errorf("redirect_uri %q is not registered", q.Get("redirect_uri"))
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		return "", "", fmt.Errorf("code_challenge_method %q is not supported", q.Get("code_challenge_method"))
	case s.signedIn == nil:
		return "", "", fmt.Errorf("no account is signed in")
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, sc := range scopes {
		if !slices.Contains(a.scopes, sc) {
			return "", "", fmt.Errorf("scope %q was not registered", sc)
		}
	}
	g := &grant{code: randomHex(20), clientID: a.clientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), account: s.signedIn, scopes: scopes}
	s.grants[g.code] = g
	return g.code, g.redirectURI, nil
}

func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	code, redirect, err := s.authorize(r.URL.Query())
	if err != nil {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = fmt.Fprintf(w, "<!DOCTYPE html><html><body><p class=\"error\">%s</p></body></html>", html.EscapeString(err.Error()))
		return
	}
	if redirect == oob {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprintf(w, "<!DOCTYPE html><html><body><p>Copy this authorization code and paste it to the application.</p>"+
			"<input type=\"text\" class=\"oauth-code\" readonly value=\"%s\"></body></html>", code)
		return
	}
	u, _ := url.Parse(redirect)
	q := u.Query()
	q.Set("code", code)
	if st := r.URL.Query().Get("state"); st != "" {
		q.Set("state", st)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	p, err := params(r)
	if err != nil {
		s.writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
		return
	}
	clientID, secret := p.Get("client_id"), p.Get("client_secret")
	if u, pw, ok := r.BasicAuth(); ok {
		clientID, secret = u, pw
	}
	a := s.apps[clientID]
	if a == nil || a.secret != secret {
		s.writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error":             "invalid_client",
			"error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
		})
		return
	}
	invalid := func() {
		s.writeJSON(w, http.StatusBadRequest, map[string]string{
			"error":             "invalid_grant",
			"error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
		})
	}
	if p.Get("grant_type") != "authorization_code" {
		s.writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "The authorization grant type is not supported by the authorization server."})
		return
	}
	g := s.grants[p.Get("code")]
	if g == nil || g.clientID != a.clientID || g.redirectURI != p.Get("redirect_uri") {
		invalid()
		return
	}
	if g.challenge != "" {
		sum := sha256.Sum256([]byte(p.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			invalid()
			return
		}
	}
	delete(s.grants, g.code)
	tok := randomHex(20)
	s.tokens[tok] = g.account
	scope := strings.Join(g.scopes, " ")
	if scope == "" {
		scope = strings.Join(a.scopes, " ")
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "scope": scope, "created_at": s.now().Unix()})
}

func (s *Server) lookup(w http.ResponseWriter, r *http.Request, me *account) {
	acct := strings.TrimPrefix(r.URL.Query().Get("acct"), "@")
	user, domain, _ := strings.Cut(acct, "@")
	a := s.resolve(user, domain)
	if a == nil {
		s.writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	s.writeJSON(w, http.StatusOK, s.renderAccount(a, false))
}

func (s *Server) followers(w http.ResponseWriter, r *http.Request, me *account) {
	a := s.accounts[r.PathValue("id")]
	if a == nil {
		s.writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	var list []*follow
	for i := len(s.follows) - 1; i >= 0; i-- {
		if s.follows[i].followee == a {
			list = append(list, s.follows[i])
		}
	}
	p := parsePage(r.URL.Query(), 40, 80)
	pg := paginate(list, func(f *follow) string { return f.id }, p)
	out := make([]any, 0, len(pg))
	for _, f := range pg {
		out = append(out, s.renderAccount(f.follower, false))
	}
	if len(pg) > 0 {
		// The ids in the links are follow ids, not account ids.
		w.Header().Set("Link", s.linkHeader("/api/v1/accounts/"+a.id+"/followers", nil, p.limit, pg[0].id, pg[len(pg)-1].id))
	}
	s.writeJSON(w, http.StatusOK, out)
}

func truthy(v string) bool { return v == "true" || v == "1" }

func (s *Server) accountStatuses(w http.ResponseWriter, r *http.Request, me *account) {
	a := s.accounts[r.PathValue("id")]
	if a == nil {
		s.writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	q := r.URL.Query()
	var list []*status
	for i := len(s.order) - 1; i >= 0; i-- {
		st := s.order[i]
		if st.account != a || !s.canSee(me, st) {
			continue
		}
		if st.reblogOf != nil && truthy(q.Get("exclude_reblogs")) {
			continue
		}
		if st.inReplyTo != nil && truthy(q.Get("exclude_replies")) {
			continue
		}
		list = append(list, st)
	}
	s.writeStatuses(w, "/api/v1/accounts/"+a.id+"/statuses", q, list, me, 20, 40, url.Values{})
}

// writeStatuses writes a page of statuses with Link headers.
func (s *Server) writeStatuses(w http.ResponseWriter, path string, q url.Values, list []*status, me *account, def, maxLimit int, extra url.Values) {
	p := parsePage(q, def, maxLimit)
	pg := paginate(list, func(st *status) string { return st.id }, p)
	out := make([]any, 0, len(pg))
	for _, st := range pg {
		out = append(out, s.renderStatus(st, me))
	}
	if len(pg) > 0 {
		w.Header().Set("Link", s.linkHeader(path, extra, p.limit, pg[0].id, pg[len(pg)-1].id))
	}
	s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, me *account) {
	q := r.URL.Query()
	types, exclude := q["types[]"], q["exclude_types[]"]
	var list []*notification
	for i := len(s.notifications) - 1; i >= 0; i-- {
		n := s.notifications[i]
		if n.to != me || (len(types) > 0 && !slices.Contains(types, n.typ)) || slices.Contains(exclude, n.typ) {
			continue
		}
		list = append(list, n)
	}
	p := parsePage(q, 40, 80)
	pg := paginate(list, func(n *notification) string { return n.id }, p)
	out := make([]any, 0, len(pg))
	for _, n := range pg {
		out = append(out, s.renderNotification(n, me))
	}
	if len(pg) > 0 {
		extra := url.Values{}
		if len(types) > 0 {
			extra["types[]"] = types
		}
		if len(exclude) > 0 {
			extra["exclude_types[]"] = exclude
		}
		w.Header().Set("Link", s.linkHeader("/api/v1/notifications", extra, p.limit, pg[0].id, pg[len(pg)-1].id))
	}
	s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request, me *account) {
	type item struct {
		c    *conversation
		last *status
	}
	var list []item
	for _, c := range s.convs {
		if !containsAccount(c.participants, me) {
			continue
		}
		if last := s.lastVisible(c, me); last != nil {
			list = append(list, item{c, last})
		}
	}
	slices.SortFunc(list, func(a, b item) int {
		switch {
		case idLess(b.last.id, a.last.id):
			return -1
		case idLess(a.last.id, b.last.id):
			return 1
		}
		return 0
	})
	p := parsePage(r.URL.Query(), 20, 40)
	// Conversations are paginated by the id of their last status.
	pg := paginate(list, func(it item) string { return it.last.id }, p)
	out := make([]any, 0, len(pg))
	for _, it := range pg {
		out = append(out, s.renderConversation(it.c, me))
	}
	if len(pg) > 0 {
		w.Header().Set("Link", s.linkHeader("/api/v1/conversations", nil, p.limit, pg[0].last.id, pg[len(pg)-1].last.id))
	}
	s.writeJSON(w, http.StatusOK, out)
}

var visibilities = []string{"public", "unlisted", "private", "direct"}

func (s *Server) createStatusHandler(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.createAttempts++
	st, me, status, msg := s.createFromRequest(r)
	lose := false
	if st != nil && s.loseCreates > 0 {
		s.loseCreates--
		lose = true
	}
	var body map[string]any
	if st != nil {
		body = s.renderStatus(st, me)
	}
	s.mu.Unlock()
	switch {
	case lose:
		// The status exists, but the client never hears about it.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		// No hijacking (HTTP/2): a gateway error leaves the outcome just as
		// unknown to the client.
		s.writeError(w, http.StatusBadGateway, "Bad Gateway")
	case st == nil:
		s.writeError(w, status, msg)
	default:
		s.writeJSON(w, http.StatusOK, body)
	}
}

// createFromRequest handles POST /api/v1/statuses with s.mu held.
func (s *Server) createFromRequest(r *http.Request) (*status, *account, int, string) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	me := s.tokens[token]
	if me == nil {
		return nil, nil, http.StatusUnauthorized, s.tmpl.errors[401]
	}
	p, err := params(r)
	if err != nil {
		return nil, me, http.StatusBadRequest, err.Error()
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" && s.honourIdem {
		if e, ok := s.idem[me.id+"\x00"+key]; ok && s.now().Sub(e.at) < time.Hour {
			if st := s.statuses[e.statusID]; st != nil {
				return st, me, 0, ""
			}
		}
	}
	text := p.Get("status")
	mediaIDs := p["media_ids[]"]
	if len(mediaIDs) == 0 {
		mediaIDs = p["media_ids"]
	}
	if strings.TrimSpace(text) == "" && len(mediaIDs) == 0 {
		return nil, me, http.StatusBadRequest, s.tmpl.errors[400]
	}
	if n := textLength(text, s.urlLength); n > s.maxChars {
		return nil, me, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.maxChars)
	}
	vis := p.Get("visibility")
	if vis == "" {
		vis = "public"
	}
	if !slices.Contains(visibilities, vis) {
		return nil, me, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Visibility %q is not valid", vis)
	}
	var reply *status
	if id := p.Get("in_reply_to_id"); id != "" {
		if reply = s.statuses[id]; !s.canSee(me, reply) {
			return nil, me, http.StatusNotFound, s.tmpl.errors[404]
		}
	}
	var atts []*media
	for _, id := range mediaIDs {
		m := s.media[id]
		if m == nil || m.owner != me {
			return nil, me, http.StatusUnprocessableEntity, "Validation failed: Media attachments are invalid"
		}
		if m.pending > 0 {
			return nil, me, http.StatusUnprocessableEntity, "Cannot attach files that have not finished processing. Try again in a moment!"
		}
		atts = append(atts, m)
	}
	st := s.createStatus(me, text, vis, p.Get("language"), p.Get("spoiler_text"), reply, nil, atts)
	if key != "" {
		st.idemKey = key
		s.idem[me.id+"\x00"+key] = idemEntry{statusID: st.id, at: s.now()}
	}
	return st, me, 0, ""
}

func (s *Server) deleteHandler(w http.ResponseWriter, r *http.Request, me *account) {
	st := s.statuses[r.PathValue("id")]
	if !s.canSee(me, st) || st.reblogOf != nil {
		s.notFound(w)
		return
	}
	if st.account != me {
		s.writeError(w, http.StatusForbidden, "This action is not allowed")
		return
	}
	body := s.renderStatus(st, me)
	s.deleteStatus(st)
	s.writeJSON(w, http.StatusOK, body)
}

func (s *Server) contextHandler(w http.ResponseWriter, r *http.Request, me *account) {
	st := s.statuses[r.PathValue("id")]
	if !s.canSee(me, st) {
		s.notFound(w)
		return
	}
	if st.reblogOf != nil {
		st = st.reblogOf
	}
	ancestors := []any{}
	var chain []*status
	for p := st.inReplyTo; p != nil; p = p.inReplyTo {
		if s.canSee(me, p) {
			chain = append(chain, p)
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		ancestors = append(ancestors, s.renderStatus(chain[i], me))
	}
	descendants := []any{}
	var walk func(parent *status)
	walk = func(parent *status) {
		for _, c := range s.order {
			if c.inReplyTo == parent && s.canSee(me, c) {
				descendants = append(descendants, s.renderStatus(c, me))
				walk(c)
			}
		}
	}
	walk(st)
	s.writeJSON(w, http.StatusOK, map[string]any{"ancestors": ancestors, "descendants": descendants})
}

func (s *Server) actionHandler(w http.ResponseWriter, r *http.Request, me *account) {
	st := s.statuses[r.PathValue("id")]
	if !s.canSee(me, st) {
		s.notFound(w)
		return
	}
	if st.reblogOf != nil {
		st = st.reblogOf
	}
	switch r.PathValue("action") {
	case "favourite":
		s.favourite(me, st)
	case "unfavourite":
		s.unfavourite(me, st)
	case "reblog":
		if st.visibility == "private" || st.visibility == "direct" {
			s.writeError(w, http.StatusForbidden, "This action is not allowed")
			return
		}
		s.writeJSON(w, http.StatusOK, s.renderStatus(s.reblog(me, st), me))
		return
	case "unreblog":
		s.unreblog(me, st)
	default:
		s.writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	s.writeJSON(w, http.StatusOK, s.renderStatus(st, me))
}

func mediaType(mimeType string) string {
	switch {
	case mimeType == "image/gif":
		return "gifv"
	case strings.HasPrefix(mimeType, "video/"):
		return "video"
	case strings.HasPrefix(mimeType, "audio/"):
		return "audio"
	}
	return "image"
}

func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request, me *account) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		s.writeError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		s.writeError(w, http.StatusUnprocessableEntity, "Validation failed: File can't be blank")
		return
	}
	ct := fh.Header.Get("Content-Type")
	if ct == "" || ct == "application/octet-stream" {
		ct = http.DetectContentType(data)
	}
	m := &media{id: s.nextID(), typ: mediaType(ct), mime: ct, description: r.FormValue("description"), owner: me, pending: s.processing, size: len(data)}
	s.media[m.id] = m
	status := http.StatusOK
	if m.pending > 0 {
		status = http.StatusAccepted
	}
	s.writeJSON(w, status, s.renderMedia(m))
}

func (s *Server) getMedia(w http.ResponseWriter, r *http.Request, me *account) {
	m := s.media[r.PathValue("id")]
	if m == nil || m.owner != me {
		s.writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	if m.pending > 0 {
		m.pending--
		body := s.renderMedia(m)
		body["url"] = nil
		s.writeJSON(w, http.StatusPartialContent, body)
		return
	}
	s.writeJSON(w, http.StatusOK, s.renderMedia(m))
}

func (s *Server) search(w http.ResponseWriter, r *http.Request, me *account) {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if query == "" {
		s.writeError(w, http.StatusBadRequest, "Bad Request: query was empty")
		return
	}
	typ := q.Get("type")
	lower := strings.ToLower(query)
	res := map[string]any{"accounts": []any{}, "statuses": []any{}, "hashtags": []any{}}
	p := parsePage(q, 20, 40)
	if typ == "" || typ == "accounts" {
		var out []any
		for _, a := range s.accounts {
			if strings.Contains(strings.ToLower(a.acct()), strings.TrimPrefix(lower, "@")) || strings.Contains(strings.ToLower(a.displayName), lower) {
				out = append(out, s.renderAccount(a, false))
				if len(out) == p.limit {
					break
				}
			}
		}
		if out != nil {
			res["accounts"] = out
		}
	}
	if typ == "" || typ == "statuses" {
		var list []*status
		for i := len(s.order) - 1; i >= 0; i-- {
			st := s.order[i]
			if st.reblogOf != nil || !s.canSee(me, st) || (st.visibility != "public" && st.account != me) {
				continue
			}
			if strings.Contains(strings.ToLower(st.text), lower) {
				list = append(list, st)
			}
		}
		pg := paginate(list, func(st *status) string { return st.id }, p)
		if off, err := strconv.Atoi(q.Get("offset")); err == nil && off > 0 {
			if off >= len(pg) {
				pg = nil
			} else {
				pg = pg[off:]
			}
		}
		out := []any{}
		for _, st := range pg {
			out = append(out, s.renderStatus(st, me))
		}
		res["statuses"] = out
	}
	if typ == "" || typ == "hashtags" {
		var out []any
		seen := map[string]bool{}
		for _, st := range s.order {
			for _, t := range st.content.tags {
				if !seen[t] && strings.Contains(t, strings.TrimPrefix(lower, "#")) {
					seen[t] = true
					out = append(out, map[string]any{"name": t, "url": s.public + "/tags/" + t, "history": []any{}})
				}
			}
		}
		if out != nil {
			res["hashtags"] = out
		}
	}
	s.writeJSON(w, http.StatusOK, res)
}

func (s *Server) tagTimeline(w http.ResponseWriter, r *http.Request, me *account) {
	tag := strings.ToLower(r.PathValue("tag"))
	var list []*status
	for i := len(s.order) - 1; i >= 0; i-- {
		st := s.order[i]
		if st.deleted || st.reblogOf != nil || st.visibility != "public" || !slices.Contains(st.content.tags, tag) {
			continue
		}
		list = append(list, st)
	}
	s.writeStatuses(w, "/api/v1/timelines/tag/"+url.PathEscape(tag), r.URL.Query(), list, me, 20, 40, url.Values{})
}
