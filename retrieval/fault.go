package retrieval

import (
	"fmt"
	"runtime/debug"
)

// A saved index is read in place from mapped files, which saves never
// change (they write new files and rename them). A file truncated or
// rewritten in place by another program (cp over a live index folder)
// makes a read of its mapping fault; by default that crashes the process.
// The methods that read shards run under guard instead, which turns such
// a fault into an error wrapping ErrCorrupt; the index should then be
// reopened.

// guard runs fn with faults on mapped memory turned into panics, and
// turns those panics into an error.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); ok {
				err = fmt.Errorf("reading the index files (changed in place?): %v: %w", r, ErrCorrupt)
				return
			}
			panic(r)
		}
	}()
	return fn()
}
