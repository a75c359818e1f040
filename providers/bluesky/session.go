package bluesky

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rapportkit/rapport/internal/transport"
	"github.com/rapportkit/rapport/providers"
)

// fallbackAccessLifetime is assumed when an access JWT carries no readable
// expiry (the reference PDS issues two-hour access tokens).
const fallbackAccessLifetime = 2 * time.Hour

// refreshMargin is how long before its expiry an access JWT is refreshed
// (a quarter of its lifetime when that is shorter).
const refreshMargin = 5 * time.Minute

// appPassScope is the scope of sessions created with an app password that
// was not granted direct-message access.
const appPassScope = "com.atproto.appPass"

// session is an authenticated session with the PDS.
type session struct {
	DID     string
	Handle  string
	Access  string
	Refresh string
	// AccessExp and AccessIat come from the access JWT (unverified).
	AccessExp time.Time
	AccessIat time.Time
	// RefreshExp comes from the refresh JWT; zero when unreadable.
	RefreshExp time.Time
	Scope      string
}

// sessionResponse is the output of createSession and refreshSession.
type sessionResponse struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
	Email      string `json:"email,omitempty"`
	Active     *bool  `json:"active,omitempty"`
	Status     string `json:"status,omitempty"`
}

// sessionManager holds the live session and creates, loads, refreshes and
// persists it. Concurrent callers share one refresh.
type sessionManager struct {
	cfg  *config
	pds  string
	http *transport.Client

	lock chan struct{} // held (one token) while the session is being replaced

	mu     sync.RWMutex
	s      session
	loaded bool // the token store was consulted
}

// live returns the session as it is now, without any network call.
func (m *sessionManager) live() session {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.s
}

func (m *sessionManager) set(s session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.s = s
}

// fresh reports whether s's access JWT is good for a while yet.
func (m *sessionManager) fresh(s session) bool {
	if s.Access == "" {
		return false
	}
	margin := refreshMargin
	if !s.AccessIat.IsZero() {
		if life := s.AccessExp.Sub(s.AccessIat); life > 0 && life/4 < margin {
			margin = life / 4
		}
	}
	return m.cfg.now().Add(margin).Before(s.AccessExp)
}

