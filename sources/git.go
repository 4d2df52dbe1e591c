package sources

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/sideband"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"
)

// docExts are the repository files taken as documents. Other files (code,
// images, HTML templates) are not documentation a member asks about.
var docExts = map[string]bool{".md": true, ".markdown": true, ".mdx": true, ".rst": true, ".txt": true}

// maxWantsPerRequest bounds the objects asked for in one request, keeping
// each request body small.
const maxWantsPerRequest = 1000

// gitFile is one documentation file of the fetched tree.
type gitFile struct {
	rel  string // path inside the source's folder: the page key
	blob plumbing.Hash
}

// remoteRepo is a repository being read: where its objects are and how to
// ask for more.
type remoteRepo struct {
	sto storer.EncodedObjectStorer
	// fetch downloads the given objects into sto; nil for a local
	// repository, which has them all.
	fetch func(ctx context.Context, wants []plumbing.Hash) error
}

// git fetches a Git source: the documentation files of one folder of one
// commit. Over HTTP the fetch is shallow (the one commit) and, when the
// server supports partial clone, first without file contents, then only
// the contents of the folder's new and changed files; otherwise the
// commit's whole tree comes in one pack and only the folder is read.
func (r *run) git(ctx context.Context) (Result, error) {
	u, err := url.Parse(r.src.URL)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	var repo remoteRepo
	var commit plumbing.Hash
	var branch string
	if u.Scheme == "file" {
		if !r.f.opts.AllowLocalRepos {
			return Result{}, ErrLocalRepo
		}
		repo, commit, branch, err = r.openLocal(u.Path)
	} else {
		repo, commit, branch, err = r.openRemote(ctx, u)
	}
	if err != nil {
		return Result{}, err
	}

	if commit.String() == r.prev.Commit && len(r.prev.Pages) > 0 && r.prev.Listed == len(r.prev.Pages) && r.sameLinks(branch) {
		// Same commit, same folder, same links, every file held: nothing
		// can have changed.
		st := State{Commit: r.prev.Commit, Listed: r.prev.Listed, Pages: map[string]PageState{}}
		var res Result
		for _, k := range sortedKeys(r.prev.Pages) {
			res.Unchanged = append(res.Unchanged, k)
			st.Pages[k] = r.prev.Pages[k]
		}
		res.State = st
		return res, nil
	}

	if repo.fetch != nil {
		// The commit and its trees (and, without partial clone, its blobs).
		if err := repo.fetch(ctx, []plumbing.Hash{commit}); err != nil {
			return Result{}, err
		}
	}
	files, err := listFiles(repo.sto, commit, r.src.folder())
	if err != nil {
		return Result{}, err
	}

	res := Result{State: State{Commit: commit.String(), Listed: len(files), Pages: map[string]PageState{}}}
	listed := map[string]bool{}
	var take []gitFile
	for _, fl := range files {
		listed[fl.rel] = true
		if len(take) < r.maxPages {
			take = append(take, fl)
			continue
		}
		const reason = "over the page limit"
		if ps, held := r.prev.Pages[fl.rel]; held {
			res.Removed = append(res.Removed, Removal{Key: fl.rel, Name: ps.Name, URL: ps.URL, Reason: reason})
		} else {
			res.Skipped = append(res.Skipped, Skip{Key: fl.rel, Reason: reason})
		}
	}
	for _, k := range sortedKeys(r.prev.Pages) {
		if !listed[k] {
			ps := r.prev.Pages[k]
			res.Removed = append(res.Removed, Removal{Key: k, Name: ps.Name, URL: ps.URL, Reason: "no longer in the repository"})
		}
	}

	// A held file is unchanged when its blob (its bytes) and its link are.
	same := func(fl gitFile) (PageState, bool) {
		ps, held := r.prev.Pages[fl.rel]
		return ps, held && ps.Blob == fl.blob.String() && ps.URL == gitLink(r.src, branch, fl.rel)
	}
	var need []plumbing.Hash
	for _, fl := range take {
		if _, ok := same(fl); !ok {
			if _, err := repo.sto.EncodedObject(plumbing.BlobObject, fl.blob); err != nil {
				need = append(need, fl.blob)
			}
		}
	}
	if repo.fetch != nil && len(need) > 0 {
		for len(need) > 0 {
			n := min(len(need), maxWantsPerRequest)
			if err := repo.fetch(ctx, need[:n]); err != nil {
				return Result{}, err
			}
			need = need[n:]
		}
	}

	for _, fl := range take {
		if ps, ok := same(fl); ok {
			res.Unchanged = append(res.Unchanged, fl.rel)
			res.State.Pages[fl.rel] = ps
			continue
		}
		prev, held := r.prev.Pages[fl.rel]
		data, err := r.readBlob(repo.sto, fl.blob)
		if err != nil {
			res.Failed = append(res.Failed, Failure{Key: fl.rel, URL: fl.rel, Held: held, Err: err})
			if held {
				res.State.Pages[fl.rel] = prev
			}
			continue
		}
		sum := sha256.Sum256(data)
		ps := PageState{
			Name: gitName(fl.rel),
			URL:  gitLink(r.src, branch, fl.rel),
			Hash: hex.EncodeToString(sum[:]),
			Blob: fl.blob.String(),
		}
		res.State.Pages[fl.rel] = ps
		pg := Page{Key: fl.rel, Name: ps.Name, URL: ps.URL, Content: data, Hash: ps.Hash}
		switch {
		case !held:
			res.Added = append(res.Added, pg)
		case prev.Hash == ps.Hash && prev.URL == ps.URL:
			res.Unchanged = append(res.Unchanged, fl.rel)
		default:
			res.Changed = append(res.Changed, pg)
		}
	}
	return res, nil
}

