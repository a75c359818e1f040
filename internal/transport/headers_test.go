package transport

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRateHeaders(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 35, 0, 0, time.UTC)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name   string
		header map[string]string
		want   RateInfo
	}{
		{
			name: "mastodon ISO reset",
			header: map[string]string{
				"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "243", "X-RateLimit-Reset": "2026-11-22T21:37:42.000Z",
			},
			want: RateInfo{Limit: 300, HasLimit: true, Remaining: 243, HasRemaining: true, Reset: at("2026-11-22T21:37:42Z")},
		},
		{
			name: "gotosocial casing",
			header: map[string]string{
				"X-Ratelimit-Limit": "300", "X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "2026-11-22T21:37:42.000Z",
			},
			want: RateInfo{Limit: 300, HasLimit: true, Remaining: 0, HasRemaining: true, Reset: at("2026-11-22T21:37:42Z")},
		},
		{
			name: "mastodon microseconds",
			header: map[string]string{
				"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "2026-11-22T21:40:00.123456Z",
			},
			want: RateInfo{Limit: 300, HasLimit: true, Remaining: 12, HasRemaining: true, Reset: at("2026-11-22T21:40:00.123456Z")},
		},
		{
			name: "x epoch reset",
			header: map[string]string{
				"x-rate-limit-limit": "100", "x-rate-limit-remaining": "99", "x-rate-limit-reset": "1795382100",
			},
			want: RateInfo{Limit: 100, HasLimit: true, Remaining: 99, HasRemaining: true, Reset: time.Unix(1795382100, 0)},
		},
		{
			name: "github style X-RateLimit epoch",
			header: map[string]string{
				"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": "1795382100",
			},
			want: RateInfo{Limit: 5000, HasLimit: true, Remaining: 4999, HasRemaining: true, Reset: time.Unix(1795382100, 0)},
		},
		{
			name: "bluesky epoch reset and policy",
			header: map[string]string{
				"RateLimit-Limit": "3000", "RateLimit-Remaining": "2999", "RateLimit-Reset": "1795382400", "RateLimit-Policy": "3000;w=300",
			},
			want: RateInfo{Limit: 3000, HasLimit: true, Remaining: 2999, HasRemaining: true, Reset: time.Unix(1795382400, 0), Window: 300 * time.Second},
		},
		{
			name: "ietf delta reset",
			header: map[string]string{
				"RateLimit-Limit": "100", "RateLimit-Remaining": "50", "RateLimit-Reset": "30",
			},
			want: RateInfo{Limit: 100, HasLimit: true, Remaining: 50, HasRemaining: true, Reset: now.Add(30 * time.Second)},
		},
		{
			name: "ietf limit with policy list",
			header: map[string]string{
				"RateLimit-Limit": "10, 10;w=1, 50;w=60", "RateLimit-Remaining": "9", "RateLimit-Reset": "1",
			},
			want: RateInfo{Limit: 10, HasLimit: true, Remaining: 9, HasRemaining: true, Reset: now.Add(time.Second)},
		},
		{
			name: "ietf named policy",
			header: map[string]string{
				"RateLimit-Policy": `"burst";q=100;w=60, "daily";q=1000;w=86400`, "RateLimit": `"burst";r=40;t=20`,
			},
			want: RateInfo{Limit: 100, HasLimit: true, Remaining: 40, HasRemaining: true, Reset: now.Add(20 * time.Second), Window: time.Minute},
		},
		{
			name:   "ietf draft combined field",
			header: map[string]string{"RateLimit": "limit=100, remaining=50, reset=5"},
			want:   RateInfo{Limit: 100, HasLimit: true, Remaining: 50, HasRemaining: true, Reset: now.Add(5 * time.Second)},
		},
		{
			name:   "retry-after seconds",
			header: map[string]string{"Retry-After": "120"},
			want:   RateInfo{RetryAfter: now.Add(2 * time.Minute)},
		},
		{
			name:   "retry-after http date",
			header: map[string]string{"Retry-After": "Sun, 22 Nov 2026 21:36:30 GMT"},
			want:   RateInfo{RetryAfter: at("2026-11-22T21:36:30Z")},
		},
		{
			name:   "epoch milliseconds reset",
			header: map[string]string{"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "1795382100500"},
			want:   RateInfo{Remaining: 3, HasRemaining: true, Reset: time.UnixMilli(1795382100500)},
		},
		{
			name:   "garbage ignored",
			header: map[string]string{"X-RateLimit-Limit": "lots", "X-RateLimit-Reset": "soon", "Retry-After": "-5"},
			want:   RateInfo{},
		},
		{
			name:   "none",
			header: map[string]string{"Content-Type": "application/json"},
			want:   RateInfo{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			got := ParseRateHeaders(h, now)
			if !sameInfo(got, tt.want) {
				t.Errorf("ParseRateHeaders(%v)\n got %+v\nwant %+v", tt.header, got, tt.want)
			}
		})
	}
}

