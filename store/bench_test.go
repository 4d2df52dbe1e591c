package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkRecordQuestion is the cost the bot pays per answer: one
// durable (synchronous=FULL) transaction.
func BenchmarkRecordQuestion(b *testing.B) {
	s := openTemp(b, Options{UserIDs: PrivacyHashed})
	ctx := context.Background()
	q := QuestionRecord{ChannelID: "c", UserID: "123456789012345678", Question: "how do I reset my password?",
		Answer: "Use the link on the login page. [1]", Mode: "extractive", Sources: []string{"faq.md#3"}, Latency: 40 * time.Millisecond}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Guild("g").RecordQuestion(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// seedMany records n questions over 30 days: a third refused, drawn from
// a few hundred topics with several phrasings each, like a busy server.
func seedMany(b *testing.B, s *SQLite, n int) {
	ctx := context.Background()
	phrasings := []string{"how do I %s?", "%s", "can someone explain %s", "%s not working", "question about %s please"}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		topic := fmt.Sprintf("topic%d thing%d", i%300, i%300/3)
		q := fmt.Sprintf(phrasings[i%len(phrasings)], topic)
		_, err := tx.ExecContext(ctx, `INSERT INTO questions (answer_id, guild, asked_at, question, refused, sources, latency_ms) VALUES (?, 'g', ?, ?, ?, '["a.md#1","b.md#2"]', ?)`,
			fmt.Sprint(i), day0.Add(-time.Duration(i)*time.Minute*4).UnixMilli(), q, i%3 == 0, i%500)
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkGaps10k(b *testing.B) {
	s := openTemp(b, Options{Now: func() time.Time { return day0 }})
	seedMany(b, s, 10000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		gaps, err := s.Guild("g").Gaps(ctx, day0.AddDate(0, 0, -30), 20)
		if err != nil || len(gaps) == 0 {
			b.Fatal(err)
		}
	}
}

func BenchmarkStats10k(b *testing.B) {
	s := openTemp(b, Options{})
	seedMany(b, s, 10000)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Guild("g").Stats(ctx, day0.AddDate(0, 0, -30)); err != nil {
			b.Fatal(err)
		}
	}
}