// acquire takes the replacement lock, honouring ctx.
func (m *sessionManager) acquire(ctx context.Context) error {
	select {
	case m.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *sessionManager) release() { <-m.lock }

// current returns a session whose access JWT is not about to expire,
// loading the saved session, refreshing it or creating a new one as needed.
func (m *sessionManager) current(ctx context.Context) (session, error) {
	if s := m.live(); m.fresh(s) {
		return s, nil
	}
	if err := m.acquire(ctx); err != nil {
		return session{}, err
	}
	defer m.release()
	s := m.live()
	if m.fresh(s) {
		return s, nil // another caller replaced it while we waited
	}
	if !m.loaded {
		m.loaded = true
		if saved, ok := m.load(ctx); ok {
			m.set(saved)
			s = saved
			if m.fresh(s) {
				m.cfg.logger.DebugContext(ctx, "bluesky: reusing saved session", "did", s.DID)
				return s, nil
			}
		}
	}
	return m.replace(ctx, s)
}

// renew replaces the session after the PDS rejected the access JWT
// failed; if another caller already replaced it, that session is returned.
func (m *sessionManager) renew(ctx context.Context, failed string) (session, error) {
	if err := m.acquire(ctx); err != nil {
		return session{}, err
	}
	defer m.release()
	s := m.live()
	if s.Access != "" && s.Access != failed {
		return s, nil
	}
	return m.replace(ctx, s)
}

// replace refreshes s, or creates a new session when it cannot be
// refreshed. Before giving up or creating a session it adopts a session
// that another process sharing the token store saved meanwhile (a refresh
// there rotates the refresh JWT and revokes the one s holds). The caller
// holds the lock.
func (m *sessionManager) replace(ctx context.Context, s session) (session, error) {
	var rejectedErr error
	if m.refreshable(s) {
		ns, err := m.refresh(ctx, s)
		if err == nil {
			return ns, nil
		}
		if !rejected(err) {
			// A network blip or an outage: keep the session, try later.
			return session{}, err
		}
		m.cfg.logger.InfoContext(ctx, "bluesky: refresh token rejected", "did", s.DID, "err", err)
		rejectedErr = err
	}
	if ns, ok, err := m.reload(ctx, s); ok || err != nil {
		return ns, err
	}
	if m.cfg.password == "" {
		if rejectedErr != nil {
			return session{}, opError("session", providers.ErrUnauthorized, "saved session can no longer be refreshed and no app password is configured: %v", rejectedErr)
		}
		return session{}, opError("session", providers.ErrUnauthorized, "no saved session under %q and no app password configured", m.cfg.storeKey)
	}
	return m.create(ctx)
}

// refreshable reports whether s holds a refresh JWT that has not expired.
func (m *sessionManager) refreshable(s session) bool {
	return s.Refresh != "" && (s.RefreshExp.IsZero() || m.cfg.now().Before(s.RefreshExp))
}

// rejected reports whether err is the PDS refusing a token (as opposed to
// a transient failure).
func rejected(err error) bool {
	return errors.Is(err, providers.ErrUnauthorized) || errors.Is(err, providers.ErrInvalidInput)
}

// reload reads the token store again and, when it holds a session other
// than failed (a different refresh JWT), makes that the live session:
// as it is while its access JWT is fresh, refreshed otherwise. ok is false
// when there is no such session or it cannot be used either; err reports
// a transient failure refreshing it. The caller holds the lock.
func (m *sessionManager) reload(ctx context.Context, failed session) (s session, ok bool, err error) {
	saved, found := m.load(ctx)
	if !found || saved.Refresh == failed.Refresh {
		return session{}, false, nil
	}
	if m.fresh(saved) {
		m.set(saved)
		m.cfg.logger.InfoContext(ctx, "bluesky: adopted session saved by another process", "did", saved.DID)
		return saved, true, nil
	}
	if !m.refreshable(saved) {
		return session{}, false, nil
	}
	ns, err := m.refresh(ctx, saved)
	if err == nil {
		m.cfg.logger.InfoContext(ctx, "bluesky: refreshed session saved by another process", "did", ns.DID)
		return ns, true, nil
	}
	if !rejected(err) {
		return session{}, false, err
	}
	m.cfg.logger.InfoContext(ctx, "bluesky: saved session's refresh token rejected too", "did", saved.DID, "err", err)
	return session{}, false, nil
}

func (m *sessionManager) create(ctx context.Context) (session, error) {
	var out sessionResponse
	err := m.do(withoutSession(ctx), "createSession", "com.atproto.server.createSession",
		map[string]string{"identifier": m.cfg.identifier, "password": m.cfg.password}, &out)
	if err != nil {
		return session{}, err
	}
	s, err := m.adopt(ctx, out)
	if err == nil {
		m.cfg.logger.InfoContext(ctx, "bluesky: session created", "did", s.DID)
	}
	return s, err
}

func (m *sessionManager) refresh(ctx context.Context, old session) (session, error) {
	var out sessionResponse
	if err := m.do(withBearer(ctx, old.Refresh), "refreshSession", "com.atproto.server.refreshSession", nil, &out); err != nil {
		return session{}, err
	}
	s, err := m.adopt(ctx, out)
	if err == nil {
		m.cfg.logger.DebugContext(ctx, "bluesky: session refreshed", "did", s.DID)
	}
	return s, err
}

// do posts a session procedure. Both are marked safe to repeat: a
// repeated createSession only makes a session nobody uses (it spends the
// account's budget, so the transport's retry limit matters), and the
// reference PDS accepts a rotated refresh JWT again for a grace period.
func (m *sessionManager) do(ctx context.Context, op, nsid string, in any, out any) error {
	r := &transport.Request{Operation: op, Method: http.MethodPost, Path: "xrpc/" + nsid, JSON: in, RetrySafe: true}
	resp, err := m.http.Do(ctx, r)
	if err != nil {
		return mapError(op, err)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return &providers.APIError{Platform: providers.Bluesky, Operation: op, Status: resp.StatusCode,
			Message: "malformed session: " + err.Error(), Err: providers.ErrUnavailable}
	}
	return nil
}

// adopt makes out the live session and saves it.
func (m *sessionManager) adopt(ctx context.Context, out sessionResponse) (session, error) {
	if out.AccessJwt == "" || out.RefreshJwt == "" || out.DID == "" {
		return session{}, opError("session", providers.ErrUnavailable, "PDS answered without accessJwt, refreshJwt or did")
	}
	s := newSession(out.DID, out.Handle, out.AccessJwt, out.RefreshJwt, m.cfg.now())
	m.set(s)
	m.save(ctx, s)
	return s, nil
}

// newSession builds a session, reading the JWTs' claims.
func newSession(did, handle, access, refresh string, now time.Time) session {
	s := session{DID: did, Handle: handle, Access: access, Refresh: refresh}
	ac := readClaims(access)
	s.AccessExp, s.AccessIat, s.Scope = ac.exp(), ac.iat(), ac.Scope
	if s.AccessExp.IsZero() {
		s.AccessExp = now.Add(fallbackAccessLifetime)
	}
	s.RefreshExp = readClaims(refresh).exp()
	return s
}

func (m *sessionManager) save(ctx context.Context, s session) {
	if m.cfg.store == nil {
		return
	}
	t := providers.Token{
		AccessToken:  s.Access,
		RefreshToken: s.Refresh,
		TokenType:    "Bearer",
		Expiry:       s.AccessExp,
		Extra:        map[string]string{"did": s.DID, "handle": s.Handle, "pds": m.pds},
	}
	if err := m.cfg.store.SaveToken(ctx, m.cfg.storeKey, t); err != nil {
		m.cfg.logger.WarnContext(ctx, "bluesky: saving session failed", "key", m.cfg.storeKey, "err", err)
	}
}

// load reads the saved session, if there is one for this PDS and account.
func (m *sessionManager) load(ctx context.Context) (session, bool) {
	if m.cfg.store == nil {
		return session{}, false
	}
	t, err := m.cfg.store.LoadToken(ctx, m.cfg.storeKey)
	if err != nil {
		if !errors.Is(err, providers.ErrNotFound) {
			m.cfg.logger.WarnContext(ctx, "bluesky: loading saved session failed", "key", m.cfg.storeKey, "err", err)
		}
		return session{}, false
	}
	did, handle := t.Extra["did"], t.Extra["handle"]
	if t.AccessToken == "" || t.RefreshToken == "" || did == "" {
		return session{}, false
	}
	if pds := t.Extra["pds"]; pds != "" && pds != m.pds {
		m.cfg.logger.InfoContext(ctx, "bluesky: saved session belongs to another PDS", "key", m.cfg.storeKey)
		return session{}, false
	}
	if id := m.cfg.identifier; id != "" && !strings.EqualFold(id, did) && !strings.EqualFold(id, handle) {
		m.cfg.logger.InfoContext(ctx, "bluesky: saved session belongs to another account", "key", m.cfg.storeKey)
		return session{}, false
	}
	s := newSession(did, handle, t.AccessToken, t.RefreshToken, m.cfg.now())
	if !t.Expiry.IsZero() && readClaims(t.AccessToken).Exp == 0 {
		s.AccessExp = t.Expiry
	}
	return s, true
}

// claims are the JWT claims the client reads. The signature is not
// verified: the PDS does that; the client only needs to know when to
// refresh.
type claims struct {
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
	Scope string `json:"scope"`
	Sub   string `json:"sub"`
}

func (c claims) exp() time.Time {
	if c.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(c.Exp, 0)
}

func (c claims) iat() time.Time {
	if c.Iat <= 0 {
		return time.Time{}
	}
	return time.Unix(c.Iat, 0)
}

// readClaims decodes a JWT's payload; an unreadable token gives zero claims.
func readClaims(jwt string) claims {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return claims{}
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims{}
	}
	var c claims
	if json.Unmarshal(raw, &c) != nil {
		return claims{}
	}
	return c
}

// Authentication of each attempt is decided by the round tripper under the
// transport's retry and rate-limit layers, so that every attempt carries
// the session that is live when it is sent.

type authKey struct{}

type authOverride struct {
	none   bool
	bearer string
}

// withoutSession marks ctx's requests as sent without Authorization.
func withoutSession(ctx context.Context) context.Context {
	return context.WithValue(ctx, authKey{}, authOverride{none: true})
}

// withBearer marks ctx's requests as sent with the given bearer token.
func withBearer(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, authKey{}, authOverride{bearer: token})
}

// authTransport sets Authorization on each attempt.
type authTransport struct {
	base http.RoundTripper
	sess *sessionManager
}

// RoundTrip implements http.RoundTripper.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	token := ""
	if o, ok := req.Context().Value(authKey{}).(authOverride); ok {
		if !o.none {
			token = o.bearer
		}
	} else {
		token = t.sess.live().Access
	}
	r := req.Clone(req.Context())
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	} else {
		r.Header.Del("Authorization")
	}
	return t.base.RoundTrip(r)
}
