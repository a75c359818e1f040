package transport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

func TestDecodeErrorBody(t *testing.T) {
	tests := []struct {
		name, body, code, message string
	}{
		{"oauth", `{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}`, "invalid_grant", "The provided authorization grant is invalid"},
		{"mastodon sentence", `{"error":"Record not found"}`, "", "Record not found"},
		{"gotosocial 429", `{"error":"rate limit reached"}`, "", "rate limit reached"},
		{"mastodon bare code", `{"error":"invalid_token"}`, "invalid_token", ""},
		{"bluesky", `{"error":"InvalidRequest","message":"Invalid app.bsky.feed.post record"}`, "InvalidRequest", "Invalid app.bsky.feed.post record"},
		{"meta nested", `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}`, "190", "Error validating access token"},
		{"message only", `{"message":"Something broke"}`, "", "Something broke"},
		{"linkedin", `{"message":"Not enough permissions","serviceErrorCode":100,"status":403}`, "100", "Not enough permissions"},
		{"x problem", `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, "Unauthorized", "Unauthorized"},
		{"x errors list", `{"errors":[{"message":"Rate limit exceeded","code":88}]}`, "88", "Rate limit exceeded"},
		{"plain text", "Service Unavailable\nmore", "", "Service Unavailable"},
		{"html", "<html><body>502</body></html>", "", ""},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := DecodeErrorBody(400, http.Header{}, []byte(tt.body))
			if code != tt.code || msg != tt.message {
				t.Errorf("DecodeErrorBody(%s) = (%q, %q), want (%q, %q)", tt.body, code, msg, tt.code, tt.message)
			}
		})
	}
}

func TestDecodeErrorFixtures(t *testing.T) {
	for _, tt := range []struct{ file, code, message string }{
		{"error_404.http", "", "Not Found: target status not found"},
		{"error_429.http", "", "rate limit reached"},
		{"error_invalid_record.http", "InvalidRequest", `Invalid app.bsky.feed.post record: Missing required key "createdAt" at $.record`},
	} {
		resp := readFixture(t, tt.file)
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		code, msg := DecodeErrorBody(resp.StatusCode, resp.Header, body)
		if code != tt.code || msg != tt.message {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", tt.file, code, msg, tt.code, tt.message)
		}
	}
}

func TestRequestID(t *testing.T) {
	for _, tt := range []struct {
		key, value string
	}{
		{"X-Request-Id", "abc"},
		{"x-request-id", "def"},
		{"X-Fb-Trace-Id", "FbTrace1"},
		{"x-li-uuid", "li-1"},
		{"x-transaction-id", "tx9"},
	} {
		h := http.Header{}
		h.Set(tt.key, tt.value)
		if got := RequestID(h); got != tt.value {
			t.Errorf("RequestID(%s) = %q, want %q", tt.key, got, tt.value)
		}
	}
	if got := RequestID(http.Header{}); got != "" {
		t.Errorf("RequestID(empty) = %q", got)
	}
}

func TestClassifyTokenError(t *testing.T) {
	refused := func(status int, code string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: code}
	}
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	tests := []struct {
		name      string
		err       error
		want      error
		retryable bool
	}{
		{"invalid_grant 400", refused(400, "invalid_grant"), providers.ErrUnauthorized, false},
		{"invalid_client 401", refused(401, "invalid_client"), providers.ErrUnauthorized, false},
		{"token endpoint 503", refused(503, ""), providers.ErrUnavailable, true},
		{"token endpoint 429", refused(429, ""), providers.ErrUnavailable, true},
		{"network", fmt.Errorf("Post \"https://a.example/token\": %w", netErr), providers.ErrUnavailable, true},
		{"unreadable", errors.New("oauth2: cannot fetch token: unexpected EOF"), providers.ErrUnavailable, true},
		{"no refresh token", errors.New("oauth2: token expired and refresh token is not set"), providers.ErrUnauthorized, false},
		{"session revoked", fmt.Errorf("session: %w", providers.ErrUnauthorized), providers.ErrUnauthorized, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			te := classifyTokenError(tt.err)
			if te.sentinel != tt.want || te.retryable() != tt.retryable {
				t.Errorf("got (%v, retryable %v), want (%v, %v)", te.sentinel, te.retryable(), tt.want, tt.retryable)
			}
			if !errors.Is(te, tt.err) {
				t.Errorf("cause lost")
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for _, in := range []string{
		"https://a.example/x?access_token=SECRET1&max_id=3",
		`Get "https://a.example/x?password=SECRET1": dial tcp`,
		"grant_type=refresh_token&refresh_token=SECRET1&client_secret=SECRET1",
		"Authorization: Bearer SECRET1",
		"authorization: token SECRET1",
		`{"Authorization":"SECRET1"}`,
		"code=SECRET1&state=x",
	} {
		if got := redact(in); strings.Contains(got, "SECRET1") {
			t.Errorf("redact(%q) = %q", in, got)
		}
	}
	u, _ := url.Parse("https://alice:SECRET1@a.example/p?access_token=SECRET1&max_id=3")
	if got := redactURL(u); strings.Contains(got, "SECRET1") || !strings.Contains(got, "max_id=3") {
		t.Errorf("redactURL = %q", got)
	}
	if got := redact("max_id=3&limit=40"); got != "max_id=3&limit=40" {
		t.Errorf("redact changed harmless params: %q", got)
	}
}
