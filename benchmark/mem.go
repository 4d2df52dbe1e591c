package benchmark

import (
	"bytes"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
)

// Mem is a snapshot of the process's memory.
type Mem struct {
	// RSS is the resident set size (from /proc/self/statm), or, where that
	// file does not exist, the memory the Go runtime has mapped and not
	// released to the OS.
	RSS int64
	// Heap is the bytes of live and not yet swept heap objects.
	Heap int64
}

// ReadMem settles the heap (a full GC, with freed pages returned to the OS,
// so that garbage of earlier steps does not count) and takes a snapshot.
func ReadMem() Mem {
	debug.FreeOSMemory()
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(s)
	m := Mem{Heap: int64(s[0].Value.Uint64())}
	if rss, ok := statmRSS(); ok {
		m.RSS = rss
	} else {
		m.RSS = int64(s[1].Value.Uint64() - s[2].Value.Uint64())
	}
	return m
}

// statmRSS reads the resident set size from /proc/self/statm (Linux).
func statmRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
