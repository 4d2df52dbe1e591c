//go:build !unix

package retrieval

import (
	"fmt"
	"io"
	"os"
)

// mapFile reads a whole file into memory where memory mapping is not
// available: loading costs a read, but the index works the same.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", f.Name(), err)
	}
	return b, func() error { return nil }, nil
}

// release does nothing where files are read into memory.
func release([]byte) {}
