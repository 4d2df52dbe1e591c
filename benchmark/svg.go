package benchmark

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/faqbot/faqbot/retrieval"
)

// Chart geometry, in SVG user units (pixels). Below each panel: tick
// labels, the axis title and up to legendRows rows of legend.
const (
	panelW     = 440
	panelH     = 300
	panelTop   = 60
	panelLeft  = 80
	panelGap   = 500 // left edge of the second panel minus the first's
	legendRows = 3
	chartW     = panelLeft + panelGap + panelW + 30
	chartH     = panelTop + panelH + 52 + legendRows*16 + 10
)

// series is one line of a chart.
type series struct {
	name, color, dash string
	pts               [][2]float64 // (x, y), y > 0
}

// Method colours: the same method has the same colour in every run.
const (
	colHybrid  = "#d62728"
	colChromem = "#1f77b4"
	colFloor   = "#2ca02c"
	colRSS     = "#ff7f0e"
	colHeap    = "#9467bd"
	colRaw     = "#7f7f7f"
)

// dash is solid for the built-in embedder's size and dashed for others.
func dash(dim int) string {
	if dim == retrieval.DefaultHashDim {
		return ""
	}
	return "7 4"
}

// WriteSVG draws two panels against corpus size (log scale): query latency
// p50 of hybrid retrieval, chromem-go and the scan floor; and memory per
// passage (resident, heap, raw). Solid lines are the built-in 512-dim
// vectors, dashed ones the others.
func (r *Report) WriteSVG(w io.Writer) error {
	var lat, mem []series
	for _, dim := range r.dims() {
		var h, c, f, rss, heap, raw series
		h = series{name: fmt.Sprintf("hybrid, %d dims", dim), color: colHybrid, dash: dash(dim)}
		c = series{name: fmt.Sprintf("chromem-go, %d dims", dim), color: colChromem, dash: dash(dim)}
		f = series{name: fmt.Sprintf("scan floor, %d dims", dim), color: colFloor, dash: dash(dim)}
		rss = series{name: fmt.Sprintf("resident, %d dims", dim), color: colRSS, dash: dash(dim)}
		heap = series{name: fmt.Sprintf("heap, %d dims", dim), color: colHeap, dash: dash(dim)}
		raw = series{name: fmt.Sprintf("raw vector + text, %d dims", dim), color: colRaw, dash: dash(dim)}
		for _, s := range r.Scale {
			if s.Dim != dim {
				continue
			}
			x := float64(s.Passages)
			n := float64(max(s.Passages, 1))
			h.pts = append(h.pts, [2]float64{x, msf(s.Hybrid.P50)})
			c.pts = append(c.pts, [2]float64{x, msf(s.Chromem.P50)})
			f.pts = append(f.pts, [2]float64{x, msf(s.Floor.P50)})
			rss.pts = append(rss.pts, [2]float64{x, float64(s.RSS) / n / 1024})
			heap.pts = append(heap.pts, [2]float64{x, float64(s.Heap) / n / 1024})
			raw.pts = append(raw.pts, [2]float64{x, float64(s.RawBytes) / n / 1024})
		}
		lat = append(lat, h, c, f)
		mem = append(mem, rss, heap, raw)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartW, chartH, chartW, chartH)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", chartW, chartH)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", panelLeft, esc("faqbot bench: cost against corpus size"))
	fmt.Fprintf(&b, `<text x="%d" y="40" fill="#555">%s</text>`+"\n", panelLeft, esc(r.Machine.String()))
	panel(&b, panelLeft, panelTop, "query latency p50 (ms)", lat)
	panel(&b, panelLeft+panelGap, panelTop, "memory per passage (KiB)", mem)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dims lists the vector sizes in the report, in first-seen order.
func (r *Report) dims() []int {
	var out []int
	for _, s := range r.Scale {
		seen := false
		for _, d := range out {
			seen = seen || d == s.Dim
		}
		if !seen {
			out = append(out, s.Dim)
		}
	}
	return out
}

// panel draws one log-log plot with its axes, grid and legend.
func panel(b *strings.Builder, left, top float64, title string, ss []series) {
	xlo, xhi := logRange(ss, 0)
	ylo, yhi := logRange(ss, 1)
	px := func(x float64) float64 {
		return left + panelW*(math.Log10(x)-math.Log10(xlo))/(math.Log10(xhi)-math.Log10(xlo))
	}
	py := func(y float64) float64 {
		return top + panelH - panelH*(math.Log10(y)-math.Log10(ylo))/(math.Log10(yhi)-math.Log10(ylo))
	}
	fmt.Fprintf(b, `<g><text x="%.1f" y="%.1f" font-weight="bold">%s</text>`+"\n", left, top-8, esc(title))
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", left, top, panelW, panelH)
	for _, t := range ticks(xlo, xhi) {
		x := px(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, x, top, x, top+panelH)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, top+panelH+16, esc(count(int(t))))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">passages (log scale)</text>`+"\n", left+panelW/2, top+panelH+34)
	for _, t := range ticks(ylo, yhi) {
		y := py(t)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, left, y, left+panelW, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+4, esc(label(t)))
	}
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		var pts []string
		for _, p := range s.pts {
			if p[0] > 0 && p[1] > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1])))
			}
		}
		dashAttr := ""
		if s.dash != "" {
			dashAttr = fmt.Sprintf(` stroke-dasharray="%s"`, s.dash)
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s><title>%s</title></polyline>`+"\n",
			strings.Join(pts, " "), s.color, dashAttr, esc(s.name))
		for _, p := range pts {
			x, y, _ := strings.Cut(p, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="3" fill="%s"/>`, x, y, s.color)
		}
		b.WriteString("\n")
	}
	// Legend below the axis label, two columns.
	for i, s := range ss {
		lx := left + float64(i%2)*panelW/2
		ly := top + panelH + 52 + float64(i/2)*16
		dashAttr := ""
		if s.dash != "" {
			dashAttr = fmt.Sprintf(` stroke-dasharray="%s"`, s.dash)
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`, lx, ly-4, lx+24, ly-4, s.color, dashAttr)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", lx+30, ly, esc(s.name))
	}
	b.WriteString("</g>\n")
}

// logRange returns decade bounds around coordinate i of every point.
func logRange(ss []series, i int) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.pts {
			if v := p[i]; v > 0 {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 1, 10
	}
	lo = math.Pow(10, math.Floor(math.Log10(lo)))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// ticks returns 1, 2 and 5 times each power of ten in [lo, hi] when the
// range is a few decades, else the powers of ten alone.
func ticks(lo, hi float64) []float64 {
	steps := []float64{1, 2, 5}
	if math.Log10(hi/lo) > 3 {
		steps = []float64{1}
	}
	var out []float64
	for d := lo; d <= hi*1.0001; d *= 10 {
		for _, s := range steps {
			if t := d * s; t <= hi*1.0001 {
				out = append(out, t)
			}
		}
	}
	return out
}

// label formats an axis value without trailing zeros.
func label(v float64) string {
	if v >= 1000 {
		return count(int(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func esc(s string) string { return html.EscapeString(s) }
