package benchmark

import (
	"math"
	"slices"
	"time"
)

// Summary describes a set of timings.
type Summary struct {
	// N is the number of samples.
	N int
	// P50 and P95 are nearest-rank percentiles; Mean and Max as named.
	P50, P95, Mean, Max time.Duration
}

// Summarize computes the Summary of ds (which it does not modify).
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var total time.Duration
	for _, d := range s {
		total += d
	}
	return Summary{
		N:    len(s),
		P50:  Percentile(s, 50),
		P95:  Percentile(s, 95),
		Mean: total / time.Duration(len(s)),
		Max:  s[len(s)-1],
	}
}

// Percentile returns the nearest-rank p-th percentile of sorted: the
// smallest sample with at least p% of the samples at or below it. Unlike
// interpolation, it is always a time that was actually measured. An empty
// slice gives 0; p <= 0 gives the minimum.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Median returns the median of xs (the mean of the middle two for an even
// count), or 0 for none.
func Median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ms formats a duration in milliseconds with a precision that suits its
// size.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "–"
	case f < 1:
		return trimFloat(f, 3)
	case f < 100:
		return trimFloat(f, 1)
	default:
		return trimFloat(f, 0)
	}
}

// msf is a duration in (fractional) milliseconds.
func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
