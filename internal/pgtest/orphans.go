package pgtest

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// tempPrefix starts the name of every server folder Start makes.
	tempPrefix = "faqbot-pgtest-"
	// ownerFile, in a server folder, holds the PID of the test binary that
	// made it.
	ownerFile = "owner.pid"
	// orphanAge is how old a server folder without an owner file must be
	// before it counts as abandoned: younger ones may be being made.
	orphanAge = 10 * time.Minute
)

// removeOrphans removes the server folders that test binaries killed
// before they could stop their server left behind (the server itself died
// with them): those whose owner is no longer running. Each holds a
// cluster of some 40 MB.
func removeOrphans(tmp string, logf func(string, ...any)) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, tempPrefix+"*"))
	for _, d := range dirs {
		if !orphaned(d) {
			continue
		}
		if err := os.RemoveAll(d); err == nil {
			logf("pgtest: removed %s, left by a test binary that is gone", d)
		}
	}
}

// orphaned reports whether the server folder d belongs to no running
// process.
func orphaned(d string) bool {
	b, err := os.ReadFile(filepath.Join(d, ownerFile))
	if errors.Is(err, os.ErrNotExist) {
		info, err := os.Stat(d)
		return err == nil && time.Since(info.ModTime()) > orphanAge
	}
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return false
	}
	// Signal 0 checks that the process exists without touching it.
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
