package corpus

import (
	"strconv"
	"strings"
)

// Document is one source file after cleaning.
type Document struct {
	// ID is the file name inside the corpus folder; it is stable across runs
	// and is what users see as the source.
	ID string
	// Title is the document's headline (navigation breadcrumbs and date lines
	// are skipped to find it).
	Title string
	// Date is the publication date in ISO form (2006-01-02) when the text
	// gives one, or "".
	Date string
	// URL is the document's link: its canonical link when it gives one,
	// else (once built with a source URL template) its page on the
	// published site, or "".
	URL string
	// PagePath and Slug are a site-relative permalink and a slug from
	// front matter: where the page sits on the published site, which a
	// source URL template resolves.
	PagePath, Slug string
	// Sections hold the cleaned content in reading order: FAQ entries
	// (Question set) or runs of article paragraphs.
	Sections []Section
	// Hash is the hex SHA-256 of the raw file bytes; the index manifest
	// compares it to decide what must be re-embedded.
	Hash string
}

// Section is a part of a document: either one FAQ entry (a question and its
// answer) or a run of paragraphs under an optional heading.
type Section struct {
	// Question is the question of an FAQ entry, or "" for article text.
	Question string
	// Heading is the heading above article text, or "".
	Heading string
	// Paragraphs are the cleaned paragraphs, in order.
	Paragraphs []string
	// URL links to this section (an HTML anchor), or "".
	URL string
}

// Chunk is a passage: the unit that is embedded, searched and cited.
type Chunk struct {
	// ID is unique in a corpus: "<DocID>#<Pos>" (ChunkID).
	ID string
	// DocID is the ID of the document the passage comes from.
	DocID string
	// DocTitle is the title of that document.
	DocTitle string
	// Title is the passage's own title: the question of an FAQ entry, the
	// section heading, or the document title.
	Title string
	// Text is the passage text (for FAQ entries, the answer only).
	Text string
	// Pos is the passage's position in its document, from 0.
	Pos int
	// URL links to the passage or its document, or "".
	URL string
	// Hash is the hex SHA-256 of Title and Text; an unchanged hash means the
	// stored embedding can be reused.
	Hash string
	// DupOf is the ID of the passage this one nearly duplicates (the
	// canonical copy), or "". Duplicates stay searchable but are never shown
	// twice among one answer's sources.
	DupOf string
}

// ChunkID is the ID of the passage at pos in document docID: what
// Chunk.ID holds, and what the store records as an answer's sources, so
// its form must not change.
func ChunkID(docID string, pos int) string {
	return docID + "#" + strconv.Itoa(pos)
}

// SplitChunkID reads a passage ID made by ChunkID back into its document
// and position; ok is false when id is not of that form. It cuts at the
// last "#", because a document's ID is a file name, which may hold one.
func SplitChunkID(id string) (docID string, pos int, ok bool) {
	i := strings.LastIndexByte(id, '#')
	if i < 0 {
		return "", 0, false
	}
	pos, err := strconv.Atoi(id[i+1:])
	// Only ChunkID's own spelling: no sign, no leading zeros.
	if err != nil || pos < 0 || strconv.Itoa(pos) != id[i+1:] {
		return "", 0, false
	}
	return id[:i], pos, true
}

// Skip records a file that was not loaded and why.
type Skip struct {
	// Path is the file's path relative to the corpus folder.
	Path string
	// Reason says why it was skipped, in a few lowercase words.
	Reason string
}
