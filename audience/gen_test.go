package audience

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// This file generates labelled audiences: customers, and accounts of which
// some belong to customers (with names, handles and profiles perturbed as
// people really write them) and some to strangers, including look-alikes
// who share a customer's name. The generator is deterministic for a seed.

var genFirst = []string{
	"Robert", "Elizabeth", "William", "James", "Michael", "David", "Daniel", "Thomas",
	"Katherine", "Jennifer", "Christopher", "John", "Joseph", "Joshua", "Matthew", "Nicholas",
	"Stephen", "Anthony", "Andrew", "Benjamin", "Timothy", "Richard", "Edward", "Charles",
	"Henry", "Margaret", "Rebecca", "Susan", "Victoria", "Patricia", "Sandra", "Jessica",
	"José", "María", "Zoë", "Chloé", "Renée", "Søren", "Björn", "Łukasz", "Agnès", "Hélène",
	"François", "Jürgen", "Ångström", "Núria", "Inés", "Íñigo", "Mónica", "Dorothée",
	"Priya", "Arjun", "Ananya", "Wei", "Mei", "Hiroshi", "Yuki", "Aiko", "Minh", "Thi",
	"Olusegun", "Chiamaka", "Kwame", "Amara", "Fatima", "Omar", "Youssef", "Layla",
	"Mateo", "Valentina", "Santiago", "Camila", "Lucas", "Gabriel", "Leonardo", "Isabela",
	"Olga", "Dmitry", "Anastasia", "Ivan", "Sofia", "Emma", "Noah", "Olivia", "Liam",
	"Ava", "Ethan", "Mia", "Aiden", "Harper", "Elena", "Marco", "Giulia", "Luca", "Chiara",
	"Pieter", "Femke", "Lars", "Ingrid", "Sven", "Astrid", "Nils", "Freya", "Aoife", "Ciarán",
	"Siobhán", "Niamh", "Eoin", "Tadhg", "Rhys", "Cerys", "Dylan", "Megan", "Gareth", "Seren",
}

var genLast = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodríguez",
	"Martínez", "Hernández", "López", "González", "Wilson", "Anderson", "Thomas", "Taylor",
	"Moore", "Jackson", "Martin", "Lee", "Pérez", "Thompson", "White", "Harris", "Sánchez",
	"Clark", "Ramírez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
	"Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
	"Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Müller", "Schmidt",
	"Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Rousseau", "Fontaine", "Chevalier",
	"O'Brien", "O'Connor", "McCarthy", "Ó Súilleabháin", "Kelly", "Byrne", "Murphy", "Walsh",
	"Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
	"Tanaka", "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi",
	"Patel", "Sharma", "Singh", "Kumar", "Gupta", "Natarajan", "Iyer", "Reddy", "Chowdhury",
	"Chen", "Wang", "Zhang", "Liu", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
	"Okafor", "Adeyemi", "Mensah", "Diallo", "Haddad", "Khalil", "Nasser", "Mansour",
	"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Carvalho",
	"Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
	"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsen", "Hansen",
	"Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov",
}

var genSyllables = []string{
	"ka", "ro", "len", "mar", "to", "vi", "sen", "ber", "lo", "ska", "din", "hal", "mo", "ri",
	"tan", "zel", "gor", "nik", "bra", "fel", "dra", "kov", "son", "ley", "ma", "nu", "sha",
	"wen", "tor", "bel", "ash", "kir", "pol", "dun", "ves", "qui", "lar", "mek", "ost", "ul",
	"bri", "cas", "dor", "eni", "fra", "gul", "hen", "ira", "jor", "kes", "lun", "mir", "nor",
	"opa", "pes", "rak", "sil", "tev", "urb", "val", "wik", "yar", "zon", "bea", "cro", "dal",
}

