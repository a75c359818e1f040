package audience

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"
)

// memWatch measures the peak memory of the process during a piece of
// benchmarked work. Method:
//
//   - Before the work (timer stopped), a full collection and
//     debug.FreeOSMemory free the benchmark's own generator garbage and
//     hand the free pages back to the kernel, so what remains resident is
//     the live input (the customer list, the CSV bytes) plus the runtime.
//   - The kernel's peak resident set size (VmHWM in /proc/self/status) is
//     then reset by writing "5" to /proc/self/clear_refs, and read again
//     when the work ends: peak-rss-MB is the true peak of the whole
//     process, input included, sampled by the kernel on every page fault.
//     It is reported only where the reset works (Linux).
//   - A goroutine reads runtime/metrics every 5 ms: peak-heap-MB is the
//     heap memory the runtime holds and has not returned to the kernel
//     (HeapInuse+HeapIdle-HeapReleased: /memory/classes/heap/objects,
//     unused and free), peak-go-MB all memory the runtime maps and has not
//     released (/memory/classes/total minus heap/released: heap, stacks,
//     GC metadata, ...). Sampling may miss a spike shorter than 5 ms;
//     peak-rss-MB does not.
//   - input-heap-MB is the live heap when the work starts (the input), and
//     alloc-MB the bytes allocated during the work, garbage included.
//   - cpu-s is the CPU time (user and system) the whole process used
//     during the work: unlike the elapsed time, it barely depends on what
//     else the machine runs (the sampler's share is negligible).
//
// The garbage collector runs with its defaults (GOGC=100, no memory
// limit) unless the environment sets GOGC or GOMEMLIMIT.
type memWatch struct {
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	heap    uint64
	goMem   uint64
	input   uint64
	alloc0  uint64
	rssOK   bool
	cpu0    time.Duration
	cpuOK   bool
	samples []metrics.Sample
}

var memMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/allocs:bytes",
}

// startMemWatch frees garbage, resets the peak RSS and starts sampling.
// Call it with the benchmark timer stopped.
func startMemWatch() *memWatch {
	runtime.GC()
	debug.FreeOSMemory()
	w := &memWatch{done: make(chan struct{})}
	w.samples = make([]metrics.Sample, len(memMetrics))
	for i, n := range memMetrics {
		w.samples[i].Name = n
	}
	w.rssOK = resetPeakRSS()
	objects, _, allocs := w.read()
	w.input, w.alloc0 = objects, allocs
	w.cpu0, w.cpuOK = processCPU()
	w.wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-t.C:
				w.read()
			}
		}
	})
	return w
}

// read samples the metrics, records the peaks and returns the heap
// objects' bytes, the heap held and the bytes allocated so far.
func (w *memWatch) read() (objects, heap, allocs uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	metrics.Read(w.samples)
	v := func(i int) uint64 { return w.samples[i].Value.Uint64() }
	objects = v(0)
	heap = v(0) + v(1) + v(2)
	goMem := v(4) - v(3)
	w.heap = max(w.heap, heap)
	w.goMem = max(w.goMem, goMem)
	return objects, heap, v(5)
}

// stop ends the sampling and reports the figures on b.
func (w *memWatch) stop(b *testing.B) {
	cpu, cpuOK := processCPU()
	close(w.done)
	w.wg.Wait()
	_, _, allocs := w.read()
	const mb = 1 << 20
	b.ReportMetric(float64(w.heap)/mb, "peak-heap-MB")
	b.ReportMetric(float64(w.goMem)/mb, "peak-go-MB")
	b.ReportMetric(float64(w.input)/mb, "input-heap-MB")
	b.ReportMetric(float64(allocs-w.alloc0)/mb, "alloc-MB")
	if w.cpuOK && cpuOK {
		b.ReportMetric((cpu - w.cpu0).Seconds(), "cpu-s")
	}
	if w.rssOK {
		if hwm, ok := procStatusKB("VmHWM:"); ok {
			b.ReportMetric(float64(hwm)/1024, "peak-rss-MB")
		}
	}
}

// resetPeakRSS resets the kernel's record of the peak resident set size
// to the current one, and reports whether that worked.
func resetPeakRSS() bool {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return false
	}
	hwm, ok1 := procStatusKB("VmHWM:")
	rss, ok2 := procStatusKB("VmRSS:")
	// The peak must now be the current size (pages may be touched between
	// the two reads).
	return ok1 && ok2 && hwm <= rss+rss/16
}

// procStatusKB reads a "Name: N kB" line of /proc/self/status.
func procStatusKB(name string) (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(data) {
		rest, ok := bytes.CutPrefix(line, []byte(name))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseUint(string(f[0]), 10, 64)
		return n, err == nil
	}
	return 0, false
}
