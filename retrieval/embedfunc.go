package retrieval

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/philippgille/chromem-go"
)

// normTolerance is how far from 1 a vector's length may be before it is
// rejected as not normalised. Remote models return lengths within about 1e-6
// of 1; a wider gap means the embedder does not normalise at all, and a dot
// product would then no longer be a cosine.
const normTolerance = 1e-3

// ErrBadVector reports an embedder that returned a vector of the wrong
// length, a non-finite value, or a vector that is not normalised.
var ErrBadVector = errors.New("embedder returned an invalid vector")

// EmbeddingFunc adapts an Embedder to chromem-go's seam. It is handed to
// the collection so that chromem never falls back to its default (a network
// call to OpenAI); our own code embeds in batches and passes vectors in.
func EmbeddingFunc(e Embedder) chromem.EmbeddingFunc {
	return func(ctx context.Context, text string) ([]float32, error) {
		vs, err := e.Embed(ctx, []string{text})
		if err != nil {
			return nil, err
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("embedding one text: got %d vectors: %w", len(vs), ErrBadVector)
		}
		return vs[0], nil
	}
}

// checkVector validates a vector from an embedder of dimension dim and
// reports whether it is the zero vector (an empty text). A vector that is
// normalised within normTolerance but not exactly is rescaled in place, so
// that dot products stay true cosines.
func checkVector(v []float32, dim int) (zero bool, err error) {
	if len(v) != dim {
		return false, fmt.Errorf("vector has %d dimensions, want %d: %w", len(v), dim, ErrBadVector)
	}
	var sq float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return false, fmt.Errorf("vector has a non-finite value: %w", ErrBadVector)
		}
		sq += f * f
	}
	if sq == 0 {
		return true, nil
	}
	n := math.Sqrt(sq)
	if math.Abs(n-1) > normTolerance {
		return false, fmt.Errorf("vector has length %.4f, want 1: %w", n, ErrBadVector)
	}
	if math.Abs(n-1) > 1e-6 {
		for i := range v {
			v[i] = float32(float64(v[i]) / n)
		}
	}
	return false, nil
}

// dot is the dot product of two vectors of equal length; for normalised
// vectors it is their cosine.
func dot(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}
