//go:build race

package worker

// raceEnabled is set when the tests run under the race detector, which
// slows every process several times: timeouts are stretched to match.
const raceEnabled = true
