package analytics

import (
	"math"
	"math/bits"
)

// hllP is the precision of distinctCounter: 2^12 registers, standard error
// 1.04/√4096 ≈ 1.6%.
const hllP = 12

// distinctCounter estimates the number of distinct strings in a stream in
// fixed memory (4 KiB): HyperLogLog (Flajolet et al. 2007) with the
// linear-counting correction for small counts. The hash is FNV-1a followed
// by the SplitMix64 finaliser, so estimates are deterministic.
type distinctCounter struct {
	reg [1 << hllP]uint8
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

func (d *distinctCounter) add(s string) {
	h := hashString(s)
	idx := h >> (64 - hllP)
	rho := uint8(bits.LeadingZeros64(h<<hllP|1<<(hllP-1)) + 1)
	if rho > d.reg[idx] {
		d.reg[idx] = rho
	}
}

func (d *distinctCounter) estimate() int64 {
	const m = float64(1 << hllP)
	alpha := 0.7213 / (1 + 1.079/m)
	var sum float64
	zeros := 0
	for _, r := range d.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(math.Round(e))
}
