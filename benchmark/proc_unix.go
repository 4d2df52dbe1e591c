//go:build unix

package benchmark

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// maxRSS is a finished child's peak resident memory in bytes, from the
// kernel's accounting (Linux counts kilobytes, macOS bytes).
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return ru.Maxrss
	}
	return ru.Maxrss * 1024
}

// cpuTime is the CPU time a finished child used, user and system.
func cpuTime(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }
