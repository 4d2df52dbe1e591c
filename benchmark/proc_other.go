//go:build !unix

package benchmark

import (
	"os"
	"time"
)

// ownPeak has nothing to do where peak memory is not measured.
func ownPeak() {}

// maxRSS is unknown without the kernel's resource accounting.
func maxRSS(*os.ProcessState) int64 { return 0 }

// cpuTime is the CPU time a finished child used, user and system.
func cpuTime(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }
