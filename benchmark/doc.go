// Package benchmark measures faqbot's cost as the corpus grows, for
// `faqbot bench`: query latency of hybrid retrieval against chromem-go's
// own vector query and a plain scan of the same vectors (the
// memory-bandwidth floor), indexing throughput, index save and load,
// resident memory, end-to-end answer latency in-process and as a cold
// process, and LLM prompt tokens per answer against a fake server.
//
// The corpora are synthetic and deterministic (Corpus), so two runs on two
// machines measure the same work. Timings are reported as medians and
// percentiles and as ratios taken in the same run, never asserted: the
// machines they run on are shared and noisy.
package benchmark
