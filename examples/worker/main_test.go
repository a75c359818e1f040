package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "bakery.db")
	var out bytes.Buffer
	if err := run(ctx, dsn, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"3 posts to publish, 3 publish jobs queued",
		"published spring/post1 as ",
		"published spring/post2 as ",
		"published spring/post3 as ",
		"new conversation with lena (question",
		"new conversation with omar (complaint, high priority)",
		"the bakery has 3 posts on the network",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}

	// A second run on the same database publishes nothing again.
	out.Reset()
	if err := run(ctx, dsn, &out); err != nil {
		t.Fatalf("second run: %v\n%s", err, out.String())
	}
	if got := out.String(); !strings.Contains(got, "0 posts to publish, 0 publish jobs queued") || strings.Contains(got, "published spring") {
		t.Errorf("second run:\n%s", got)
	}
}
