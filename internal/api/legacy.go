package api

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// metricInfo is one entry of the legacy /metrics catalogue.
type metricInfo struct {
	ID         string      `json:"id"`
	Unit       string      `json:"unit"` // usd, tokens or count
	Dimensions []string    `json:"dimensions"`
	Total      store.Value `json:"total"`
}

func unitOf(id string, v store.Value) string {
	switch {
	case v.IsMoney():
		return "usd"
	case strings.HasPrefix(id, "tokens_"):
		return "tokens"
	default:
		return "count"
	}
}

// metrics answers the legacy GET /api/analytics/metrics: every metric id
// with its unit, group_by dimensions and total over the window.
func (h *handler) metrics(w http.ResponseWriter, r *http.Request) {
	o, q, ok := h.overviewOf(w, r)
	if !ok {
		return
	}
	out := struct {
		TZ      string       `json:"tz"`
		Start   *string      `json:"start"`
		End     *string      `json:"end"`
		Metrics []metricInfo `json:"metrics"`
	}{TZ: o.TZ, Start: formatBound(q.Start), End: formatBound(q.End), Metrics: []metricInfo{}}
	for _, id := range store.Metrics() {
		v := o.KPIs[id]
		out.Metrics = append(out.Metrics, metricInfo{ID: id, Unit: unitOf(id, v), Dimensions: store.Dimensions(id), Total: v})
	}
	writeJSON(w, http.StatusOK, out)
}

// trend is one metric's total in the window and in the window before.
type trend struct {
	Metric   string      `json:"metric"`
	Current  store.Value `json:"current"`
	Previous store.Value `json:"previous"`
	Change   store.Value `json:"change"`
	// ChangePct is 100 × change / previous rounded to 2 decimals, null when
	// previous is 0.
	ChangePct *float64 `json:"change_pct"`
}

// defaultTrendWindow is the window of /trends without start.
const defaultTrendWindow = 7 * 24 * time.Hour

// trends answers the legacy GET /api/analytics/trends: each metric's total
// over [start, end) against the equally long window just before it. end
// defaults to now, start to end minus 7 days.
func (h *handler) trends(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	metrics := p.list("metric")
	filters := p.filters()
	loc, start, end, err := p.scope()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if end.IsZero() {
		end = h.now().UTC().Truncate(time.Second)
		if !start.IsZero() && !end.After(start) {
			h.fail(w, r, badParam("start", "must be before now when end is not given"))
			return
		}
	}
	if start.IsZero() {
		start = end.Add(-defaultTrendWindow)
	}
	for _, m := range metrics {
		if !store.IsMetric(m) {
			h.fail(w, r, badParam("metric", "unknown metric %q (one of %s)", m, strings.Join(store.Metrics(), ", ")))
			return
		}
	}
	if len(metrics) == 0 {
		metrics = store.Metrics()
	}
	prevStart := start.Add(-end.Sub(start))
	cur, err := h.store.Overview(r.Context(), store.OverviewQuery{Start: start, End: end, Loc: loc, Filters: filters})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	prev, err := h.store.Overview(r.Context(), store.OverviewQuery{Start: prevStart, End: start, Loc: loc, Filters: filters})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		TZ            string  `json:"tz"`
		Start         *string `json:"start"`
		End           *string `json:"end"`
		PreviousStart *string `json:"previous_start"`
		PreviousEnd   *string `json:"previous_end"`
		Trends        []trend `json:"trends"`
	}{TZ: loc.String(), Start: formatBound(start), End: formatBound(end), PreviousStart: formatBound(prevStart),
		PreviousEnd: formatBound(start), Trends: []trend{}}
	for _, m := range metrics {
		c, pv := cur.KPIs[m], prev.KPIs[m]
		t := trend{Metric: m, Current: c, Previous: pv, Change: c.Minus(pv)}
		if pv.Raw() != 0 {
			pct := math.Round(float64(c.Raw()-pv.Raw())*10000/float64(pv.Raw())) / 100
			t.ChangePct = &pct
		}
		out.Trends = append(out.Trends, t)
	}
	writeJSON(w, http.StatusOK, out)
}

// promFamily is one metric family of the Prometheus export.
type promFamily struct {
	name, help string
	samples    []promSample
}

type promSample struct {
	labels [][2]string
	value  store.Value
}

