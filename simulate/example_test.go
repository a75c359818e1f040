package simulate_test

import (
	"context"
	"fmt"
	"time"

	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/providers/memory"
	"github.com/rapportkit/rapport/simulate"
)

// A business that ignores a question loses the asker's goodwill.
func Example() {
	ctx := context.Background()
	clock := memory.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	net, _ := memory.NewNetwork(memory.WithClock(clock.Now))
	net.CreateAccount(providers.Account{Handle: "bakery"})

	params := simulate.DefaultParams()
	params.WriteInPerDay = 1 // everyone writes in every day, to show the effect
	sim, err := simulate.New(ctx, net, "bakery", []simulate.Person{{Handle: "ann", Follows: true}}, params, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	clock.Advance(24 * time.Hour)
	sim.Step(ctx) // ann writes in
	clock.Advance(25 * time.Hour)
	sim.Step(ctx) // nobody answered her

	st := sim.Stats()
	g, _ := sim.Goodwill("ann")
	fmt.Printf("write-ins %d, ignored %d, goodwill %.2f\n", st.WriteIns, st.Ignored, g)
	// Output:
	// write-ins 1, ignored 1, goodwill 0.30
}
