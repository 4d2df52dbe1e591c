// Package corpus turns a folder of scraped or hand-written documents into clean,
// searchable passages: it reads .txt, .md and .html files, strips site chrome
// (menus, "See also" links, share bars, author bios, lists of unrelated
// headlines), recognises FAQ structure, splits articles on paragraph
// boundaries and finds near-duplicate documents and passages.
package corpus