// genLastName draws a surname: 40% from the list of common surnames, the
// rest made of syllables, so that surnames have the long tail real ones
// have.
func genLastName(r *rand.Rand) string {
	if r.IntN(100) < 40 {
		return genLast[r.IntN(len(genLast))]
	}
	n := 3
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(genSyllables[r.IntN(len(genSyllables))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

type genCity struct{ city, country, countryName string }

var genCities = []genCity{
	{"London", "GB", "UK"}, {"Manchester", "GB", "UK"}, {"Dublin", "IE", "Ireland"},
	{"Cork", "IE", "Ireland"}, {"Paris", "FR", "France"}, {"Lyon", "FR", "France"},
	{"Berlin", "DE", "Germany"}, {"München", "DE", "Germany"}, {"Hamburg", "DE", "Germany"},
	{"Madrid", "ES", "Spain"}, {"Barcelona", "ES", "Spain"}, {"Lisbon", "PT", "Portugal"},
	{"Amsterdam", "NL", "Netherlands"}, {"Rotterdam", "NL", "Netherlands"},
	{"Stockholm", "SE", "Sweden"}, {"Oslo", "NO", "Norway"}, {"Warsaw", "PL", "Poland"},
	{"Kraków", "PL", "Poland"}, {"Rome", "IT", "Italy"}, {"Milan", "IT", "Italy"},
	{"New York", "US", "USA"}, {"San Francisco", "US", "USA"}, {"Portland", "US", "USA"},
	{"Austin", "US", "USA"}, {"Chicago", "US", "USA"}, {"Seattle", "US", "USA"},
	{"Toronto", "CA", "Canada"}, {"Montréal", "CA", "Canada"}, {"Sydney", "AU", "Australia"},
	{"Melbourne", "AU", "Australia"}, {"Tokyo", "JP", "Japan"}, {"Osaka", "JP", "Japan"},
	{"Mumbai", "IN", "India"}, {"Chennai", "IN", "India"}, {"São Paulo", "BR", "Brazil"},
	{"Lagos", "NG", "Nigeria"}, {"Nairobi", "KE", "Kenya"}, {"Mexico City", "MX", "Mexico"},
}

var genTrades = []string{"Bakery", "Design", "Bikes", "Studio", "Consulting", "Coffee", "Books", "Garden", "Joinery", "Yoga"}
var genTags = []string{"runner", "gardening", "coffee", "vintage", "cycling", "photography", "ceramics", "baking", "climbing", "knitting"}
var genWords = []string{"sunny", "pixel", "maple", "river", "orbit", "ember", "cobalt", "tundra", "velvet", "quartz", "lunar", "drift"}

// genNicknames are reverse nickname forms the generator may write.
var genNicknames = func() map[string][]string {
	m := map[string][]string{}
	for nick, formal := range nicknames {
		m[formal] = append(m[formal], nick)
	}
	for _, v := range m {
		// map order is random: sort for determinism
		sortStrings(v)
	}
	return m
}()

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

type person struct {
	first, last string
	city        genCity
}

type labelled struct {
	customers []Customer
	accounts  []providers.Account
	// label[i] is the index of the customer that accounts[i] belongs to,
	// or -1.
	label []int
}

var genPlatforms = []providers.Platform{providers.Mastodon, providers.Bluesky, providers.X, providers.Instagram}

// generate builds nCustomers customers and about nAccounts accounts:
// 45% belong to customers, 4% are look-alikes of customers (the same
// name, written as freely as the customers write theirs, but another
// person, mostly elsewhere) and 51% are strangers drawn from the same
// name pools, so that partial and chance collisions happen too.
func generate(seed uint64, nCustomers, nAccounts int) *labelled {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &labelled{}
	people := make([]person, nCustomers)
	for i := range people {
		people[i] = person{
			first: genFirst[r.IntN(len(genFirst))],
			last:  genLastName(r),
			city:  genCities[r.IntN(len(genCities))],
		}
		p := people[i]
		c := Customer{
			ID:      "C" + strconv.Itoa(i+1),
			Name:    p.first + " " + p.last,
			City:    p.city.city,
			Country: p.city.country,
			Value:   float64(10 + r.IntN(2000)),
		}
		local := asciiFold(p.first) + "." + asciiFold(p.last)
		if r.IntN(3) == 0 {
			local += strconv.Itoa(r.IntN(100))
		}
		c.Emails = []string{local + "@example" + strconv.Itoa(r.IntN(5)) + ".com"}
		if r.IntN(4) == 0 {
			c.Company = p.last + " " + genTrades[r.IntN(len(genTrades))]
		}
		if r.IntN(3) == 0 {
			c.Tags = []string{genTags[r.IntN(len(genTags))]}
		}
		if r.IntN(3) == 0 {
			c.Handles = append(c.Handles, Handle{Platform: providers.Instagram, Handle: handleFrom(r, p) + "_" + strconv.Itoa(i%97)})
		}
		if r.IntN(6) == 0 {
			c.Handles = append(c.Handles, Handle{Platform: providers.X, Handle: clip(handleFrom(r, p), 11) + strconv.Itoa(i%1000)})
		}
		if r.IntN(10) == 0 {
			c.Websites = []string{asciiFold(p.last) + strconv.Itoa(i) + ".example.net"}
		}
		g.customers = append(g.customers, c)
	}
	id := 0
	addAcct := func(a providers.Account, label int) {
		id++
		a.ID = strconv.Itoa(id)
		g.accounts = append(g.accounts, a)
		g.label = append(g.label, label)
	}
	// A person has at most one account per platform.
	used := map[[2]int]bool{}
	for len(g.accounts) < nAccounts {
		roll := r.IntN(100)
		pi := r.IntN(len(genPlatforms))
		platform := genPlatforms[pi]
		switch {
		case roll < 45: // a customer
			ci := r.IntN(nCustomers)
			if used[[2]int{ci, pi}] {
				continue
			}
			used[[2]int{ci, pi}] = true
			a := customerAccount(r, platform, people[ci], &g.customers[ci])
			addAcct(a, ci)
		case roll < 49: // a look-alike of a customer
			ci := r.IntN(nCustomers)
			p := people[ci]
			other := person{first: p.first, last: p.last, city: genCities[r.IntN(len(genCities))]}
			if r.IntN(10) < 7 && other.city.city == p.city.city {
				other.city = genCities[(indexCity(p.city)+1)%len(genCities)]
			}
			a := strangerAccount(r, platform, other)
			addAcct(a, -1)
		default: // a stranger
			p := person{
				first: genFirst[r.IntN(len(genFirst))],
				last:  genLastName(r),
				city:  genCities[r.IntN(len(genCities))],
			}
			addAcct(strangerAccount(r, platform, p), -1)
		}
	}
	return g
}

func indexCity(c genCity) int {
	for i, x := range genCities {
		if x == c {
			return i
		}
	}
	return 0
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// asciiFold lower-cases and strips accents and spaces, as people do when
// they type a name into an email address or handle.
func asciiFold(s string) string { return strings.Join(NameTokens(s), "") }

// handleFrom makes a user name out of a person's name.
func handleFrom(r *rand.Rand, p person) string {
	f, l := asciiFold(p.first), asciiFold(p.last)
	switch r.IntN(5) {
	case 0:
		return f + l
	case 1:
		return f + "." + l
	case 2:
		return f[:1] + l
	case 3:
		return f + "_" + l
	default:
		return l + f[:1]
	}
}

func withPlatform(platform providers.Platform, local string) string {
	local = strings.ToLower(local)
	switch platform {
	case providers.Mastodon:
		return strings.ReplaceAll(local, "-", "_") + "@mastodon.social"
	case providers.Bluesky:
		return strings.NewReplacer("_", "-", ".", "-").Replace(local) + ".bsky.social"
	case providers.X:
		return clip(strings.NewReplacer(".", "_", "-", "_").Replace(local), 15)
	}
	return local
}

// perturbName writes a customer's name the way they might show it.
func perturbName(r *rand.Rand, p person) string {
	first, last := p.first, p.last
	if nicks := genNicknames[asciiFold(first)]; len(nicks) > 0 && r.IntN(100) < 30 {
		n := nicks[r.IntN(len(nicks))]
		first = strings.ToUpper(n[:1]) + n[1:]
	}
	if r.IntN(100) < 30 {
		first, last = stripAccents(first), stripAccents(last)
	}
	if r.IntN(100) < 5 {
		last = typo(r, last) // people seldom misspell their own name
	}
	var name string
	switch x := r.IntN(100); {
	case x < 8:
		name = last + ", " + first
	case x < 12:
		name = first[:1] + ". " + last
	case x < 16:
		name = strings.ToLower(first + " " + last)
	case x < 19:
		name = strings.ToUpper(first + " " + last)
	default:
		name = first + " " + last
	}
	switch x := r.IntN(100); {
	case x < 8:
		name += " | " + genTrades[r.IntN(len(genTrades))]
	case x < 12:
		name += " 🌿"
	case x < 15:
		name = first
	}
	return name
}

func stripAccents(s string) string {
	toks := NameTokens(s)
	for i, t := range toks {
		toks[i] = strings.ToUpper(t[:1]) + t[1:]
	}
	return strings.Join(toks, " ")
}

// typo swaps two neighbouring letters or drops one, past the first two.
func typo(r *rand.Rand, s string) string {
	b := []rune(s)
	if len(b) < 5 {
		return s
	}
	i := 2 + r.IntN(len(b)-3)
	if r.IntN(2) == 0 {
		b[i], b[i+1] = b[i+1], b[i]
		return string(b)
	}
	return string(append(b[:i], b[i+1:]...))
}

func customerAccount(r *rand.Rand, platform providers.Platform, p person, c *Customer) providers.Account {
	a := providers.Account{Platform: platform, DisplayName: perturbName(r, p)}
	if h, ok := c.HandleOn(platform); ok && r.IntN(100) < 70 {
		a.Handle = h
	} else if len(c.Handles) > 0 && r.IntN(100) < 40 {
		// the same user name as on another platform
		a.Handle = withPlatform(platform, handleLocal(c.Handles[0].Platform, c.Handles[0].Handle))
	} else if r.IntN(100) < 20 {
		// the user name of the customer's email address
		local, _, _ := strings.Cut(c.Emails[0], "@")
		a.Handle = withPlatform(platform, local)
	} else if r.IntN(100) < 55 {
		a.Handle = withPlatform(platform, handleFrom(r, p)+strconv.Itoa(r.IntN(100)))
	} else {
		a.Handle = withPlatform(platform, genWords[r.IntN(len(genWords))]+genWords[r.IntN(len(genWords))]+strconv.Itoa(r.IntN(1000)))
	}
	switch x := r.IntN(100); {
	case x < 50:
		a.Location = p.city.city + ", " + p.city.countryName
	case x < 65:
		a.Location = p.city.city
	case x < 75:
		a.Location = p.city.countryName
	}
	var bio []string
	if c.Company != "" && r.IntN(100) < 50 {
		bio = append(bio, "Owner at "+c.Company+".")
	}
	if len(c.Tags) > 0 && r.IntN(100) < 40 {
		bio = append(bio, "Into "+c.Tags[0]+".")
	}
	if len(c.Websites) > 0 && r.IntN(100) < 50 {
		a.Links = append(a.Links, "https://"+c.Websites[0]+"/")
	}
	if h, ok := c.HandleOn(providers.Instagram); ok && platform != providers.Instagram && r.IntN(100) < 15 {
		bio = append(bio, "IG: instagram.com/"+h)
	}
	a.Bio = strings.Join(bio, " ")
	return a
}

func strangerAccount(r *rand.Rand, platform providers.Platform, p person) providers.Account {
	a := providers.Account{Platform: platform, DisplayName: perturbName(r, p)}
	if r.IntN(2) == 0 {
		a.Handle = withPlatform(platform, handleFrom(r, p)+strconv.Itoa(r.IntN(1000)))
	} else {
		a.Handle = withPlatform(platform, genWords[r.IntN(len(genWords))]+genWords[r.IntN(len(genWords))]+strconv.Itoa(r.IntN(1000)))
	}
	switch x := r.IntN(100); {
	case x < 50:
		a.Location = p.city.city + ", " + p.city.countryName
	case x < 65:
		a.Location = p.city.city
	case x < 75:
		a.Location = p.city.countryName
	}
	if r.IntN(100) < 20 {
		a.Bio = genTrades[r.IntN(len(genTrades))] + " lover. Into " + genTags[r.IntN(len(genTags))] + "."
	}
	return a
}
