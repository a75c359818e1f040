package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, 1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"published", "@alice", "@bob", "^Sam", "2 of 2 customers answered"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
