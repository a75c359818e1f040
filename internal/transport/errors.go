package transport

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// maxMessage bounds the platform message kept in an APIError.
const maxMessage = 500

// callError is an *providers.APIError together with the lower-level cause
// (a network error, a context error, a token endpoint error). errors.As
// finds the APIError first; errors.Is also sees the cause. Its text is the
// APIError's, whose Message holds the redacted cause.
type callError struct {
	api   *providers.APIError
	cause error
}

func (e *callError) Error() string   { return e.api.Error() }
func (e *callError) Unwrap() []error { return []error{e.api, e.cause} }

// unknownOutcomeError marks, inside the retry loop, a request that is not
// safe to repeat and may have been processed by the server.
type unknownOutcomeError struct{ cause error }

func (e *unknownOutcomeError) Error() string {
	if e.cause == nil {
		return "outcome unknown"
	}
	return "outcome unknown: " + e.cause.Error()
}
func (e *unknownOutcomeError) Unwrap() error { return e.cause }

// bodyError is a failure to read a response body completely.
type bodyError struct {
	err      error
	tooLarge bool
	limit    int64
}

func (e *bodyError) Error() string {
	if e.tooLarge {
		return "response body exceeds " + strconv.FormatInt(e.limit, 10) + " bytes"
	}
	return "reading response body: " + e.err.Error()
}
func (e *bodyError) Unwrap() error { return e.err }

// tokenError is a failure to obtain an access token.
type tokenError struct {
	err error
	// sentinel is providers.ErrUnauthorized when the token endpoint rejected
	// the grant, providers.ErrUnavailable when it could not be reached or
	// failed transiently.
	sentinel error
}

func (e *tokenError) Error() string { return "obtaining access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// classifyTokenError decides whether a token refresh failed because the
// credential is no longer valid (ErrUnauthorized) or because the token
// endpoint could not be reached or failed transiently (ErrUnavailable): a
// network blip must never disconnect an account.
func classifyTokenError(err error) *tokenError {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		switch {
		case status == http.StatusBadRequest || status == http.StatusUnauthorized:
			return &tokenError{err: err, sentinel: providers.ErrUnauthorized}
		case status == 0 && re.ErrorCode != "":
			return &tokenError{err: err, sentinel: providers.ErrUnauthorized}
		default: // 429, 5xx, odd statuses: the grant was not judged
			return &tokenError{err: err, sentinel: providers.ErrUnavailable}
		}
	}
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return &tokenError{err: err, sentinel: providers.ErrUnavailable}
	case errors.Is(err, providers.ErrUnauthorized) || errors.Is(err, providers.ErrForbidden):
		return &tokenError{err: err, sentinel: providers.ErrUnauthorized}
	case strings.Contains(err.Error(), "refresh token is not set"):
		// oauth2 has an expired token and nothing to refresh it with.
		return &tokenError{err: err, sentinel: providers.ErrUnauthorized}
	}
	// Network errors, timeouts, unreadable token responses, and anything
	// else that says nothing about the credential itself.
	return &tokenError{err: err, sentinel: providers.ErrUnavailable}
}

// retryable reports whether the token request may succeed if tried again.
func (e *tokenError) retryable() bool {
	return e.sentinel == providers.ErrUnavailable &&
		!errors.Is(e.err, context.Canceled) && !errors.Is(e.err, context.DeadlineExceeded)
}

// classifyingTokenSource wraps a TokenSource so its failures say whether the
// credential or the network is at fault.
type classifyingTokenSource struct{ src oauth2.TokenSource }

// Token implements oauth2.TokenSource.
func (s classifyingTokenSource) Token() (*oauth2.Token, error) {
	t, err := s.src.Token()
	if err != nil {
		return nil, classifyTokenError(err)
	}
	return t, nil
}

// permanent reports network-level errors that no retry can fix.
func permanent(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		if strings.Contains(msg, "stopped after") && strings.Contains(msg, "redirects") {
			return true
		}
		if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "invalid header") {
			return true
		}
	}
	return false
}

