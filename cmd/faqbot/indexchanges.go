package main

import (
	"context"
	"log/slog"

	"github.com/faqbot/faqbot/config"
	"github.com/faqbot/faqbot/corpus"
	"github.com/faqbot/faqbot/library"
	"github.com/faqbot/faqbot/store"
)

// savedDocs returns the document hashes of the index saved in dir, or nil
// when there is none: what `faqbot index` compares the corpus folder with
// to say what changed since the last index.
func savedDocs(dir string) map[string]string {
	return library.SavedDocuments(dir)
}

// docChanges says which documents of the library were added, removed or
// changed compared with the saved hashes.
func docChanges(saved map[string]string, lib *library.Library) library.Change {
	var docs []corpus.Document
	for _, d := range lib.Documents() {
		docs = append(docs, corpus.Document{ID: d.ID, Hash: d.Hash})
	}
	rep := lib.Report()
	ch := library.DiffDocuments(saved, docs)
	ch.Embedded, ch.Reused = rep.Embedded, rep.Reused
	if rep.Loaded {
		ch.Reused = lib.Stats().Passages
	}
	return ch
}

// recordIndexChange writes what `faqbot index` found changed to the change
// log, when the data folder has a database; the CLI never creates one.
func recordIndexChange(ctx context.Context, cfg config.Config, ch library.Change, lg *slog.Logger) {
	st, err := openExistingStore(ctx, cfg, lg)
	if err != nil {
		return
	}
	defer st.Close()
	if err := recordRefresh(ctx, st.Guild(store.BaseGuild), "faqbot index", ch, nil); err != nil {
		lg.Warn("could not record the change in the change log", "err", err)
	}
}
