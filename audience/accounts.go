package audience

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"strings"

	"github.com/rapportkit/rapport/providers"
)

// accountStore keeps the accounts a survey has seen, compactly: a
// fixed-size entry per account (16 bytes, no pointers) in chunks that are
// never copied, and the account's id, handle and display name in an
// append-only text arena. An AccountRef is rebuilt on demand with strings
// that point into the arena, so reading one copies nothing. An index finds
// an account by platform and key (id, or "@"+handle without one).
type accountStore struct {
	entries [][]accountEntry
	n       int

	// text holds, for each account, the lengths of its id, handle and
	// display name as uvarints, then the three strings. Every chunk is a
	// Builder that is never written beyond its capacity, so its bytes,
	// once written, never change: strings taken from it stay valid.
	text []*strings.Builder

	platforms []providers.Platform
	platIdx   map[providers.Platform]uint32

	// The index: an open-addressing table of entry numbers, with a tag
	// per slot (0 when empty, else 0x80 and 7 bits of the key's hash) so
	// that most probes read only the tags. 5 bytes a slot.
	seed  maphash.Seed
	tags  []uint8
	slots []uint32
}

type accountEntry struct {
	chunk, off  uint32 // where the account's text starts
	engagements uint32 // saturates at math.MaxUint32
	platform    uint32 // index in platforms; top bit: the account follows
}

const (
	entryChunk = 8192
	textChunk  = 1 << 20
	followBit  = 1 << 31
)

func newAccountStore() *accountStore {
	return &accountStore{seed: maphash.MakeSeed(), platIdx: map[providers.Platform]uint32{}}
}

func (s *accountStore) entry(i int32) *accountEntry {
	return &s.entries[i/entryChunk][i%entryChunk]
}

// platformIndex returns p's index, adding it when new.
func (s *accountStore) platformIndex(p providers.Platform) uint32 {
	if i, ok := s.platIdx[p]; ok {
		return i
	}
	i := uint32(len(s.platforms))
	s.platforms = append(s.platforms, p)
	s.platIdx[p] = i
	return i
}

// keyHash hashes an account's key: its id, or "@" and its handle when it
// has none, on its platform.
func (s *accountStore) keyHash(pi uint32, id, handle string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], pi)
	h.Write(b[:])
	if id != "" {
		h.WriteString(id)
	} else {
		h.WriteByte('@')
		h.WriteString(handle)
	}
	return h.Sum64()
}

// lookup returns the entry of the account with this platform and key and
// the hash to add it with when there is none.
func (s *accountStore) lookup(pi uint32, id, handle string) (int32, uint64, bool) {
	h := s.keyHash(pi, id, handle)
	if len(s.tags) == 0 {
		return 0, h, false
	}
	tag := hashTag(h)
	for i := home(h, len(s.tags)); ; i = next(i, len(s.tags)) {
		t := s.tags[i]
		if t == 0 {
			return 0, h, false
		}
		if t == tag && s.sameKey(int32(s.slots[i]), pi, id, handle) {
			return int32(s.slots[i]), h, true
		}
	}
}

func hashTag(h uint64) uint8 { return 0x80 | uint8(h&0x7f) }

// place puts entry e, whose key hashes to h, in the first free slot.
func (s *accountStore) place(h uint64, e int32) {
	i := home(h, len(s.tags))
	for s.tags[i] != 0 {
		i = next(i, len(s.tags))
	}
	s.tags[i], s.slots[i] = hashTag(h), uint32(e)
}

// sameKey reports whether entry e has this platform and key.
func (s *accountStore) sameKey(e int32, pi uint32, id, handle string) bool {
	en := s.entry(e)
	if en.platform&^followBit != pi {
		return false
	}
	eid, ehandle, _ := s.text3(en)
	if eid != "" {
		if id != "" {
			return eid == id
		}
		return len(eid) == len(handle)+1 && eid[0] == '@' && eid[1:] == handle
	}
	if id != "" {
		return len(id) == len(ehandle)+1 && id[0] == '@' && id[1:] == ehandle
	}
	return ehandle == handle
}

// add stores a new account whose key hashes to h and returns its entry.
func (s *accountStore) add(h uint64, pi uint32, id, handle, name string, follower bool, engagements int) int32 {
	if (s.n+1)*4 > len(s.tags)*3 {
		s.growTable()
	}
	e := int32(s.n)
	if s.n%entryChunk == 0 {
		s.entries = append(s.entries, make([]accountEntry, 0, entryChunk))
	}
	en := accountEntry{platform: pi}
	if follower {
		en.platform |= followBit
	}
	en.engagements = saturate(0, engagements)
	en.chunk, en.off = s.writeText(id, handle, name)
	last := len(s.entries) - 1
	s.entries[last] = append(s.entries[last], en)
	s.n++
	s.place(h, e)
	return e
}

