package sources

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// Kind says what a Source's URL points at.
type Kind string

// The kinds of source.
const (
	// KindPage is one web page.
	KindPage Kind = "page"
	// KindSitemap is a sitemap (XML, a sitemap index, or plain text; gzip
	// allowed): every page it lists on its own host is fetched.
	KindSitemap Kind = "sitemap"
	// KindSite is a site root (or a folder of a site): its sitemaps are
	// found through robots.txt, else at /sitemap.xml, and the pages they
	// list under the root's path are fetched.
	KindSite Kind = "site"
	// KindGit is a Git repository: the documentation files (.md, .mdx,
	// .markdown, .rst, .txt) of one folder of one branch.
	KindGit Kind = "git"
)

// Source describes where documents come from. It is plain data: callers
// store it (JSON field names are stable) and pass it to Fetcher.Fetch.
type Source struct {
	// Kind is what URL points at.
	Kind Kind `json:"kind"`
	// URL is the page, sitemap, site root or repository (http or https;
	// for Git also file:// when the fetcher allows local repositories).
	URL string `json:"url"`
	// Branch is the Git branch; "" means the repository's default branch.
	Branch string `json:"branch,omitempty"`
	// Folder is the folder inside the repository whose files are taken,
	// with its subfolders; "" means the whole repository.
	Folder string `json:"folder,omitempty"`
	// LinkBase, for Git, is the URL the files are published under: a
	// file's link is LinkBase followed by its path inside Folder without
	// the extension ("guide/install.md" -> LinkBase+"guide/install"; an
	// index or README file links to its folder). When empty, files on
	// GitHub, GitLab and Codeberg link to their page on the forge and
	// others have no link.
	LinkBase string `json:"link_base,omitempty"`
}

// forges are the hosts whose repository URLs ParseSource recognises, with
// the path element that precedes a branch name in their folder URLs.
var forges = map[string]string{
	"github.com":   "tree",
	"gitlab.com":   "-/tree",
	"codeberg.org": "src/branch",
}

// ParseSource reads what a moderator or operator typed into a Source,
// guessing its kind: "git+URL", a URL ending in .git, a file:// URL, or a
// repository or folder on GitHub, GitLab or Codeberg
// (https://github.com/org/repo/tree/main/docs) is a Git source; a URL
// whose path ends in .xml or .xml.gz, or names a sitemap, is a sitemap; a
// URL with an empty path or "/" is a site; anything else is a page. The
// result is validated; Fetcher.Check also says whether the fetcher may
// reach it.
func ParseSource(raw string) (Source, error) {
	raw = strings.TrimSpace(raw)
	git := false
	if rest, ok := strings.CutPrefix(raw, "git+"); ok {
		raw, git = rest, true
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" && u.Scheme != "file" {
		return Source{}, fmt.Errorf("%w: %q is not a URL (give one starting with https://)", ErrBadSource, raw)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Scheme == "file" {
		git = true
	}
	src := Source{Kind: KindPage, URL: u.String()}
	p := strings.TrimSuffix(u.Path, "/")
	low := strings.ToLower(p)
	switch {
	case git || strings.HasSuffix(low, ".git"):
		src.Kind = KindGit
	case forges[strings.ToLower(u.Hostname())] != "" && isForgeRepo(u, &src):
		src.Kind = KindGit
	case strings.HasSuffix(low, ".xml") || strings.HasSuffix(low, ".xml.gz") ||
		strings.HasPrefix(path.Base(low), "sitemap"):
		src.Kind = KindSitemap
	case p == "":
		src.Kind = KindSite
	}
	if err := src.Validate(); err != nil {
		return Source{}, err
	}
	return src, nil
}

// isForgeRepo reports whether u is a repository on a known forge (exactly
// org/repo, or org/repo/<tree>/<branch>/<folder...>) and, when it is, sets
// src's URL to the repository and its Branch and Folder from the path.
// A branch whose name holds a slash cannot be told from a folder this
// way; such a source needs Branch and Folder set explicitly.
func isForgeRepo(u *url.URL, src *Source) bool {
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return false
	}
	repo := *u
	repo.Path = "/" + parts[0] + "/" + parts[1]
	repo.RawQuery = ""
	rest := strings.Join(parts[2:], "/")
	tree := forges[strings.ToLower(u.Hostname())]
	switch {
	case rest == "":
	case strings.HasPrefix(rest, tree+"/"):
		bf := strings.SplitN(strings.TrimPrefix(rest, tree+"/"), "/", 2)
		src.Branch = bf[0]
		if len(bf) == 2 {
			src.Folder = bf[1]
		}
	default:
		return false
	}
	src.URL = repo.String()
	return true
}

