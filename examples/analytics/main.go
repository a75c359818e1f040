// Command analytics simulates six weeks of a small shop's social media on
// two in-memory networks (one named "mastodon" that, like Mastodon, reports
// no reach or impressions, and one that does), collects post metrics and
// follower counts every evening with analytics.Collector, and writes the
// analytics report as one self-contained HTML page.
//
//	go run ./examples/analytics -out report.html [-json report.json] [-csv report.csv]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // the report's time zone, even where the system has no zone database

	"github.com/rapportkit/rapport/analytics"
)

func main() {
	var opts options
	flag.StringVar(&opts.HTML, "out", "analytics-report.html", "path of the HTML report to write")
	flag.StringVar(&opts.JSON, "json", "", "also write the report as JSON to this path")
	flag.StringVar(&opts.CSV, "csv", "", "also write the report as CSV to this path")
	flag.Int64Var(&opts.Seed, "seed", 1, "seed of the simulation")
	flag.Parse()
	if err := run(context.Background(), opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "analytics:", err)
		os.Exit(1)
	}
}

// options are the program's flags.
type options struct {
	HTML, JSON, CSV string
	Seed            int64
}

// run simulates, builds the report, writes the files and prints the
// summary to stdout.
func run(ctx context.Context, opts options, stdout io.Writer) error {
	if opts.HTML == "" {
		return errors.New("-out must name a file")
	}
	in, err := simulate(ctx, opts.Seed)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	report, err := analytics.BuildReport(in)
	if err != nil {
		return err
	}
	writers := []struct {
		path  string
		write func(io.Writer) error
	}{{opts.HTML, report.WriteHTML}, {opts.JSON, report.WriteJSON}, {opts.CSV, report.WriteCSV}}
	for _, w := range writers {
		if w.path == "" {
			continue
		}
		if err := writeFile(w.path, w.write); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", w.path)
	}
	fmt.Fprint(stdout, report.SummaryText())
	return nil
}

func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", path, cerr)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
