package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSecretsNeverLogged(t *testing.T) {
	secrets := []string{"tok-SECRET-1", "qtok-SECRET-2", "pw-SECRET-3", "body-SECRET-4", "refresh-SECRET", "client-SECRET", "code-SECRET-5"}
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))

	var n atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch n.Add(1) {
		case 1:
			w.WriteHeader(503)
			fmt.Fprint(w, `{"error":"try again, token tok-SECRET-1"}`)
		case 2:
			dropConnection(t, w)
		case 3:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		default:
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_token","error_description":"access_token=qtok-SECRET-2 is not valid"}`)
		}
	}))
	defer api.Close()
	c := testClient(t, api, newFakeClock(), Config{
		Logger:      logger,
		TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok-SECRET-1"}),
		MaxRetries:  5,
	})
	q := url.Values{"access_token": {"qtok-SECRET-2"}, "password": {"pw-SECRET-3"}, "max_id": {"77"}}
	_, err1 := c.Do(context.Background(), &Request{Operation: "login", Method: "GET", Path: "/api/v1/things?code=code-SECRET-5", Query: q})
	_, err2 := c.Do(context.Background(), &Request{Operation: "publish", Method: "POST", Path: "/api/v1/statuses", JSON: map[string]string{"password": "body-SECRET-4"}})

	// A refresh that fails on the network, then one the server rejects.
	tokSrv, _ := tokenServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":"refresh_token=%s rejected"}`, r.Form.Get("refresh_token"))
	})
	c2 := testClient(t, api, newFakeClock(), Config{Logger: logger, TokenSource: expiredTokenSource("http://" + closedAddr(t) + "/token?client_secret=client-SECRET"), MaxRetries: 1})
	_, err3 := c2.Do(context.Background(), &Request{Path: "/x", Query: q})
	c3 := testClient(t, api, newFakeClock(), Config{Logger: logger, TokenSource: expiredTokenSource(tokSrv.URL)})
	_, err4 := c3.Do(context.Background(), &Request{Path: "/x"})

	out := buf.String()
	for _, err := range []error{err1, err2, err3, err4} {
		if err == nil {
			t.Fatal("expected every call to fail")
		}
		out += "\n" + err.Error()
	}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("secret %q appears in the logs or errors:\n%s", s, out)
		}
	}
	// The log is not empty: it says what happened.
	for _, want := range []string{`"msg":"http retry"`, `"method":"GET"`, `"path":"/api/v1/things"`, `"status":503`, `"attempt":3`, `"wait":`, `"operation":"publish"`, `"status":401`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}