// Validate says whether s can be fetched at all: a known kind, an
// absolute http or https URL without credentials (or a file:// URL for
// Git), and for Git a plain branch name and a relative folder without
// "..". Whether its address is allowed depends on the fetcher's options:
// Fetcher.Check says.
func (s Source) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadSource}, a...)...)
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return bad("%q is not a URL", s.URL)
	}
	switch s.Kind {
	case KindPage, KindSitemap, KindSite, KindGit:
	default:
		return bad("unknown kind %q", s.Kind)
	}
	switch {
	case u.Scheme == "file" && s.Kind == KindGit:
		if u.Path == "" {
			return bad("%q names no folder", s.URL)
		}
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("%q: only http and https URLs can be fetched", s.URL)
	case u.Host == "":
		return bad("%q has no host", s.URL)
	case u.User != nil:
		return bad("%q: credentials in a URL are not accepted", s.URL)
	}
	if s.Kind != KindGit {
		if s.Branch != "" || s.Folder != "" || s.LinkBase != "" {
			return bad("branch, folder and link base are for Git sources")
		}
		return nil
	}
	if s.Branch != "" && !validBranch(s.Branch) {
		return bad("%q is not a branch name", s.Branch)
	}
	if s.Folder != "" {
		f := strings.Trim(s.Folder, "/")
		if f == "" || path.Clean(f) != f || f == ".." || strings.HasPrefix(f, "../") || strings.ContainsAny(f, "\\\x00") {
			return bad("%q is not a folder inside the repository", s.Folder)
		}
	}
	if s.LinkBase != "" {
		lu, err := url.Parse(s.LinkBase)
		if err != nil || lu.Scheme != "http" && lu.Scheme != "https" || lu.Host == "" {
			return bad("link base %q is not an http or https URL", s.LinkBase)
		}
	}
	return nil
}

// validBranch accepts the branch names Git accepts, less exotic ones: no
// spaces, control characters, "..", or characters Git forbids in refs.
func validBranch(b string) bool {
	if b == "" || len(b) > 200 || strings.HasPrefix(b, "-") || strings.HasPrefix(b, "/") ||
		strings.HasSuffix(b, "/") || strings.HasSuffix(b, ".lock") || strings.Contains(b, "..") ||
		strings.Contains(b, "//") || strings.Contains(b, "@{") {
		return false
	}
	for _, r := range b {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("~^:?*[\\", r) {
			return false
		}
	}
	return true
}

// folder is s.Folder without leading or trailing slashes.
func (s Source) folder() string { return strings.Trim(s.Folder, "/") }

// Key identifies the source: two sources with the same key fetch the same
// pages. A State remembers the key it was made for, so that a changed
// description starts afresh rather than trusting validators it does not
// own.
func (s Source) Key() string {
	k := string(s.Kind) + " " + s.URL
	if s.Kind == KindGit {
		k += " " + s.Branch + " " + s.folder()
	}
	return k
}

// String describes the source for people: "https://example.com/faq
// (page)", "https://github.com/org/repo (git, branch main, folder docs)".
func (s Source) String() string {
	var extra []string
	extra = append(extra, string(s.Kind))
	if s.Branch != "" {
		extra = append(extra, "branch "+s.Branch)
	}
	if s.Folder != "" {
		extra = append(extra, "folder "+s.folder())
	}
	return s.URL + " (" + strings.Join(extra, ", ") + ")"
}
