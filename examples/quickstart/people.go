package main

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/rapportkit/rapport/audience"
	"github.com/rapportkit/rapport/providers"
	"github.com/rapportkit/rapport/simulate"
)

// audienceSpec sizes one network's audience.
type audienceSpec struct {
	// unlisted is the chance that a customer who lists no handle anywhere
	// is on this platform anyway (found by name and city).
	unlisted float64
	// strangers is the number of people who are not customers.
	strangers int
	// listeners is the number of people who do not follow the bakery but
	// post about it or about baking now and then (what listening finds).
	listeners int
}

var specs = map[providers.Platform]audienceSpec{
	providers.Instagram: {unlisted: 0.45, strangers: 55, listeners: 5},
	providers.Mastodon:  {unlisted: 0.15, strangers: 30, listeners: 4},
	providers.Bluesky:   {unlisted: 0.2, strangers: 35, listeners: 4},
}

// Names of people who are not customers: none of them is on the example
// customer list, and any that a custom list holds is skipped.
var (
	firstNames = []string{"Alex", "Bea", "Callum", "Dev", "Esme", "Finn", "Gemma", "Harvey", "Ines", "Jonah",
		"Kai", "Lola", "Milo", "Nell", "Orla", "Pip", "Quinn", "Rhys", "Saffy", "Theo", "Uma", "Vik", "Wren", "Zara"}
	lastNames = []string{"Ashby", "Bright", "Cole", "Dunn", "Ellis", "Frost", "Gill", "Hart", "Ives", "Joyce",
		"Kerr", "Lowe", "Moss", "Nash", "Pike", "Reed", "Shaw", "Tate", "Vale", "Webb", "Yates"}
	towns = []string{"Bristol", "Bristol, UK", "Bath", "Clifton", "Cardiff", ""}
	bios  = []string{"coffee first", "runner, reader, bread eater", "cyclist and home cook", "teacher. cake enthusiast",
		"dog person", "gardening, baking, too many plants", "designer in Stokes Croft", "nurse at the BRI", ""}
)

// person is one simulated account and what the quickstart knows about it
// (nothing of this is given to the matcher, which sees profiles only).
type person struct {
	simulate.Person
	customer string // the customer's ID, "" for everyone else
}

// buildAudience returns the people of one platform: customers with a
// handle there, some customers without a listed handle, and strangers; and
// the listeners (accounts that do not follow and post in public).
func buildAudience(p providers.Platform, customers []audience.Customer, rng *rand.Rand) (people []person, listeners []simulate.Person) {
	spec := specs[p]
	taken := map[string]bool{handle: true}
	names := map[string]bool{}
	add := func(pp person) {
		taken[strings.ToLower(pp.Handle)] = true
		people = append(people, pp)
	}
	for _, c := range customers {
		names[audience.CanonicalName(c.Name)] = true
		loc := c.City
		if loc != "" && c.Country == "GB" && rng.IntN(2) == 0 {
			loc += ", UK"
		}
		if h, ok := c.HandleOn(p); ok {
			if taken[h] || !validHandle(h) {
				continue
			}
			add(person{Person: simulate.Person{Handle: h, DisplayName: displayName(c.Name, rng), Bio: customerBio(c, rng),
				Location: loc, Follows: rng.Float64() < 0.85}, customer: c.ID})
			continue
		}
		if len(c.Handles) > 0 || c.Name == "" || len(strings.Fields(c.Name)) < 2 || rng.Float64() >= spec.unlisted {
			continue
		}
		h := handleFor(p, c.Name, rng)
		if taken[h] {
			continue
		}
		add(person{Person: simulate.Person{Handle: h, DisplayName: c.Name, Bio: customerBio(c, rng), Location: loc,
			Follows: rng.Float64() < 0.8}, customer: c.ID})
	}
	for i := 0; i < spec.strangers+spec.listeners; i++ {
		name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		h := handleFor(p, name, rng)
		if taken[h] || names[audience.CanonicalName(name)] {
			i-- // draw again: the pools are far larger than the audience
			continue
		}
		sp := simulate.Person{Handle: h, DisplayName: name, Bio: bios[rng.IntN(len(bios))], Location: towns[rng.IntN(len(towns))]}
		taken[h] = true
		if i >= spec.strangers {
			listeners = append(listeners, sp)
			continue
		}
		sp.Follows = rng.Float64() < 0.75
		add(person{Person: sp})
	}
	return people, listeners
}

// simPeople returns the simulate.Person of each person.
func simPeople(people []person) []simulate.Person {
	out := make([]simulate.Person, len(people))
	for i, p := range people {
		out[i] = p.Person
	}
	return out
}

// displayName is how a customer shows their name on a profile: in full,
// with the last name shortened, or with an emoji.
func displayName(name string, rng *rand.Rand) string {
	parts := strings.Fields(name)
	switch {
	case len(parts) < 2:
		return name
	case rng.IntN(4) == 0:
		return parts[0] + " " + string([]rune(parts[len(parts)-1])[:1]) + "."
	case rng.IntN(4) == 0:
		return name + " 🥐"
	}
	return name
}

// customerBio is a profile bio built from a customer's tags.
func customerBio(c audience.Customer, rng *rand.Rand) string {
	if len(c.Tags) == 0 {
		return bios[rng.IntN(len(bios))]
	}
	return "into " + strings.Join(c.Tags, ", ")
}

// handleFor makes a handle for a name on a platform: "ana.ribeiro" on
// Instagram, "anaribeiro.bsky.social" on Bluesky, "ana_r@mastodon.social" on
// Mastodon, with a number when the name is taken.
func handleFor(p providers.Platform, name string, rng *rand.Rand) string {
	tokens := audience.NameTokens(name)
	if len(tokens) == 0 {
		tokens = []string{"friend"}
	}
	first, last := tokens[0], tokens[len(tokens)-1]
	suffix := ""
	if rng.IntN(3) == 0 {
		suffix = fmt.Sprint(rng.IntN(90) + 10)
	}
	switch p {
	case providers.Bluesky:
		return first + last + suffix + ".bsky.social"
	case providers.Mastodon:
		return first + "_" + last[:1] + suffix + "@mastodon.social"
	}
	return first + "." + last + suffix
}

// validHandle reports whether the memory network accepts h as a handle.
func validHandle(h string) bool {
	local, domain, _ := strings.Cut(h, "@")
	ok := func(s string) bool {
		if s == "" {
			return false
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
				return false
			}
		}
		return true
	}
	return ok(local) && (domain == "" && !strings.Contains(h, "@") || ok(domain))
}
