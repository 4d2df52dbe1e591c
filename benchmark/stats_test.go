package benchmark

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	seq := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = time.Duration(i + 1)
		}
		return out
	}
	tests := []struct {
		n    int
		p    float64
		want time.Duration
	}{
		{0, 50, 0},
		{1, 50, 1},
		{1, 95, 1},
		{10, 50, 5},
		{10, 95, 10},
		{20, 95, 19},
		{100, 95, 95},
		{100, 100, 100},
		{100, 0, 1},
		{4, 50, 2},
		{3, 50, 2},
	}
	for _, tt := range tests {
		if got := Percentile(seq(tt.n), tt.p); got != tt.want {
			t.Errorf("Percentile(1..%d, %v) = %v, want %v", tt.n, tt.p, got, tt.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3} // unsorted on purpose
	got := Summarize(ds)
	want := Summary{N: 5, P50: 3, P95: 5, Mean: 3, Max: 5}
	if got != want {
		t.Errorf("Summarize = %+v, want %+v", got, want)
	}
	if ds[0] != 5 {
		t.Errorf("Summarize sorted its argument")
	}
	if (Summarize(nil) != Summary{}) {
		t.Errorf("Summarize(nil) is not zero")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []int64
		want int64
	}{
		{nil, 0},
		{[]int64{7}, 7},
		{[]int64{3, 1, 2}, 2},
		{[]int64{4, 1, 3, 2}, 2}, // (2+3)/2 in integers
		{[]int64{-10, 10}, 0},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
