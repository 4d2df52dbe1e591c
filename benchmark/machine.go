package benchmark

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Machine describes where a run took place, for the report.
type Machine struct {
	OS, Arch   string
	CPU        string
	NumCPU     int
	GOMAXPROCS int
	GoVersion  string
	// MemTotal is the machine's memory in bytes, 0 if unknown.
	MemTotal int64
}

// ThisMachine describes the current machine, from the Go runtime and, on
// Linux, /proc.
func ThisMachine() Machine {
	m := Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, NumCPU: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	m.CPU = procField("/proc/cpuinfo", "model name")
	var kb int64
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		fmt.Sscanf(v, "%d", &kb)
	}
	m.MemTotal = kb * 1024
	return m
}

// procField returns the value of the first "key: value" line of a /proc
// file, or "".
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// String is a one-line description.
func (m Machine) String() string {
	cpu := m.CPU
	if cpu == "" {
		cpu = "unknown CPU"
	}
	s := fmt.Sprintf("%s/%s, %s, %d cores (GOMAXPROCS %d), %s", m.OS, m.Arch, cpu, m.NumCPU, m.GOMAXPROCS, m.GoVersion)
	if m.MemTotal > 0 {
		s += fmt.Sprintf(", %.0f GiB RAM", float64(m.MemTotal)/(1<<30))
	}
	return s
}