// update records that an account already seen follows or engaged again.
func (s *accountStore) update(e int32, follower bool, engagements int) {
	en := s.entry(e)
	if follower {
		en.platform |= followBit
	}
	en.engagements = saturate(en.engagements, engagements)
}

func saturate(n uint32, add int) uint32 {
	if add <= 0 {
		return n
	}
	if uint64(n)+uint64(add) > math.MaxUint32 {
		return math.MaxUint32
	}
	return n + uint32(add)
}

// growTable doubles the index, hashing the keys again from the entries.
func (s *accountStore) growTable() { s.resize(max(1024, 2*len(s.tags))) }

// reserve makes room in the index for n more accounts, so that it does not
// grow while they are added.
func (s *accountStore) reserve(n int) {
	if need := s.n + n; need*4 > len(s.tags)*3 {
		s.resize(max(1024, need+need/3+1))
	}
}

// resize rebuilds the index with size slots.
func (s *accountStore) resize(size int) {
	s.tags, s.slots = make([]uint8, size), make([]uint32, size)
	for e := range s.n {
		en := s.entry(int32(e))
		id, handle, _ := s.text3(en)
		s.place(s.keyHash(en.platform&^followBit, id, handle), int32(e))
	}
}

// writeText appends an account's strings to the arena and returns where
// they start.
func (s *accountStore) writeText(id, handle, name string) (chunk, off uint32) {
	size := 3*binary.MaxVarintLen64 + len(id) + len(handle) + len(name)
	var b *strings.Builder
	if n := len(s.text); n > 0 && s.text[n-1].Cap()-s.text[n-1].Len() >= size {
		b = s.text[n-1]
	} else {
		b = &strings.Builder{}
		b.Grow(max(textChunk, size))
		s.text = append(s.text, b)
	}
	chunk, off = uint32(len(s.text)-1), uint32(b.Len())
	var lens [3 * binary.MaxVarintLen64]byte
	k := binary.PutUvarint(lens[:], uint64(len(id)))
	k += binary.PutUvarint(lens[k:], uint64(len(handle)))
	k += binary.PutUvarint(lens[k:], uint64(len(name)))
	b.Write(lens[:k])
	b.WriteString(id)
	b.WriteString(handle)
	b.WriteString(name)
	return chunk, off
}

// text3 returns an entry's id, handle and display name.
func (s *accountStore) text3(en *accountEntry) (id, handle, name string) {
	return readText(s.text[en.chunk].String(), en.off)
}

func readText(chunk string, off uint32) (id, handle, name string) {
	t := chunk[off:]
	var lens [3]int
	for i := range lens {
		v, k := uvarint(t)
		lens[i], t = int(v), t[k:]
	}
	return t[:lens[0]], t[lens[0] : lens[0]+lens[1]], t[lens[0]+lens[1] : lens[0]+lens[1]+lens[2]]
}

// uvarint decodes a uvarint written by binary.PutUvarint at the start of s.
func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return x, len(s)
}

// accountView is a read-only snapshot of an accountStore: the accounts
// seen so far, which later additions do not change (the follower flags
// and engagement counts of those accounts may still grow).
type accountView struct {
	entries   [][]accountEntry
	n         int
	text      []string
	platforms []providers.Platform
}

func (s *accountStore) view() *accountView {
	v := &accountView{n: s.n, entries: make([][]accountEntry, len(s.entries)),
		text: make([]string, len(s.text)), platforms: append([]providers.Platform(nil), s.platforms...)}
	copy(v.entries, s.entries)
	for i, b := range s.text {
		v.text[i] = b.String()
	}
	return v
}

func (v *accountView) entry(i int) *accountEntry { return &v.entries[i/entryChunk][i%entryChunk] }

func (v *accountView) platform(i int) providers.Platform {
	return v.platforms[v.entry(i).platform&^followBit]
}

// ref rebuilds account i's reference.
func (v *accountView) ref(i int) AccountRef {
	en := v.entry(i)
	id, handle, name := readText(v.text[en.chunk], en.off)
	return AccountRef{
		Platform:    v.platforms[en.platform&^followBit],
		ID:          id,
		Handle:      handle,
		DisplayName: name,
		Follower:    en.platform&followBit != 0,
		Engagements: int(en.engagements),
	}
}
