package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Example writes the report of the simulated bakery and counts its charts.
func Example() {
	dir, err := os.MkdirTemp("", "analytics-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.html")
	var out bytes.Buffer
	if err := run(context.Background(), options{HTML: path, Seed: 1}, &out); err != nil {
		fmt.Println(err)
		return
	}
	page, err := os.ReadFile(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("charts:", strings.Count(string(page), `<figure id="chart-`))
	fmt.Println("self-contained:", !strings.Contains(string(page), "<script") && !strings.Contains(string(page), "<link"))
	// Output:
	// charts: 8
	// self-contained: true
}
