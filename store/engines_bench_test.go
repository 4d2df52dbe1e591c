package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/faqbot/faqbot/internal/pgtest"
	"github.com/faqbot/faqbot/store"
)

// BenchmarkEngines is the store's latency as the bot pays it, on SQLite in
// a file (synchronous=FULL) and on PostgreSQL over loopback with its
// defaults (fsync and synchronous commits on: a throwaway server made for
// the benchmark, not the tests' fsync-off one). Each operation is one
// call of the store's API; "parallel" runs 8 callers at once, as several
// shards and answers in flight do.
//
//	go test -run '^$' -bench Engines -benchtime 2s ./store
func BenchmarkEngines(b *testing.B) {
	ctx := context.Background()
	engines := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"sqlite", func(b *testing.B) store.Store {
			s, err := store.Open(ctx, filepath.Join(b.TempDir(), "faqbot.db"), store.Options{UserIDs: store.PrivacyHashed, Key: key})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
		{"postgres", func(b *testing.B) store.Store {
			s, err := store.OpenPostgres(ctx, pgtest.DurableDatabase(ctx, b), store.Options{UserIDs: store.PrivacyHashed, Key: key})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
	q := store.QuestionRecord{ChannelID: "c", UserID: "123456789012345678", Question: "how do I reset my password?",
		Answer: "Use the link on the login page. [1]", Mode: "extractive", Sources: []string{"faq.md#3"}, Latency: 40 * time.Millisecond}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			s := e.open(b)
			defer s.Close()
			g := s.Guild("1200000000000000001")
			var docs []store.Document
			have := map[string]string{}
			for i := range 20 {
				d := store.Document{Name: fmt.Sprintf("page-%02d.md", i), Data: []byte(strings.Repeat(fmt.Sprintf("Line %d of a FAQ page.\n", i), 200))}
				docs = append(docs, d)
				have[d.Name] = store.HashDocument(d.Data)
			}
			if _, err := g.ChangeDocuments(ctx, store.DocumentChange{Put: docs}); err != nil {
				b.Fatal(err)
			}
			for i := range 1000 {
				if _, err := g.RecordQuestion(ctx, store.QuestionRecord{Question: fmt.Sprintf("question %d about topic %d", i, i%50), Refused: i%3 == 0, Sources: []string{"page-01.md#0"}}); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("RecordQuestion", func(b *testing.B) {
				for b.Loop() {
					if _, err := g.RecordQuestion(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("RecordQuestion/parallel", func(b *testing.B) {
				b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := g.RecordQuestion(ctx, q); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			b.Run("RecordFeedback", func(b *testing.B) {
				n := 0
				for b.Loop() {
					n++
					if err := g.RecordFeedback(ctx, store.Feedback{AnswerID: "1", UserID: fmt.Sprint("voter-", n), Vote: store.VoteUp}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("AppendTurn", func(b *testing.B) {
				for b.Loop() {
					if err := g.AppendTurn(ctx, "thread", store.Turn{Question: "and then?", Answer: "Then this. [1]", AskedBy: "123"}); err != nil {
						b.Fatal(err)
					}
				}
			})
			// What a shard reads when told of a change: the version and the
			// list, the content of what it has left out.
			b.Run("Documents/unchanged", func(b *testing.B) {
				for b.Loop() {
					if _, err := g.Documents(ctx, have); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ChangeDocuments/one", func(b *testing.B) {
				n := 0
				for b.Loop() {
					n++
					if _, err := g.ChangeDocuments(ctx, store.DocumentChange{Put: []store.Document{{Name: "page-00.md", Data: []byte(fmt.Sprint("edit ", n))}}}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Stats", func(b *testing.B) {
				for b.Loop() {
					if _, err := g.Stats(ctx, time.Time{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
