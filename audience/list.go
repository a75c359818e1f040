package audience

import "strings"

// CustomerList collects customers and merges duplicates: a customer with
// the same id, email or phone (raw or hashed) as one already in the list is
// merged into that one. The zero CustomerList is ready to use. It is not
// safe for concurrent use.
type CustomerList struct {
	customers []Customer
	keys      map[string]int
}

// Add adds c, or merges it into the customer already holding one of its
// keys. It returns that customer (before the merge) and which key matched
// ("id", "email" or "phone") when c was merged.
func (l *CustomerList) Add(c Customer) (into Customer, how string, merged bool) {
	if l.keys == nil {
		l.keys = map[string]int{}
	}
	at, how := -1, ""
	if c.ID != "" && !strings.HasPrefix(c.ID, "line:") {
		if i, ok := l.keys["id\x00"+c.ID]; ok {
			at, how = i, "id"
		}
	}
	if at < 0 {
		at, how = l.find("email", c.Emails, c.HashesOf(FieldEmail))
	}
	if at < 0 {
		at, how = l.find("phone", c.Phones, c.HashesOf(FieldPhone))
	}
	if at < 0 {
		l.customers = append(l.customers, c)
		l.index(len(l.customers)-1, &c)
		return Customer{}, "", false
	}
	before := l.customers[at]
	mergeCustomer(&l.customers[at], &c)
	l.index(at, &l.customers[at])
	return before, how, true
}

func (l *CustomerList) find(kind string, raw, hashed []string) (int, string) {
	for _, v := range raw {
		if i, ok := l.keys[kind+"\x00"+v]; ok {
			return i, kind
		}
	}
	for _, v := range hashed {
		if i, ok := l.keys[kind+"#\x00"+v]; ok {
			return i, kind
		}
	}
	return -1, ""
}

func (l *CustomerList) index(i int, c *Customer) {
	if c.ID != "" && !strings.HasPrefix(c.ID, "line:") {
		l.setKey("id\x00"+c.ID, i)
	}
	for _, v := range c.Emails {
		l.setKey("email\x00"+v, i)
	}
	for _, h := range c.Hashes {
		if h.Field == FieldEmail {
			l.setKey("email#\x00"+h.Hash, i)
		} else if h.Field == FieldPhone {
			l.setKey("phone#\x00"+h.Hash, i)
		}
	}
	for _, v := range c.Phones {
		l.setKey("phone\x00"+v, i)
	}
}

func (l *CustomerList) setKey(k string, i int) {
	if _, ok := l.keys[k]; !ok {
		l.keys[k] = i
	}
}

// Customers returns the customers in the order they were first added.
func (l *CustomerList) Customers() []Customer { return l.customers }

// Len returns the number of distinct customers.
func (l *CustomerList) Len() int { return len(l.customers) }

// mergeCustomer merges src into dst.
func mergeCustomer(dst, src *Customer) {
	if dst.Name == "" {
		dst.Name = src.Name
	}
	if dst.Company == "" {
		dst.Company = src.Company
	}
	if dst.City == "" {
		dst.City = src.City
	}
	if dst.Country == "" {
		dst.Country = src.Country
	}
	for _, v := range src.Emails {
		dst.Emails = appendUnique(dst.Emails, v)
	}
	for _, v := range src.Phones {
		dst.Phones = appendUnique(dst.Phones, v)
	}
	for _, h := range src.Hashes {
		dst.addHash(h.Field, h.Hash)
	}
	for _, h := range src.Handles {
		dst.Handles = appendHandle(dst.Handles, h)
	}
	for _, v := range src.Websites {
		dst.Websites = appendUnique(dst.Websites, v)
	}
	for _, v := range src.Tags {
		dst.Tags = appendUniqueFold(dst.Tags, v)
	}
	if src.Value > dst.Value {
		dst.Value = src.Value
	}
	if src.LastPurchase.After(dst.LastPurchase) {
		dst.LastPurchase = src.LastPurchase
	}
}
