package benchmark

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestRunTenancy runs the many-servers measurement on a handful of small
// servers: every pass completes and the report says what it measured.
func TestRunTenancy(t *testing.T) {
	o := TenancyOptions{Small: 3, SmallDocs: 1, Large: 1, LargeDocs: 8, Seed: 1, TempDir: t.TempDir()}
	r, err := RunTenancy(context.Background(), slog.New(slog.DiscardHandler), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.SmallPassages < entriesPerDoc || r.LargePassages < 8*entriesPerDoc {
		t.Errorf("passages %d small, %d large", r.SmallPassages, r.LargePassages)
	}
	if r.Loads < int64(o.Small+o.Large) || r.ColdSmall.N != o.Small || r.ColdLarge.N != o.Large {
		t.Errorf("eviction pass: %d loads, %d cold small, %d cold large", r.Loads, r.ColdSmall.N, r.ColdLarge.N)
	}
	if r.Baseline.N == 0 || r.Refresh == 0 || r.UploadAlone == 0 || r.UploadDuring == 0 {
		t.Errorf("refresh pass: %+v, refresh %v, uploads %v / %v", r.Baseline, r.Refresh, r.UploadAlone, r.UploadDuring)
	}
	if r.RSSIdle <= 0 || r.RSSAll <= 0 || r.RSSPeak <= 0 || r.RSSAtBudget <= 0 {
		t.Errorf("resident memory not read: %d idle, %d all, %d peak, %d after", r.RSSIdle, r.RSSAll, r.RSSPeak, r.RSSAtBudget)
	}
	var b strings.Builder
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 small", "first question after eviction", "resident memory (RSS)", "while it re-embeds 2 pages"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