// prometheus answers the legacy GET /api/analytics/export/prometheus: the
// all-time totals of the persisted facts as counters in the Prometheus text
// exposition format (version 0.0.4). All-time, so every series only grows,
// as counters must.
func (h *handler) prometheus(w http.ResponseWriter, r *http.Request) {
	type family struct{ name, help, metric, dim, label string }
	var families []family
	for _, kind := range []string{"input", "output", "cache_creation", "cache_read"} {
		families = append(families, family{"ccdash_tokens_total", "Tokens of de-duplicated API requests, by model and type.",
			"tokens_" + kind, store.DimModel, kind})
	}
	families = append(families, []family{
		{"ccdash_cost_usd_total", "Cost in US dollars of de-duplicated API requests, by model.", store.MetricCostUSD, store.DimModel, "model"},
		{"ccdash_tool_calls_total", "Tool calls, by tool.", store.MetricToolCalls, store.DimTool, "tool"},
		{"ccdash_tool_errors_total", "Failed tool calls, by tool.", store.MetricToolErrors, store.DimTool, "tool"},
		{"ccdash_skill_activations_total", "Skill activations, by skill.", store.MetricSkillActivations, store.DimSkill, "skill"},
		{"ccdash_sessions_total", "Sessions (a main session and its subagents count once), by project.", store.MetricSessions, store.DimProject, "project"},
		{"ccdash_commits_total", "Commits made in sessions, by project.", store.MetricCommits, store.DimProject, "project"},
		{"ccdash_pull_requests_total", "Pull requests opened in sessions, by project.", store.MetricPullRequests, store.DimProject, "project"},
	}...)
	// The token types and cost (the first five families) are sums over the
	// same API requests by model: one pass (BreakdownSums); tool calls and
	// tool errors likewise. The other
	// breakdowns are independent and run a few at a time, like the
	// overview's queries. A job fills results from index first on.
	type job struct {
		first int
		run   func() ([]*store.Breakdown, error)
	}
	ctx := r.Context()
	jobs := []job{{0, func() ([]*store.Breakdown, error) {
		var also []string
		for _, f := range families[1:5] {
			also = append(also, f.metric)
		}
		return h.store.BreakdownSums(ctx, store.BreakdownQuery{Metric: families[0].metric, Dimension: store.DimModel}, also)
	}}}
	for i := 5; i < len(families); i++ {
		if families[i].metric == store.MetricToolCalls && families[i+1].metric == store.MetricToolErrors {
			jobs = append(jobs, job{i, func() ([]*store.Breakdown, error) { // one pass for both
				return h.store.BreakdownSums(ctx, store.BreakdownQuery{Metric: store.MetricToolCalls, Dimension: store.DimTool},
					[]string{store.MetricToolErrors})
			}})
			i++
			continue
		}
		jobs = append(jobs, job{i, func() ([]*store.Breakdown, error) {
			b, err := h.store.Breakdown(ctx, store.BreakdownQuery{Metric: families[i].metric, Dimension: families[i].dim})
			return []*store.Breakdown{b}, err
		}})
	}
	results := make([][]store.BreakdownRow, len(families))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, promParallelism)
	var wg sync.WaitGroup
	for k, jb := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			bs, err := jb.run()
			if err != nil {
				errs[k] = err
				return
			}
			for j, b := range bs {
				rows := b.Rows
				sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
				results[jb.first+j] = rows
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	var fams []promFamily
	for i, f := range families {
		if len(fams) == 0 || fams[len(fams)-1].name != f.name { // the token types share one family
			fams = append(fams, promFamily{name: f.name, help: f.help})
		}
		fam := &fams[len(fams)-1]
		for _, row := range results[i] {
			labels := [][2]string{{f.label, row.Key}}
			if f.name == "ccdash_tokens_total" {
				labels = [][2]string{{"model", row.Key}, {"type", f.label}}
			}
			fam.samples = append(fam.samples, promSample{labels: labels, value: row.Value})
		}
	}
	var b strings.Builder
	for _, f := range fams {
		b.WriteString("# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " counter\n")
		for _, s := range f.samples {
			b.WriteString(f.name + "{")
			for i, l := range s.labels {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l[0] + `="` + escapeLabel(l[1]) + `"`)
			}
			b.WriteString("} ")
			if s.value.IsMoney() {
				b.WriteString(strconv.FormatFloat(s.value.Float(), 'g', -1, 64))
			} else {
				b.WriteString(strconv.FormatInt(s.value.Raw(), 10))
			}
			b.WriteByte('\n')
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(b.String()))
}

// escapeLabel escapes a label value for the text format: backslash, double
// quote and line feed.
func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(strings.ToValidUTF8(v, "\uFFFD"))
}

// promParallelism bounds the export's concurrent queries: on a two-core
// host two was fastest, four only added contention (SQLite, 1M facts).
const promParallelism = 2