// sameLinks reports whether every held page still has the link it would
// be given now (a changed LinkBase or default branch changes them all).
func (r *run) sameLinks(branch string) bool {
	for k, ps := range r.prev.Pages {
		if ps.URL != gitLink(r.src, branch, k) {
			return false
		}
	}
	return true
}

// readBlob reads one file's bytes within the page size limit.
func (r *run) readBlob(sto storer.EncodedObjectStorer, h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(sto, h)
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", h, err)
	}
	if b.Size > r.f.opts.MaxPageBytes {
		return nil, fmt.Errorf("%w: %d bytes (the limit is %d)", ErrTooLarge, b.Size, r.f.opts.MaxPageBytes)
	}
	rd, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", h, err)
	}
	defer rd.Close()
	return readLimited(rd, r.f.opts.MaxPageBytes)
}

// listFiles walks the tree of commit under folder and returns its
// documentation files in path order. Hidden files and folders, links and
// submodules are left out.
func listFiles(sto storer.EncodedObjectStorer, commit plumbing.Hash, folder string) ([]gitFile, error) {
	c, err := object.GetCommit(sto, commit)
	if err != nil {
		return nil, fmt.Errorf("reading commit %s: %w", commit, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of %s: %w", commit, err)
	}
	if folder != "" {
		if tree, err = tree.Tree(folder); err != nil {
			if errors.Is(err, object.ErrDirectoryNotFound) {
				return nil, fmt.Errorf("%w: no folder %q in commit %s", ErrBadSource, folder, commit.String()[:12])
			}
			return nil, fmt.Errorf("reading folder %q: %w", folder, err)
		}
	}
	var files []gitFile
	w := object.NewTreeWalker(tree, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("walking folder %q: %w", folder, err)
		}
		if e.Mode != filemode.Regular && e.Mode != filemode.Executable {
			continue
		}
		if hidden(name) || !docExts[strings.ToLower(path.Ext(name))] {
			continue
		}
		files = append(files, gitFile{rel: name, blob: e.Hash})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files, nil
}

// hidden reports whether a path has an element starting with '.'
// (.github/, .vitepress/, .draft.md).
func hidden(p string) bool {
	for _, el := range strings.Split(p, "/") {
		if strings.HasPrefix(el, ".") {
			return true
		}
	}
	return false
}

// openLocal reads a repository on this machine in place.
func (r *run) openLocal(dir string) (remoteRepo, plumbing.Hash, string, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("opening repository %s: %w", dir, err)
	}
	name := plumbing.HEAD
	if r.src.Branch != "" {
		name = plumbing.NewBranchReferenceName(r.src.Branch)
	}
	ref, err := repo.Reference(name, true)
	if err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("%w: no branch %q: %v", ErrBadSource, r.src.Branch, err)
	}
	branch := r.src.Branch
	if branch == "" {
		if head, err := repo.Reference(plumbing.HEAD, false); err == nil && head.Type() == plumbing.SymbolicReference {
			branch = head.Target().Short()
		}
	}
	return remoteRepo{sto: repo.Storer}, ref.Hash(), branch, nil
}

