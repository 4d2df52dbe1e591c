package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/sources"
	"github.com/faqbot/faqbot/store"
)

// FromFile is who the change log and the source list name for the
// sources of a sources file: the file owns them, and a source taken out
// of the file is removed.
const FromFile = "sources file"

// ParseSpec reads a source as an operator writes it on a command line or
// in a sources file: a URL (sources.ParseSource guesses its kind), then
// optional key=value settings — kind=page|sitemap|site|git, branch=NAME,
// folder=PATH and link=URL (the site a Git folder is published at).
func ParseSpec(fields []string) (sources.Source, error) {
	if len(fields) == 0 {
		return sources.Source{}, fmt.Errorf("%w: no URL", sources.ErrBadSource)
	}
	src, err := sources.ParseSource(fields[0])
	if err != nil {
		return sources.Source{}, err
	}
	for _, f := range fields[1:] {
		k, v, ok := strings.Cut(f, "=")
		if !ok || v == "" {
			return sources.Source{}, fmt.Errorf("%w: %q: want key=value (kind, branch, folder or link)", sources.ErrBadSource, f)
		}
		switch strings.ToLower(k) {
		case "kind":
			src.Kind = sources.Kind(strings.ToLower(v))
		case "branch":
			src.Branch = v
		case "folder":
			src.Folder = v
		case "link", "link_base", "link-base":
			src.LinkBase = v
		default:
			return sources.Source{}, fmt.Errorf("%w: unknown setting %q (want kind, branch, folder or link)", sources.ErrBadSource, k)
		}
	}
	if err := src.Validate(); err != nil {
		return sources.Source{}, err
	}
	return src, nil
}

// ParseFile reads a sources file: one source per line as ParseSpec reads
// it, blank lines and lines starting with # ignored. Every bad line is
// reported, with its number.
func ParseFile(r io.Reader) ([]sources.Source, error) {
	var out []sources.Source
	var errs []error
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		src, err := ParseSpec(strings.Fields(line))
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		if first, dup := seen[src.Key()]; dup {
			errs = append(errs, fmt.Errorf("line %d: the same source as line %d", n, first))
			continue
		}
		seen[src.Key()] = n
		out = append(out, src)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("reading the sources file: %w", err)
	}
	return out, nil
}

// Declare makes guild's sources from a sources file what the file says:
// sources it lists that guild lacks are added (to be fetched by the
// schedule at once, see Run), and sources added from the file that it no
// longer lists are removed with their pages. Sources added otherwise (from
// Discord, or `faqbot source add`) are left alone. It fetches nothing.
func (s *Syncer) Declare(ctx context.Context, guild string, want []sources.Source) (added, removed []sources.Source, err error) {
	for _, src := range want {
		if err := s.check(guild, src); err != nil {
			return nil, nil, fmt.Errorf("sources file: %s: %w", src.URL, err)
		}
	}
	unlock, ok := s.lock(ctx, guild)
	if !ok {
		return nil, nil, ctx.Err()
	}
	defer unlock()
	g := s.opts.Store.Guild(guild)
	have, err := g.Sources(ctx)
	if err != nil {
		return nil, nil, err
	}
	keys := map[string]bool{}
	for _, src := range want {
		keys[src.Key()] = true
	}
	for _, h := range have {
		if h.AddedBy != FromFile || keys[h.Key] {
			continue
		}
		src, _ := decodeSource(h.Spec)
		if _, err := s.removeLocked(ctx, guild, h, FromFile); err != nil {
			return added, removed, err
		}
		removed = append(removed, src)
	}
	for _, src := range want {
		if slices.ContainsFunc(have, func(h store.Source) bool { return h.Key == src.Key() }) {
			continue
		}
		spec, err := json.Marshal(src)
		if err != nil {
			return added, removed, err
		}
		if _, err := g.AddSource(ctx, store.Source{Key: src.Key(), Spec: string(spec), AddedBy: FromFile, AddedAt: s.opts.Now()}); err != nil {
			return added, removed, err
		}
		s.record(ctx, guild, store.Change{Who: FromFile, Action: store.ActionSourceAdd, Document: src.String(), Summary: "to be fetched"})
		added = append(added, src)
	}
	if len(added)+len(removed) > 0 {
		s.lg.Info("sources file applied", "guild", guild, "added", len(added), "removed", len(removed))
		s.wake()
	}
	return added, removed, nil
}

// removeLocked deletes the source rec's pages, then the source. The
// caller holds guild's lock.
func (s *Syncer) removeLocked(ctx context.Context, guild string, rec store.Source, who string) (Report, error) {
	start := s.opts.Now()
	rep := Report{Guild: guild, ID: rec.ID, Who: who}
	rep.Source, _ = decodeSource(rec.Spec)
	state, _ := decodeState(rec.State)
	b := library.Batch{DeleteFolders: []string{folder(rec.ID)}}
	for _, ps := range state.Pages {
		b.Delete = append(b.Delete, pageID(rec.ID, ps.Name))
		rep.Removed = append(rep.Removed, sources.Removal{Name: ps.Name, URL: ps.URL, Reason: "source removed"})
	}
	var err error
	rep.Change, err = s.opts.Corpora.Apply(ctx, guild, b)
	if err == nil {
		_, err = s.opts.Store.Guild(guild).RemoveSource(ctx, rec.ID)
	}
	rep.Took = s.opts.Now().Sub(start)
	if err != nil {
		rep.Err = fmt.Errorf("removing source %d: %w", rec.ID, err)
		s.record(ctx, guild, store.Change{Who: who, Action: store.ActionSourceRemove, Document: rep.Source.String(), Error: err.Error()})
		return rep, rep.Err
	}
	s.record(ctx, guild, store.Change{Who: who, Action: store.ActionSourceRemove, Document: rep.Source.String(),
		Summary: plural(len(rep.Removed), "page") + " removed"})
	s.lg.Info("source removed", "guild", guild, "source", rec.ID, "url", rep.Source.URL, "who", who, "pages", len(rep.Removed))
	s.wake()
	return rep, nil
}
