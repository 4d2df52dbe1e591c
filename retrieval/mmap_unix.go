//go:build unix

package retrieval

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
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
	// A query reads a few rows of the full vectors and a few passages,
	// scattered: no read-ahead. Advice only; failure is fine.
	syscall.Madvise(b, syscall.MADV_RANDOM)
	return b, func() error { return syscall.Munmap(b) }, nil
}

// release drops the process's mappings of the pages of b (a part of a
// mapped file), which stay in the page cache: the next read maps them
// again. The kernel maps a file's pages in large folios (a megabyte or
// two at a time on ext4 with recent kernels), so a query that reads a
// hundred scattered rows of vectors would otherwise leave a hundred
// megabytes of the index in the process's resident memory, and a server
// answering for days all of it.
func release(b []byte) {
	if len(b) == 0 {
		return
	}
	ps := uintptr(os.Getpagesize())
	lo := uintptr(unsafe.Pointer(&b[0])) &^ (ps - 1)
	hi := (uintptr(unsafe.Pointer(&b[0])) + uintptr(len(b)) + ps - 1) &^ (ps - 1)
	syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, syscall.MADV_DONTNEED)
}
