//go:build unix

package retrieval

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps a whole file read-only. The mapping stays valid after the
// file is deleted or replaced by a rename (saves never write into an
// existing data file), and pages come from the page cache on first touch,
// so opening an index costs neither a read nor a decode of its bulk.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("mapping %s: %d bytes is too large", f.Name(), size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("mapping %s: %w", f.Name(), err)
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
