// Package corpus turns a folder of scraped or hand-written documents into clean,
// searchable passages: it reads plain text, Markdown (with YAML or TOML front
// matter), MDX, reStructuredText and HTML, strips site chrome (menus, "See
// also" links, share bars, author bios, lists of unrelated headlines),
// unwraps docs-site components, keeps table rows whole with their column
// names, recognises FAQ structure, splits articles on paragraph boundaries
// and finds near-duplicate documents and passages.
package corpus
