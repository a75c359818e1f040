package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rapportkit/rapport/providers"
)

// lossyServer answers GET /warm, and on /create reads the request, counts
// it and drops the connection for the first lose requests, answering the
// rest. It records the connection each request came on.
type lossyServer struct {
	*httptest.Server
	mu      sync.Mutex
	lose    int
	creates []string // RemoteAddr per /create request
	keys    []string // the key header per /create request
	warm    string   // RemoteAddr of the last /warm
}

func newLossyServer(t *testing.T, lose int, keyHeader string) *lossyServer {
	s := &lossyServer{lose: lose}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		if r.URL.Path == "/warm" {
			s.warm = r.RemoteAddr
			s.mu.Unlock()
			fmt.Fprint(w, `{}`)
			return
		}
		s.creates = append(s.creates, r.RemoteAddr)
		s.keys = append(s.keys, r.Header.Get(keyHeader))
		drop := len(s.creates) <= s.lose
		s.mu.Unlock()
		if drop {
			dropConnection(t, w) // the server acted, the answer is lost
			return
		}
		fmt.Fprint(w, `{"id":"1"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *lossyServer) seen() (creates, keys []string, warm string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.creates...), append([]string(nil), s.keys...), s.warm
}

// A create carrying an idempotency header that the client does not count
// as retry-safe (the Mastodon adapter sets the header itself, because
// GoToSocial ignores it) is lost on a reused keep-alive connection: the
// server must see it once, and the caller must learn the outcome is
// unknown. net/http would otherwise send it again on a new connection.
func TestKeyedCreateNotReplayedByNetHTTP(t *testing.T) {
	for _, header := range []string{"Idempotency-Key", "X-Idempotency-Key"} {
		for _, method := range []string{http.MethodPost, http.MethodPatch} {
			for _, body := range []string{"status=hi", ""} {
				t.Run(fmt.Sprintf("%s/%s/body=%q", header, method, body), func(t *testing.T) {
					srv := newLossyServer(t, 2, header)
					c := testClient(t, srv.Server, newFakeClock(), Config{Base: &http.Transport{}})
					ctx := context.Background()
					if _, err := c.Do(ctx, &Request{Path: "/warm"}); err != nil {
						t.Fatal(err)
					}
					r := &Request{Operation: "publish", Method: method, Path: "/create", Header: http.Header{header: {"k-1"}}}
					if body != "" {
						r.Body, r.ContentType = []byte(body), "application/x-www-form-urlencoded"
					}
					_, err := c.Do(ctx, r)
					creates, keys, warm := srv.seen()
					if len(creates) == 0 || creates[0] != warm {
						t.Fatalf("the create did not reuse the warm connection (%v, warm %s): the test proves nothing", creates, warm)
					}
					if len(creates) != 1 {
						t.Fatalf("server received the create %d times, want once", len(creates))
					}
					if keys[0] != "k-1" {
						t.Errorf("server read %s %q, want k-1", header, keys[0])
					}
					if !errors.Is(err, providers.ErrUnknownOutcome) {
						t.Fatalf("err = %v, want ErrUnknownOutcome", err)
					}
				})
			}
		}
	}
}

// A create the client counts as retry-safe (its key is sent in
// Config.IdempotencyHeader) is repeated by the retry policy, as a logged
// second attempt with the same key, not silently by net/http.
func TestKeyedCreateRepeatedByPolicyNotNetHTTP(t *testing.T) {
	srv := newLossyServer(t, 1, "Idempotency-Key")
	logs := &recordHandler{}
	c := testClient(t, srv.Server, newFakeClock(), Config{
		Base:              &http.Transport{},
		IdempotencyHeader: "Idempotency-Key",
		Logger:            slog.New(logs),
	})
	ctx := context.Background()
	if _, err := c.Do(ctx, &Request{Path: "/warm"}); err != nil {
		t.Fatal(err)
	}
	var out struct{ ID string }
	if _, err := c.JSON(ctx, &Request{Operation: "publish", Method: http.MethodPost, Path: "/create", JSON: map[string]string{"status": "hi"}, IdempotencyKey: "k-2"}, &out); err != nil || out.ID != "1" {
		t.Fatalf("err %v, out %+v", err, out)
	}
	creates, keys, warm := srv.seen()
	if len(creates) != 2 || creates[0] != warm {
		t.Fatalf("creates %v (warm %s): want 2, the first on the warm connection", creates, warm)
	}
	if keys[0] != "k-2" || keys[1] != "k-2" {
		t.Errorf("keys %v, want k-2 twice", keys)
	}
	retries := logs.messages("http retry")
	if len(retries) != 1 {
		t.Fatalf("%d retry records, want 1: the repeat must be the policy's second attempt", len(retries))
	}
	if got := retries[0]["attempt"]; got != int64(2) {
		t.Errorf("retry logged as attempt %v, want 2", got)
	}
}

func TestWithoutReplay(t *testing.T) {
	get, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	get.Header.Set("Idempotency-Key", "k")
	if withoutReplay(get) != get {
		t.Error("GET changed")
	}
	plain, _ := http.NewRequest(http.MethodPost, "http://x/", nil)
	if withoutReplay(plain) != plain {
		t.Error("POST without a key header changed")
	}
	post, _ := http.NewRequest(http.MethodPost, "http://x/", nil)
	post.Header.Set("Idempotency-Key", "k")
	post.Header["X-Idempotency-Key"] = []string{} // net/http: idempotent, not sent
	post.Header.Set("Accept", "application/json")
	got := withoutReplay(post)
	if got == post {
		t.Fatal("keyed POST returned unchanged")
	}
	if _, ok := post.Header["Idempotency-Key"]; !ok || post.Header.Get("Idempotency-Key") != "k" {
		t.Error("the caller's request was modified")
	}
	for _, k := range replayKeyHeaders {
		if _, ok := got.Header[k]; ok {
			t.Errorf("%s still a canonical entry", k)
		}
	}
	if vs := got.Header["idempotency-key"]; len(vs) != 1 || vs[0] != "k" {
		t.Errorf("idempotency-key = %v, want [k]", vs)
	}
	if _, ok := got.Header["x-idempotency-key"]; ok {
		t.Error("an empty entry was turned into a sent header")
	}
	if got.Header.Get("Accept") != "application/json" {
		t.Error("other headers lost")
	}
}

// recordHandler is a slog handler that keeps every record's message and
// attributes.
type recordHandler struct {
	mu   sync.Mutex
	recs []recorded
}

type recorded struct {
	msg   string
	attrs map[string]any
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]any{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	h.recs = append(h.recs, recorded{r.Message, attrs})
	h.mu.Unlock()
	return nil
}
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordHandler) WithGroup(string) slog.Handler      { return h }

// messages returns the attributes of the records with message msg.
func (h *recordHandler) messages(msg string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, r := range h.recs {
		if r.msg == msg {
			out = append(out, r.attrs)
		}
	}
	return out
}
