package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"
)

const (
	levelDebug = slog.LevelDebug
	levelInfo  = slog.LevelInfo
)

// redacted replaces a secret in logs and error texts.
const redacted = "REDACTED"

// secretParam matches name=value pairs (query strings, form bodies quoted
// in error texts) whose name says the value is a credential.
var secretParam = regexp.MustCompile(`(?i)([a-z0-9_.\-]*(?:token|password|passwd|secret|code|verifier|api_?key|signature|sig|session)[a-z0-9_.\-]*)=([^&\s"'<>,;]*)`)

// authValue matches credentials in Authorization-style values.
var authValue = regexp.MustCompile(`(?i)\b(bearer|basic|dpop|mac)\s+[A-Za-z0-9\-._~+/]+=*`)

// authHeader matches a quoted Authorization header line.
var authHeader = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization"?\s*[:=]\s*"?)[^"\r\n,]*`)

// redact removes credentials from a text that may quote a URL, a query
// string or a header value.
func redact(s string) string {
	s = secretParam.ReplaceAllString(s, "${1}="+redacted)
	s = authHeader.ReplaceAllString(s, "${1}"+redacted)
	return authValue.ReplaceAllString(s, "${1} "+redacted)
}

// sensitiveParam reports whether a query parameter carries a credential.
func sensitiveParam(name string) bool {
	return secretParam.MatchString(name + "=x")
}

// redactURL renders u with its password and credential query values
// replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), redacted)
		}
	}
	if c.RawQuery != "" {
		q, err := url.ParseQuery(c.RawQuery)
		if err != nil {
			c.RawQuery = redact(c.RawQuery)
		} else {
			for k := range q {
				if sensitiveParam(k) {
					q[k] = []string{redacted}
				}
			}
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// leveledLogger adapts an *slog.Logger to retryablehttp.LeveledLogger.
// Every value is redacted; the library's own messages are logged at debug
// level because the client logs each attempt itself.
type leveledLogger struct{ l *slog.Logger }

func (a leveledLogger) Error(msg string, kv ...any) { a.log(msg, kv) }
func (a leveledLogger) Info(msg string, kv ...any)  { a.log(msg, kv) }
func (a leveledLogger) Debug(msg string, kv ...any) { a.log(msg, kv) }
func (a leveledLogger) Warn(msg string, kv ...any)  { a.log(msg, kv) }

func (a leveledLogger) log(msg string, kv []any) {
	ctx := context.Background()
	if !a.l.Enabled(ctx, levelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, slog.String(fmt.Sprint(kv[i]), redactValue(kv[i+1])))
	}
	a.l.LogAttrs(ctx, levelDebug, "retryablehttp: "+redact(msg), attrs...)
}

// redactValue renders a log value with credentials removed.
func redactValue(v any) string {
	switch v := v.(type) {
	case *url.URL:
		return redactURL(v)
	case error:
		return causeText(v)
	case time.Duration:
		return v.String()
	default:
		return redact(fmt.Sprint(v))
	}
}

func attrDuration(key string, d time.Duration) slog.Attr {
	return slog.Duration(key, d)
}

// logPath is the request path as logged: no query string, no credentials.
func logPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return redact(strings.ReplaceAll(p, "\n", ""))
}
