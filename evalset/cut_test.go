package evalset

import (
	"math"
	"testing"

	"github.com/faqbot/faqbot/answer"
	"github.com/faqbot/faqbot/retrieval"
)

func TestBestCut(t *testing.T) {
	// The calibration maps relevance to confidence piecewise linearly
	// around its threshold 0.4; margins are built from relevances through
	// it, as the engine builds them.
	cal := retrieval.Calibration{
		Threshold:  0.4,
		OffTopic:   retrieval.ScoreGroup{Median: 0.2},
		Answerable: retrieval.ScoreGroup{Median: 0.8},
	}
	result := func(rel float64, refuse bool) Result {
		conf := cal.Confidence(rel)
		q := Question{Question: "q", Refuse: refuse}
		if !refuse {
			q.Sources = []string{"doc"}
		}
		return Result{Question: q, Margin: conf - retrieval.ConfidenceThreshold,
			Answer: answer.Answer{Refused: conf < retrieval.ConfidenceThreshold, Confidence: conf, Mode: answer.ModeExtractive}}
	}
	set := func(ans, off []float64) Report {
		var r Report
		for _, x := range ans {
			r.Results = append(r.Results, result(x, false))
		}
		for _, x := range off {
			r.Results = append(r.Results, result(x, true))
		}
		return r
	}
	tests := []struct {
		name     string
		ans, off []float64
		ok       bool
		// wantLo < best threshold <= wantHi; the shares refused there.
		wantLo, wantHi     float64
		wantOff, wantAns   float64
		nowOff, nowAnswers float64
	}{
		{
			name: "threshold too low: off-topic questions at 0.45-0.55 answered",
			ans:  []float64{0.6, 0.7, 0.8, 0.9, 1.0},
			off:  []float64{0.1, 0.2, 0.45, 0.5, 0.55},
			ok:   true, wantLo: 0.55, wantHi: 0.6, wantOff: 1, wantAns: 0,
			nowOff: 0.4, nowAnswers: 0,
		},
		{
			name: "threshold too high: answerable questions at 0.3-0.35 refused",
			ans:  []float64{0.3, 0.35, 0.8, 0.9, 1.0},
			off:  []float64{0.0, 0.05, 0.1, 0.2, 0.25},
			ok:   true, wantLo: 0.25, wantHi: 0.3, wantOff: 1, wantAns: 0,
			nowOff: 1, nowAnswers: 0.4,
		},
		{
			name: "already best: the nearest of the equally good thresholds is the one in force",
			ans:  []float64{0.5, 0.6, 0.7, 0.8, 0.9},
			off:  []float64{0.1, 0.15, 0.2, 0.25, 0.3},
			ok:   true, wantLo: 0.39, wantHi: 0.41, wantOff: 1, wantAns: 0,
			nowOff: 1, nowAnswers: 0,
		},
		{
			name: "overlapping groups: the best is a trade, not a separation",
			ans:  []float64{0.2, 0.3, 0.6, 0.7, 0.8, 0.9},
			off:  []float64{0.1, 0.5, 0.65, 0.75, 0.05},
			// Refusing all five off-topic questions costs two more
			// answerable ones (0.6, 0.7) than the threshold in force:
			// 1 + 2/6 beats 0.4 + 4/6.
			ok: true, wantLo: 0.75, wantHi: 0.8, wantOff: 1, wantAns: 4.0 / 6,
			nowOff: 0.4, nowAnswers: 1.0 / 3,
		},
		{
			name: "too few off-topic questions to say anything",
			ans:  []float64{0.5, 0.6, 0.7, 0.8, 0.9},
			off:  []float64{0.1, 0.2, 0.3, 0.35},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			best, now, ok := set(tt.ans, tt.off).BestCut(cal)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if math.Abs(now.Relevance-0.4) > 1e-9 || !near(now.OffTopicRefused, tt.nowOff) || !near(now.AnswerableRefused, tt.nowAnswers) {
				t.Errorf("now = %+v, want threshold 0.4, off-topic refused %v, answerable refused %v", now, tt.nowOff, tt.nowAnswers)
			}
			if best.Relevance <= tt.wantLo || best.Relevance > tt.wantHi {
				t.Errorf("best threshold %.4f, want in (%v, %v]", best.Relevance, tt.wantLo, tt.wantHi)
			}
			if !near(best.OffTopicRefused, tt.wantOff) || !near(best.AnswerableRefused, tt.wantAns) {
				t.Errorf("best refuses off-topic %v, answerable %v; want %v, %v", best.OffTopicRefused, best.AnswerableRefused, tt.wantOff, tt.wantAns)
			}
		})
	}
}

// A set an LLM answered was decided by the model, not by the threshold:
// no threshold is suggested.
func TestBestCutSkipsLLMAnswers(t *testing.T) {
	var r Report
	for i := range 12 {
		q := Question{Question: "q", Refuse: i%2 == 0}
		if !q.Refuse {
			q.Sources = []string{"doc"}
		}
		r.Results = append(r.Results, Result{Question: q, Answer: answer.Answer{Mode: answer.ModeLLM}, Margin: float64(i) / 20})
	}
	if _, _, ok := r.BestCut(retrieval.Calibration{Threshold: 0.4}); ok {
		t.Error("a threshold was suggested for a set the LLM decided")
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
