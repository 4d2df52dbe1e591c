package store

import (
	"context"
	"fmt"
	"time"
)

// Stats summarises the questions and votes since a time.
type Stats struct {
	Since time.Time
	// Questions and Refused count the questions asked and those faqbot
	// declined to answer.
	Questions, Refused int
	// RefusalRate is Refused/Questions, or 0 with no questions.
	RefusalRate float64
	// PerDay counts questions per UTC day, oldest first; days without
	// questions are left out.
	PerDay []DayCount
	// Up and Down count 👍 and 👎 votes cast.
	Up, Down int
	// MedianLatency is the median time to answer.
	MedianLatency time.Duration
	// TopSources are the documents cited most often, most first, each
	// counted once per answer.
	TopSources []SourceCount
}

// DayCount is one day's questions.
type DayCount struct {
	// Day is the UTC date, 2006-01-02.
	Day                string
	Questions, Refused int
}

// SourceCount is how many answers cited a document.
type SourceCount struct {
	Document string
	Count    int
}

// topSources is how many documents Stats lists.
const topSources = 10

// Stats computes the statistics of everything the server recorded since
// since.
func (g sqlGuild) Stats(ctx context.Context, since time.Time) (Stats, error) {
	s := g.s
	st := Stats{Since: since}
	from := ms(since)
	wrap := func(err error) (Stats, error) { return Stats{}, fmt.Errorf("computing stats: %w", err) }

	rows, err := s.db.QueryContext(ctx, `SELECT `+s.d.utcDay("asked_at")+` AS day, count(*), sum(refused)
		FROM questions WHERE guild = ? AND asked_at >= ? GROUP BY day ORDER BY day`, g.id, from)
	if err != nil {
		return wrap(err)
	}
	for rows.Next() {
		var d DayCount
		if err := rows.Scan(&d.Day, &d.Questions, &d.Refused); err != nil {
			rows.Close()
			return wrap(err)
		}
		st.PerDay = append(st.PerDay, d)
		st.Questions += d.Questions
		st.Refused += d.Refused
	}
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	rows.Close()
	if st.Questions > 0 {
		st.RefusalRate = float64(st.Refused) / float64(st.Questions)
		var median int64
		// The lower median: no averaging, and an index-free sort of one
		// column is fast enough for a bot's volume.
		if err := s.db.QueryRowContext(ctx, `SELECT latency_ms FROM questions WHERE guild = ? AND asked_at >= ?
			ORDER BY latency_ms LIMIT 1 OFFSET ?`, g.id, from, (st.Questions-1)/2).Scan(&median); err != nil {
			return wrap(err)
		}
		st.MedianLatency = time.Duration(median) * time.Millisecond
	}

	if err := s.db.QueryRowContext(ctx, `SELECT `+voteCounts+`
		FROM feedback WHERE guild = ? AND voted_at >= ?`, g.id, from).Scan(&st.Up, &st.Down); err != nil {
		return wrap(err)
	}

	rows, err = s.db.QueryContext(ctx, `
		SELECT doc, count(DISTINCT id) AS n FROM (
			`+s.d.citedDocuments+`
			WHERE q.guild = ? AND q.asked_at >= ? AND q.refused = 0) cited
		GROUP BY doc ORDER BY n DESC, doc LIMIT ?`, g.id, from, topSources)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var sc SourceCount
		if err := rows.Scan(&sc.Document, &sc.Count); err != nil {
			return wrap(err)
		}
		st.TopSources = append(st.TopSources, sc)
	}
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	return st, nil
}