// causeText describes a low-level error without the request URL (which
// *url.Error carries and which may hold credentials).
func causeText(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	var te *tokenError
	if errors.As(err, &te) {
		var re *oauth2.RetrieveError
		if errors.As(te.err, &re) {
			s := "token endpoint refused the grant"
			if re.Response != nil {
				s = "token endpoint answered " + strconv.Itoa(re.Response.StatusCode)
			}
			if re.ErrorCode != "" {
				s += " (" + re.ErrorCode + ")"
			}
			if re.ErrorDescription != "" {
				s += ": " + re.ErrorDescription
			}
			return redact(s)
		}
		return "obtaining access token: " + causeText(te.err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout: " + redact(err.Error())
	}
	return redact(err.Error())
}

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// requestIDHeaders are where platforms put the id support asks for.
var requestIDHeaders = []string{
	"X-Request-Id",
	"X-Fb-Trace-Id",
	"X-Fb-Request-Id",
	"X-Li-Uuid",
	"X-Transaction-Id",
	"X-Amzn-Requestid",
	"X-Amz-Request-Id",
	"X-Correlation-Id",
	"Request-Id",
	"X-Trace-Id",
	"Cf-Ray",
}

// RequestID returns the request id a response carries, or "".
func RequestID(h http.Header) string {
	for _, k := range requestIDHeaders {
		if v := strings.TrimSpace(h.Get(k)); v != "" {
			return truncate(v, 200)
		}
	}
	return ""
}

// DecodeErrorBody is the default Config.DecodeError. It understands the
// error bodies of the platforms rapport speaks to:
//
//	{"error":"invalid_grant","error_description":"..."}   OAuth 2 and Mastodon
//	{"error":"Record not found"}                          Mastodon, GoToSocial
//	{"error":"InvalidRequest","message":"..."}            Bluesky (XRPC)
//	{"error":{"message":"...","code":190,"type":"..."}}   Meta Graph API
//	{"message":"...","serviceErrorCode":100}             LinkedIn
//	{"title":"...","detail":"...","type":"..."}           X (problem details)
//	{"errors":[{"message":"...","code":88}]}              X v1.1 and others
//
// Anything else yields the first line of the body as the message when it is
// short text, nothing when it is HTML or binary.
func DecodeErrorBody(status int, header http.Header, body []byte) (code, message string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil && m != nil {
		return decodeErrorObject(m)
	}
	text := strings.TrimSpace(string(body))
	if text == "" || strings.HasPrefix(text, "<") || !utf8.ValidString(text) {
		return "", ""
	}
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = strings.TrimSpace(text[:i])
	}
	return "", text
}

func decodeErrorObject(m map[string]json.RawMessage) (code, message string) {
	str := func(key string) string {
		raw, ok := m[key]
		if !ok {
			return ""
		}
		return scalar(raw)
	}
	if raw, ok := m["error"]; ok {
		var inner map[string]json.RawMessage
		if json.Unmarshal(raw, &inner) == nil && inner != nil {
			c, msg := decodeErrorObject(inner)
			if c == "" {
				c = scalar(inner["code"])
			}
			return c, msg
		}
		e := scalar(raw)
		if desc := str("error_description"); desc != "" {
			return e, desc
		}
		if msg := str("message"); msg != "" {
			return e, msg
		}
		if looksLikeCode(e) {
			return e, ""
		}
		return "", e
	}
	if raw, ok := m["errors"]; ok {
		var list []map[string]json.RawMessage
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			c, msg := decodeErrorObject(list[0])
			if c == "" {
				c = scalar(list[0]["code"])
			}
			return c, msg
		}
	}
	message = str("message")
	if message == "" {
		message = str("detail")
	}
	if message == "" {
		message = str("title")
	}
	code = str("serviceErrorCode")
	if code == "" {
		code = str("code")
	}
	if code == "" && str("detail") != "" {
		code = str("title")
	}
	if code == "" {
		if t := str("type"); t != "" && t != "about:blank" {
			code = t
		}
	}
	return code, message
}

// scalar renders a JSON string or number as text; other values as "".
func scalar(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// looksLikeCode reports whether s is an identifier such as "invalid_token"
// or "InvalidRequest" rather than a sentence.
func looksLikeCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