func sameInfo(a, b RateInfo) bool {
	return a.Limit == b.Limit && a.HasLimit == b.HasLimit && a.Remaining == b.Remaining &&
		a.HasRemaining == b.HasRemaining && a.Reset.Equal(b.Reset) && a.Window == b.Window && a.RetryAfter.Equal(b.RetryAfter)
}

func TestParseRateHeadersGoToSocialFixture(t *testing.T) {
	resp := readFixture(t, "error_429.http")
	now := time.Date(2026, 11, 22, 21, 35, 0, 0, time.UTC)
	got := ParseRateHeaders(resp.Header, now)
	want := RateInfo{Limit: 300, HasLimit: true, Remaining: 0, HasRemaining: true, Reset: time.Date(2026, 11, 22, 21, 37, 42, 0, time.UTC)}
	if !sameInfo(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if !got.RetryAfter.IsZero() {
		t.Fatalf("GoToSocial sends no Retry-After, got %v", got.RetryAfter)
	}
}

func TestParseRateHeadersClockSkew(t *testing.T) {
	now := time.Date(2026, 11, 22, 21, 35, 0, 0, time.UTC)
	// The server's clock is an hour behind ours.
	server := now.Add(-time.Hour)
	h := http.Header{}
	h.Set("Date", server.Format(http.TimeFormat))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", server.Add(30*time.Second).Format(time.RFC3339))
	h.Set("Retry-After", server.Add(10*time.Second).Format(http.TimeFormat))
	if ri := ParseRateHeaders(h, now); !ri.Reset.Equal(server.Add(30 * time.Second)) {
		t.Errorf("ParseRateHeaders moved the reset: %v", ri.Reset)
	}
	ri := parseRate(h, now, true)
	if want := now.Add(30 * time.Second); !ri.Reset.Equal(want) {
		t.Errorf("Reset = %v, want %v on the local clock", ri.Reset, want)
	}
	if want := now.Add(10 * time.Second); !ri.RetryAfter.Equal(want) {
		t.Errorf("RetryAfter = %v, want %v on the local clock", ri.RetryAfter, want)
	}
	// Relative values need no correction, and a Date within the header's
	// precision changes nothing.
	h = http.Header{}
	h.Set("Date", server.Format(http.TimeFormat))
	h.Set("RateLimit-Reset", "30")
	if ri := parseRate(h, now, true); !ri.Reset.Equal(now.Add(30 * time.Second)) {
		t.Errorf("delta reset moved: %v", ri.Reset)
	}
	h = http.Header{}
	h.Set("Date", now.Add(-900*time.Millisecond).Format(http.TimeFormat))
	h.Set("X-RateLimit-Reset", now.Add(30*time.Second).Format(time.RFC3339))
	if ri := parseRate(h, now, true); !ri.Reset.Equal(now.Add(30 * time.Second)) {
		t.Errorf("reset moved without skew: %v", ri.Reset)
	}
}
