package retrieval

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/faqbot/faqbot/corpus"
)

// DirBuilder builds an index of a large corpus into an index folder as its
// documents arrive: every shardTarget passages it embeds them, builds the
// shard, writes it to a new file of the folder and maps it, so that memory
// holds one shard's passages, vectors and postings at a time rather than
// the whole corpus's (at 120,000 passages of 512 dimensions, tens of
// megabytes instead of more than a gigabyte). The files are not yet a
// saved index: Save with the finished index names them in a manifest,
// keeping them as they are; a save that never comes leaves them for the
// next save to remove. Callers serialise saves to the folder (LockDir).
type DirBuilder struct {
	ctx              context.Context
	dir, abs, stamp  string
	emb              Embedder
	opt              BuildOptions
	cur              []corpus.Chunk
	seen             map[string]bool
	shards           []*shard
	dupOf            map[int32]string
	n                int
	embedded, reused int
	start            time.Time
	// hashAt finds a passage already embedded by its hash (shard and
	// passage), so a paragraph repeated across shards is embedded once.
	hashAt map[string][2]int32
	// Total, when set before the first Add, is the number of passages
	// expected, for the progress callback; else it is estimated.
	Total int
}

// NewDirBuilder starts building into dir.
func NewDirBuilder(ctx context.Context, dir string, emb Embedder, opt BuildOptions) (*DirBuilder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	stamp, err := newStamp()
	if err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	return &DirBuilder{ctx: ctx, dir: dir, abs: abs, stamp: stamp, emb: emb, opt: opt,
		seen: map[string]bool{}, dupOf: map[int32]string{}, hashAt: map[string][2]int32{}, start: time.Now()}, nil
}

// Add appends one document's passages (documents in corpus order).
func (b *DirBuilder) Add(chunks []corpus.Chunk) error {
	for _, c := range chunks {
		if c.ID == "" {
			return fmt.Errorf("building index: passage %d has no id", b.n)
		}
		if b.seen[c.ID] {
			return fmt.Errorf("building index: %q: %w", c.ID, ErrDuplicateID)
		}
		b.seen[c.ID] = true
		if c.DupOf != "" {
			b.dupOf[int32(b.n)] = c.DupOf
		}
		b.n++
	}
	b.cur = append(b.cur, chunks...)
	if len(b.cur) >= b.opt.target() {
		return b.flush()
	}
	return nil
}

// flush builds, writes and maps the shard of the passages added since the
// last one.
func (b *DirBuilder) flush() error {
	if len(b.cur) == 0 {
		return nil
	}
	part := b.cur
	b.cur = nil
	reuse := map[string][]float32{}
	copied := map[int32]bool{}
	for _, c := range part {
		if v, ok := b.opt.reuseVector(c.Hash); ok {
			reuse[c.Hash] = v
			continue
		}
		if at, ok := b.hashAt[c.Hash]; ok && c.Hash != "" {
			s := b.shards[at[0]]
			v := make([]float32, b.emb.Dim())
			copy(v, s.vector(int(at[1])))
			reuse[c.Hash] = v
			copied[at[0]] = true
		}
	}
	// The vectors copied were read from earlier shards' mapped files, a
	// large folio at a time: release them, or every copy in the corpus
	// keeps megabytes of vectors resident until the build ends.
	for k := range copied {
		b.shards[k].releaseScattered()
	}
	progress := b.opt.Progress
	if progress == nil {
		progress = func(int, int) {}
	}
	done := b.embedded
	popt := BuildOptions{BatchSize: b.opt.BatchSize, Reuse: reuse, Progress: func(d, _ int) {
		total := b.Total
		if total <= 0 {
			total = b.n
		}
		progress(min(done+d, total), total)
	}}
	vecs, embedded, _, err := embedPassages(b.ctx, part, b.emb, popt)
	if err != nil {
		return fmt.Errorf("building index: %w", err)
	}
	b.embedded += embedded
	for _, c := range part {
		if _, ok := reuse[c.Hash]; ok && c.Hash != "" {
			if _, shared := b.hashAt[c.Hash]; !shared {
				b.reused++
			}
		}
	}
	s, err := buildShard(b.ctx, part, vecs, b.emb.Dim())
	if err != nil {
		return fmt.Errorf("building index: %w", err)
	}
	k := len(b.shards)
	name := fmt.Sprintf("%s%s-%04d.fqx", shardPrefix, b.stamp, k)
	rec, err := writeFile(b.ctx, b.dir, name, func(w io.Writer) error {
		_, err := writeShard(w, s)
		return err
	})
	if err != nil {
		return fmt.Errorf("building index: writing shard %d: %w", k, err)
	}
	ms, err := openShard(filepath.Join(b.dir, name), rec, false)
	if err != nil {
		return fmt.Errorf("building index: %w", err)
	}
	ms.dir = b.abs
	// Released by the runtime once unreachable, as Load's shards are.
	runtime.AddCleanup(ms, func(unmap func() error) { unmap() }, ms.unmap)
	b.shards = append(b.shards, ms)
	for i, c := range part {
		if c.Hash != "" && vecs[i] != nil {
			if _, ok := b.hashAt[c.Hash]; !ok {
				b.hashAt[c.Hash] = [2]int32{int32(k), int32(i)}
			}
		}
	}
	return nil
}

// Finish builds the last shard and returns the index of everything added,
// its shards mapped from their files in the folder.
func (b *DirBuilder) Finish() (*Index, error) {
	if err := b.flush(); err != nil {
		return nil, err
	}
	if len(b.shards) == 0 {
		// An index of no passages still has a shard, as Build makes.
		s, err := buildShard(b.ctx, nil, nil, b.emb.Dim())
		if err != nil {
			return nil, fmt.Errorf("building index: %w", err)
		}
		b.shards = append(b.shards, s)
	}
	ix := newIndex(b.emb, b.shards, b.dupOf)
	ix.exp = b.opt.Expander
	if err := ix.measure(b.ctx, b.opt.MinRelevance); err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	ix.stats.Embedded, ix.stats.Reused = b.embedded, b.reused
	ix.stats.Duration = time.Since(b.start)
	return ix, nil
}

// BuildInDir is Build through a DirBuilder: shard by shard into the index
// folder dir.
func BuildInDir(ctx context.Context, dir string, chunks []corpus.Chunk, emb Embedder, opt BuildOptions) (*Index, error) {
	b, err := NewDirBuilder(ctx, dir, emb, opt)
	if err != nil {
		return nil, err
	}
	b.Total = len(chunks)
	for lo := 0; lo < len(chunks); {
		hi := lo + 1
		for hi < len(chunks) && chunks[hi].DocID == chunks[lo].DocID {
			hi++
		}
		if err := b.Add(chunks[lo:hi]); err != nil {
			return nil, err
		}
		lo = hi
	}
	return b.Finish()
}
