// Package retrieval finds the passages that answer a question: it embeds
// passages with a pluggable Embedder (a built-in offline one by default),
// holds the vectors in a chromem-go collection, keeps a BM25 index beside
// them, fuses the two rankings, collapses near-duplicates, and persists the
// whole index to a folder with a manifest so a stale index is rebuilt.
package retrieval