// openRemote asks an http(s) repository for its references and returns
// the commit of the branch asked for (or of HEAD) and a way to download
// objects, through the fetcher's guarded client.
func (r *run) openRemote(ctx context.Context, u *url.URL) (remoteRepo, plumbing.Hash, string, error) {
	if err := r.f.checkURL(u); err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", err
	}
	ep, err := transport.NewEndpoint(r.src.URL)
	if err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("%w: %v", ErrBadSource, err)
	}
	client := &http.Client{
		Transport:     &gitTransport{run: r},
		CheckRedirect: r.f.checkRedirect,
	}
	sess, err := githttp.NewClient(client).NewUploadPackSession(ep, nil)
	if err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("opening %s: %w", u.Redacted(), err)
	}
	actx, cancel := context.WithTimeout(ctx, r.f.opts.PageTimeout)
	defer cancel()
	ar, err := sess.AdvertisedReferencesContext(actx)
	if err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("listing the branches of %s: %w", u.Redacted(), err)
	}
	refs, err := ar.AllReferences()
	if err != nil {
		return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("listing the branches of %s: %w", u.Redacted(), err)
	}
	branch := r.src.Branch
	var commit plumbing.Hash
	if branch == "" {
		head, err := storer.ResolveReference(refs, plumbing.HEAD)
		switch {
		case err == nil:
			commit = head.Hash()
		case ar.Head != nil:
			commit = *ar.Head
		default:
			return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("%w: %s has no default branch; name one", ErrBadSource, u.Redacted())
		}
		if h, err := refs.Reference(plumbing.HEAD); err == nil && h.Type() == plumbing.SymbolicReference {
			branch = h.Target().Short()
		}
	} else {
		ref, err := refs.Reference(plumbing.NewBranchReferenceName(branch))
		if err != nil {
			return remoteRepo{}, plumbing.ZeroHash, "", fmt.Errorf("%w: %s has no branch %q", ErrBadSource, u.Redacted(), branch)
		}
		commit = ref.Hash()
	}

	caps := ar.Capabilities
	partial := caps.Supports(capability.Filter) && caps.Supports(capability.AllowReachableSHA1InWant)
	sto := memory.NewStorage()
	var budget atomic.Int64
	budget.Store(r.f.opts.MaxRepoBytes)
	first := true
	fetch := func(ctx context.Context, wants []plumbing.Hash) error {
		req := packp.NewUploadPackRequestFromCapabilities(caps)
		// No thin packs: with no objects of ours to delta against, the
		// server must send whole objects.
		req.Capabilities.Delete(capability.ThinPack)
		if caps.Supports(capability.NoProgress) {
			_ = req.Capabilities.Set(capability.NoProgress)
		}
		req.Wants = wants
		if first {
			req.Depth = packp.DepthCommits(1)
			if err := req.Capabilities.Set(capability.Shallow); err != nil {
				return fmt.Errorf("asking for a shallow fetch: %w", err)
			}
			if partial {
				_ = req.Capabilities.Set(capability.Filter)
				req.Filter = packp.FilterBlobNone()
			}
			first = false
		}
		resp, err := sess.UploadPack(ctx, req)
		if err != nil {
			return fmt.Errorf("fetching from %s: %w", u.Redacted(), err)
		}
		defer resp.Close()
		var pack io.Reader = &budgetReader{r: resp, left: &budget, limit: r.f.opts.MaxRepoBytes}
		switch {
		case req.Capabilities.Supports(capability.Sideband64k):
			pack = sideband.NewDemuxer(sideband.Sideband64k, pack)
		case req.Capabilities.Supports(capability.Sideband):
			pack = sideband.NewDemuxer(sideband.Sideband, pack)
		}
		if err := packfile.UpdateObjectStorage(sto, pack); err != nil {
			if errors.Is(err, ErrTooLarge) {
				return fmt.Errorf("fetching from %s: %w", u.Redacted(), err)
			}
			return fmt.Errorf("reading the pack from %s: %w", u.Redacted(), err)
		}
		return nil
	}
	if !partial {
		// The blobs come with the commit; nothing more is asked for.
		inner := fetch
		fetch = func(ctx context.Context, wants []plumbing.Hash) error {
			if !first {
				return fmt.Errorf("%s sent a pack without some files", u.Redacted())
			}
			return inner(ctx, wants)
		}
	}
	return remoteRepo{sto: sto, fetch: fetch}, commit, branch, nil
}

