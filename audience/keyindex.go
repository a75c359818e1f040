package audience

import (
	"hash/maphash"
	"math/bits"
)

// keyIndex maps exact keys (emails, phones, handles, websites, hashes) to
// customer indexes without storing the keys. The keys are the customers'
// own strings: a slot holds the customer index value, which of the
// customer's values is the key (its position in the customer's slice of
// that kind: Emails, Phones, Websites, Handles or Hashes), and 16 bits of
// the key's hash. A lookup compares the fragment first and then the
// customer's value itself, so collisions are always told apart. It costs 8
// bytes a slot where a map costs an entry and a string header per key.
//
// An index value v >= 0 is a customer; v < 0 stands for the list
// Matcher.multi[-v-1] of the customers sharing the key (the ordinal is the
// first one's).
type keyIndex struct {
	seed  maphash.Seed
	slots []uint64 // 0 when empty, else 1<<63 | fragment<<47 | ordinal<<32 | uint32(v)
	n     int
	// key returns customer c's value at ordinal ord.
	key func(c *Customer, ord int) string
	// fragMask selects the hash bits kept in a slot (0xffff; tests use
	// fewer to make collisions common).
	fragMask uint64
	// big holds the keys at ordinals the slots cannot hold (customers
	// with more than maxOrdinal values of a kind).
	big map[string]int32
}

const maxOrdinal = 1<<15 - 1

func newKeyIndex(seed maphash.Seed, hint int, fragMask uint64, key func(*Customer, int) string) *keyIndex {
	return &keyIndex{seed: seed, key: key, fragMask: fragMask, slots: make([]uint64, tableSize(hint))}
}

// tableSize returns a table size that holds n keys at a load of at most
// 3/4 (at least 8 slots).
func tableSize(n int) int { return max(8, n+n/3+1) }

// home returns the first slot of a hash in a table of size slots: the
// high bits of the hash scaled to the size (any size works, not only a
// power of two).
func home(h uint64, size int) int {
	hi, _ := bits.Mul64(h, uint64(size))
	return int(hi)
}

// find returns the slot holding key, or the empty slot where it belongs,
// and the key's hash fragment.
func (x *keyIndex) find(m *Matcher, key string) (slot int, frag uint64, found bool) {
	h := maphash.String(x.seed, key)
	frag = h & x.fragMask // low bits: home uses the high ones
	for i := home(h, len(x.slots)); ; i = next(i, len(x.slots)) {
		s := x.slots[i]
		if s == 0 {
			return i, frag, false
		}
		if (s>>47)&0xffff != frag {
			continue
		}
		v := int32(uint32(s))
		first := v
		if v < 0 {
			first = m.multi[-v-1][0]
		}
		if x.key(&m.customers[first], int(s>>32)&maxOrdinal) == key {
			return i, frag, true
		}
	}
}

// next returns the slot after i, wrapping around.
func next(i, size int) int {
	if i++; i == size {
		return 0
	}
	return i
}

func (x *keyIndex) value(i int) int32 { return int32(uint32(x.slots[i])) }

func (x *keyIndex) setValue(i int, v int32) {
	x.slots[i] = x.slots[i]&^0xffffffff | uint64(uint32(v))
}

// grow doubles the table when one more key would fill it beyond 3/4.
func (x *keyIndex) grow(m *Matcher) {
	if (x.n+1)*4 <= len(x.slots)*3 {
		return
	}
	old := x.slots
	x.slots = make([]uint64, 2*len(old))
	for _, s := range old {
		if s == 0 {
			continue
		}
		v := int32(uint32(s))
		first := v
		if v < 0 {
			first = m.multi[-v-1][0]
		}
		h := maphash.String(x.seed, x.key(&m.customers[first], int(s>>32)&maxOrdinal))
		i := home(h, len(x.slots))
		for x.slots[i] != 0 {
			i = next(i, len(x.slots))
		}
		x.slots[i] = s
	}
}

// put indexes key (customer ci's value at ordinal ord) → ci, keeping every
// customer of a shared key.
func (m *Matcher) put(x *keyIndex, key string, ord int, ci int32) {
	if ord > maxOrdinal {
		if x.big == nil {
			x.big = map[string]int32{}
		}
		if v, ok := x.big[key]; ok {
			x.big[key] = m.addToKey(v, ci)
			return
		}
		// The key may also be held by the slots, for customers that
		// listed it earlier in their values.
		if i, _, ok := x.find(m, key); ok {
			x.setValue(i, m.addToKey(x.value(i), ci))
			return
		}
		x.big[key] = ci
		return
	}
	x.grow(m)
	i, frag, ok := x.find(m, key)
	if ok {
		x.setValue(i, m.addToKey(x.value(i), ci))
		return
	}
	if v, ok := x.big[key]; ok {
		x.big[key] = m.addToKey(v, ci)
		return
	}
	x.slots[i] = 1<<63 | frag<<47 | uint64(ord)<<32 | uint64(uint32(ci))
	x.n++
}

// addToKey returns the index value for the customers of v and ci.
func (m *Matcher) addToKey(v, ci int32) int32 {
	if v >= 0 {
		if v == ci {
			return v
		}
		m.multi = append(m.multi, []int32{v, ci})
		return -int32(len(m.multi))
	}
	list := m.multi[-v-1]
	for _, c := range list {
		if c == ci {
			return v
		}
	}
	m.multi[-v-1] = append(list, ci)
	return v
}

// get returns the customers indexed under key, using one's storage for a
// single customer.
func (m *Matcher) get(x *keyIndex, key string, one *[1]int32) []int32 {
	if x == nil || x.n == 0 && x.big == nil || key == "" {
		return nil
	}
	v, ok := int32(0), false
	if i, _, found := x.find(m, key); found {
		v, ok = x.value(i), true
	} else if x.big != nil {
		v, ok = x.big[key]
	}
	if !ok {
		return nil
	}
	if v >= 0 {
		one[0] = v
		return one[:]
	}
	return m.multi[-v-1]
}

// len returns the number of keys indexed.
func (x *keyIndex) len() int {
	if x == nil {
		return 0
	}
	return x.n + len(x.big)
}
