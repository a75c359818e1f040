package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/rapportkit/rapport/providers"
)

// Config configures one adapter's HTTP stack.
type Config struct {
	Platform          providers.Platform
	BaseURL           string
	Base              http.RoundTripper
	TokenSource       oauth2.TokenSource
	IdempotencyHeader string
	MaxRetries        int
	RetryWaitMin      time.Duration
	RetryWaitMax      time.Duration
	MaxRateWait       time.Duration
	Logger            *slog.Logger
	UserAgent         string
	DecodeError       func(status int, header http.Header, body []byte) (code, message string)
	Now               func() time.Time
}

// Client sends requests for one adapter.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
}

// New validates cfg and builds a Client. It never touches the network.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("transport: BaseURL: %w", err)
	}
	rt := cfg.Base
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	if cfg.TokenSource != nil {
		rt = &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, cfg.TokenSource), Base: rt}
	}
	return &Client{cfg: cfg, base: u, hc: &http.Client{Transport: rt}}, nil
}

// Request is one call to the platform.
type Request struct {
	Operation      string
	Method         string
	Path           string
	Query          url.Values
	Header         http.Header
	JSON           any
	Body           []byte
	ContentType    string
	IdempotencyKey string
	RetrySafe      bool
}

// Response is a successful answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// RateState is what the limiter has learned from response headers.
type RateState struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

// Do sends r.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	u, err := c.base.Parse(strings.TrimPrefix(r.Path, "/"))
	if err != nil {
		return nil, err
	}
	if len(r.Query) > 0 {
		u.RawQuery = r.Query.Encode()
	}
	body := r.Body
	if r.JSON != nil {
		body, err = json.Marshal(r.JSON)
		if err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &providers.APIError{Platform: c.cfg.Platform, Operation: r.Operation, Err: providers.ErrUnavailable}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, &providers.APIError{Platform: c.cfg.Platform, Operation: r.Operation, Status: resp.StatusCode}
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// JSON is Do plus json.Unmarshal of the body into out (out may be nil).
func (c *Client) JSON(ctx context.Context, r *Request, out any) (*Response, error) {
	resp, err := c.Do(ctx, r)
	if err != nil || out == nil {
		return resp, err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return resp, errors.New("decode: " + err.Error())
	}
	return resp, nil
}

// RateState returns what the limiter has learned.
func (c *Client) RateState() RateState { return RateState{} }

// NextLink returns the URL of rel="next" in a Link header ("" if none).
func NextLink(h http.Header) string { return Link(h, "next") }

// Link returns the URL of the given rel in a Link header ("" if none).
func Link(h http.Header, rel string) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			if strings.Contains(part, `rel="`+rel+`"`) {
				s := strings.TrimSpace(part)
				if i := strings.Index(s, ">"); i > 0 && s[0] == '<' {
					return s[1:i]
				}
			}
		}
	}
	return ""
}