// budgetReader fails with ErrTooLarge once more than limit bytes have been
// read through readers sharing left.
type budgetReader struct {
	r     io.Reader
	left  *atomic.Int64
	limit int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if b.left.Add(-int64(n)) < 0 {
		return n, fmt.Errorf("%w: the repository sent more than %d bytes", ErrTooLarge, b.limit)
	}
	return n, err
}

// gitTransport sends go-git's requests through the fetcher's guarded
// transport, within the per-host limits, with the fetcher's User-Agent,
// counted in the run's stats.
type gitTransport struct{ run *run }

func (t *gitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := t.run
	release, err := r.f.hosts.acquire(req.Context(), req.URL.Host, 0)
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	// Git servers tell smart clients by a "git/" prefix.
	req.Header.Set("User-Agent", "git/2.0 "+r.f.opts.UserAgent)
	r.requests.Add(1)
	resp, err := r.f.tr.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: countingBody(resp.Body, r), release: release}
	return resp, nil
}

// gitLink is the URL a repository file is shown under: LinkBase when the
// source has one, else the file's page on a known forge, else "".
func gitLink(src Source, branch, rel string) string {
	if src.LinkBase != "" {
		p := strings.TrimSuffix(rel, path.Ext(rel))
		switch strings.ToLower(path.Base(p)) {
		case "index", "readme", "_index":
			p = strings.TrimSuffix(p, path.Base(p))
		}
		return strings.TrimSuffix(src.LinkBase, "/") + "/" + escapePath(p)
	}
	u, err := url.Parse(src.URL)
	if err != nil || branch == "" {
		return ""
	}
	blob, ok := map[string]string{"github.com": "blob", "gitlab.com": "-/blob", "codeberg.org": "src/branch"}[strings.ToLower(u.Hostname())]
	if !ok || u.Scheme != "https" {
		return ""
	}
	full := rel
	if f := src.folder(); f != "" {
		full = f + "/" + rel
	}
	repo := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git")
	return "https://" + u.Host + repo + "/" + blob + "/" + escapePath(branch) + "/" + escapePath(full)
}

// escapePath escapes each element of a slash-separated path.
func escapePath(p string) string {
	els := strings.Split(p, "/")
	for i, e := range els {
		els[i] = url.PathEscape(e)
	}
	return strings.Join(els, "/")
}
