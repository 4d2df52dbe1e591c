//go:build unix

package benchmark

import (
	"os"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"
)

// ownPeak makes the peak memory of the next child started its own. A
// child started by os/exec shares this process's memory until it executes
// its program (vfork), and Linux then records this process's peak
// resident memory as the child's (exec keeps the old memory's high-water
// mark in ru_maxrss): every faqbot started after the benchmark had held a
// generated corpus reported at least that (a cold ask of 10,000 documents
// measured 260 MiB instead of its own 126 MiB). Returning free memory to
// the system and resetting this process's high-water mark to its current
// resident memory (clear_refs, Linux 4.0 and later) leaves that current
// memory, a few tens of megabytes, as the floor. Elsewhere it does
// nothing harmful: the file does not exist, and fork does not share.
func ownPeak() {
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

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
