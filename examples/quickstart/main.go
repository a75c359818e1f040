package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
	_ "time/tzdata" // the bakery's time zone, even where the system has no zone database
)

// exampleCustomers is the bakery's customer list as its CRM exports it,
// broken rows included.
//
//go:embed customers.csv
var exampleCustomers []byte

// config holds the program's flags.
type config struct {
	// Weeks is the number of simulated weeks (2 to 12).
	Weeks int
	// Seed makes the run reproducible.
	Seed int64
	// Out is the folder for the report and the SQLite database.
	Out string
	// Customers is a customer list to import instead of the built-in one.
	Customers string
	// Compare also runs the same audience against a bakery without the
	// practices, for the summary's comparison.
	Compare bool
}

func main() {
	cfg := config{}
	flag.IntVar(&cfg.Weeks, "weeks", 8, "number of simulated weeks (2 to 12)")
	flag.Int64Var(&cfg.Seed, "seed", 1, "seed of the simulation: the same seed gives the same run")
	flag.StringVar(&cfg.Out, "out", "rapport-out", "folder for the report and the SQLite database (created if needed)")
	flag.StringVar(&cfg.Customers, "customers", "", "customer list (CSV) to import instead of the built-in example")
	flag.BoolVar(&cfg.Compare, "compare", true, "also simulate the same audience without the practices, for comparison")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	began := time.Now()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	fmt.Printf("Finished in %s.\n", time.Since(began).Round(10*time.Millisecond))
}

// run is the whole quickstart: it writes its progress and summary to w and
// its files to cfg.Out.
func run(ctx context.Context, w io.Writer, cfg config) error {
	if cfg.Weeks < 2 || cfg.Weeks > maxWeeks {
		return fmt.Errorf("-weeks %d: choose 2 to %d", cfg.Weeks, maxWeeks)
	}
	if cfg.Out == "" {
		return errors.New("-out must name a folder")
	}
	customers := exampleCustomers
	source := "customers.csv, built in"
	if cfg.Customers != "" {
		b, err := os.ReadFile(cfg.Customers)
		if err != nil {
			return err
		}
		customers, source = b, cfg.Customers
	}
	q, err := newQuickstart(ctx, w, cfg)
	if err != nil {
		return err
	}
	defer q.close()
	return q.run(ctx, customers, source)
}
