package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the bot's Prometheus metrics, on a registry of its own so
// that two bots (or tests) never share counters.
type metrics struct {
	reg        *prometheus.Registry
	questions  *prometheus.CounterVec
	refusals   prometheus.Counter
	rejected   *prometheus.CounterVec
	latency    prometheus.Histogram
	llmErrors  prometheus.Counter
	queueDepth prometheus.Gauge
}

func newMetrics(connected func() bool) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_questions_total",
			Help: "Questions answered (refusals included), by how they were asked: slash, mention or thread.",
		}, []string{"via"}),
		refusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faqbot_refusals_total",
			Help: "Questions the corpus did not answer.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "faqbot_rejected_questions_total",
			Help: "Questions not answered, by reason: empty, too_long, rate_limited, timeout, error, shutting_down.",
		}, []string{"reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "faqbot_answer_duration_seconds",
			Help: "Time from a question to its answer, queueing included.",
			// Extractive answers take milliseconds, LLM answers seconds.
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120},
		}),
		llmErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "faqbot_llm_errors_total",
			Help: "Answers that fell back from the LLM (the answer carries a note saying so).",
		}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "faqbot_queue_depth",
			Help: "Questions waiting for an answer slot.",
		}),
	}
	gateway := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "faqbot_gateway_connected",
		Help: "1 while the Discord gateway connection is up.",
	}, func() float64 {
		if connected() {
			return 1
		}
		return 0
	})
	m.reg.MustRegister(m.questions, m.refusals, m.rejected, m.latency, m.llmErrors, m.queueDepth, gateway,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// httpHandler serves /healthz and /metrics for operators.
func (b *Bot) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", b.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

// healthz answers 200 when the gateway is connected, an index is loaded
// and the database answers, 503 otherwise, with the state of each as JSON.
func (b *Bot) healthz(w http.ResponseWriter, r *http.Request) {
	gateway, index := b.connected.Load(), b.deps.IndexReady == nil || b.deps.IndexReady()
	var dbErr string
	if b.deps.DatabaseHealth != nil {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if err := b.deps.DatabaseHealth(ctx); err != nil {
			dbErr = err.Error()
		}
	}
	status := http.StatusOK
	if !gateway || !index || dbErr != "" {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Gateway  bool   `json:"gateway_connected"`
		Index    bool   `json:"index_loaded"`
		Database bool   `json:"database_ok"`
		DBError  string `json:"database_error,omitempty"`
	}{gateway, index, dbErr == "", dbErr})
}

// healthTimeout bounds the database check of one /healthz request: a
// database that does not answer within it is not healthy.
const healthTimeout = 2 * time.Second
