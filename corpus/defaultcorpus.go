package corpus

import (
	"embed"
	"io/fs"
)

//go:embed defaultcorpus/*.txt
var defaultFiles embed.FS

// Default returns the shipped corpus, embedded in the binary, so that
// faqbot answers from any directory with no set-up.
func Default() fs.FS {
	sub, err := fs.Sub(defaultFiles, "defaultcorpus")
	if err != nil {
		// fs.Sub only fails on an invalid path, and the path is a constant.
		panic(err)
	}
	return sub
}
