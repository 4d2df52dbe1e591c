//go:build linux && !race

// The race detector's shadow memory of what this test held is not returned
// to the system, so under it the floor (this process's current resident
// memory) stays high.

package benchmark

import (
	"context"
	"os"
	"runtime"
	"testing"
)

// TestChildPeakIsItsOwn: a child's peak memory is not the benchmark's. On
// Linux a child started by os/exec used to report at least the peak
// resident memory of the process that started it.
func TestChildPeakIsItsOwn(t *testing.T) {
	const held = 192 << 20
	b := make([]byte, held)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	b = nil // the benchmark let go of it, as of a generated corpus
	runtime.GC()
	// The child is this test binary running no test: a few megabytes.
	p, _, _, err := runProc(context.Background(), os.Args[0], t.TempDir(), nil, "-test.run=^$")
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxRSS <= 0 || p.MaxRSS >= held/2 {
		t.Errorf("child's peak resident memory %d MiB, want its own (well under the %d MiB this process held)", p.MaxRSS>>20, held>>20)
	}
}
