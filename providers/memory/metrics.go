package memory

import (
	"math"
	"math/rand/v2"

	"github.com/rapportkit/rapport/providers"
)

// metrics computes p's counters now. Likes, reposts, replies and quotes are
// counted; reach and impressions are simulated, deterministically for the
// network's seed:
//
//   - a public, unlisted or followers-only post reaches a share of its
//     author's current followers, between 20% and 60% depending on the seed
//     and the post;
//   - each repost of a public or unlisted post adds a share (up to 50%) of
//     the reposter's followers;
//   - everybody who liked, reposted or answered it was reached;
//   - a direct message reaches its recipients;
//   - reach never exceeds the number of other accounts on the network;
//   - impressions are reach plus 0-50% repeat views, plus one per like and
//     reply.
//
// The caller holds n.mu.
func (n *Network) metrics(p *post) providers.Metrics {
	likes, reposts := int64(len(p.likes)), int64(len(p.reposts))
	var reach float64
	if p.visibility == providers.VisibilityDirect {
		reach = float64(len(p.recipients))
	} else {
		reach = math.Round(float64(p.author.followers.len()) * (0.2 + 0.4*n.unit(p.seq, 0)))
		if p.visibility != providers.VisibilityFollowers {
			for r := range p.reposts {
				reach += math.Round(float64(r.followers.len()) * 0.5 * n.unit(p.seq, r.seq))
			}
		}
		reach += float64(likes + reposts + int64(p.replies))
	}
	if others := float64(len(n.accounts) - 1); reach > others {
		reach = max(others, 0)
	}
	impressions := reach + math.Round(reach*0.5*n.unit(p.seq, -1)) + float64(likes) + float64(p.replies)
	return providers.Metrics{
		Post:        n.ref(p),
		Likes:       providers.Known(likes),
		Reposts:     providers.Known(reposts),
		Replies:     providers.Known(int64(p.replies)),
		Quotes:      providers.Known(int64(p.quotes)),
		Impressions: providers.Known(int64(impressions)),
		Reach:       providers.Known(int64(reach)),
		MeasuredAt:  n.cfg.now(),
	}
}

// unit returns a number in [0, 1) determined by the seed and a, b
// (splitmix64 over their combination).
func (n *Network) unit(a, b int64) float64 {
	x := uint64(n.cfg.seed)*0x9E3779B97F4A7C15 ^ uint64(a)*0xBF58476D1CE4E5B9 ^ uint64(b)*0x94D049BB133111EB
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// Rand returns a source of randomness for simulations built on the
// network, determined by the network's seed and stream: the same seed and
// stream always give the same sequence, and different streams give
// independent ones (use one stream per simulated actor or purpose). The
// returned *rand.Rand is not safe for concurrent use.
func (n *Network) Rand(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(n.cfg.seed), stream))
}
