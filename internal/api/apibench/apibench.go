// Package apibench generates a large synthetic fact history and times API
// requests against it. It backs the API benchmark (internal/api) and the
// bench-api command (scripts/benchapi).
package apibench

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Begin is the first day of the generated history; it spans Days days.
var Begin = time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)

// Days is the length of the generated history.
const Days = 90

// Generate emits at least n facts in batches of batchSize, deterministically:
// sessions during working hours on 12 projects and 4 models, a fifth of the
// requests in subagents, each API request followed by 0-3 tool calls (a
// tool_use and a tool_result fact each, one in twenty failing), a prompt per
// 20 requests, a commit and a skill now and then, and every session read on
// one of 6 hosts and linked to one of 40 features and one of 400 tasks (a
// fifth to a second task, less surely). The link graph is the correlation
// processor's: feature → task once per task, session → commit and task →
// commit per commit, commit → PR for a quarter of the commits (each PR also
// a fact). Roughly 40% of the facts are API requests.
func Generate(n, batchSize int, emit func([]facts.Fact) error) (int, error) {
	rng := rand.New(rand.NewPCG(7, 11))
	models := []string{"claude-opus-4-6", "claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"}
	tools := []string{"Bash", "Read", "Edit", "Grep", "Write", "Glob", "Task", "WebFetch"}
	agents := []string{"Explore", "general-purpose", "code-reviewer"}
	batch := make([]facts.Fact, 0, batchSize)
	taskSeen := map[string]bool{}
	prs := 0
	total := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := emit(batch)
		total += len(batch)
		batch = batch[:0]
		return err
	}
	add := func(f facts.Fact) error {
		batch = append(batch, f)
		if len(batch) >= batchSize {
			return flush()
		}
		return nil
	}
	for sess := 0; total+len(batch) < n; sess++ {
		id := fmt.Sprintf("sess-%06d", sess)
		project := fmt.Sprintf("/home/dev/project-%02d", rng.IntN(12))
		mainModel := models[rng.IntN(3)]
		ts := Begin.Add(time.Duration(rng.IntN(Days))*24*time.Hour + time.Duration(7+rng.IntN(13))*time.Hour +
			time.Duration(rng.IntN(3600))*time.Second)
		host := fmt.Sprintf("host-%d", rng.IntN(6))
		feature := fmt.Sprintf("F%02d", rng.IntN(40))
		task := fmt.Sprintf("%s-T%03d", feature, rng.IntN(10))
		link := func(fromType, fromID, toType, toID string, conf float64, source string, amb float64) error {
			return add(facts.Fact{Key: "link:" + fromType + ":" + fromID + ":" + toType + ":" + toID, Event: facts.EventLink,
				Time: ts, SessionID: id, LinkFromType: fromType, LinkFromID: fromID, LinkToType: toType, LinkToID: toID,
				Confidence: conf, LinkSource: source, Ambiguity: amb})
		}
		tasks := []string{task}
		if rng.IntN(5) == 0 {
			tasks = append(tasks, fmt.Sprintf("%s-T%03d", feature, rng.IntN(10)))
		}
		for i, t := range tasks {
			if !taskSeen[t] {
				taskSeen[t] = true
				if err := link(facts.EntityFeature, feature, facts.EntityTask, t, 1, facts.LinkExplicit, 1); err != nil {
					return total, err
				}
			}
			conf, source, amb := 0.9, facts.LinkExplicit, 1.0
			if i > 0 {
				conf, source, amb = 0.6, facts.LinkInferred, 0.5
			}
			if err := link(facts.EntityTask, t, facts.EntitySession, id, conf, source, amb); err != nil {
				return total, err
			}
		}
		if err := link(facts.EntityFeature, feature, facts.EntitySession, id, 0.9, facts.LinkExplicit, 1); err != nil {
			return total, err
		}
		sessionID, parent, stype, agentType := id, "", facts.SessionMain, ""
		for k, size := 0, 30+rng.IntN(400); k < size && total+len(batch) < n; k++ {
			ts = ts.Add(time.Duration(2+rng.IntN(40)) * time.Second)
			if rng.IntN(25) == 0 { // a subagent starts or ends
				if parent == "" {
					agentType = agents[rng.IntN(len(agents))]
					sessionID, parent, stype = fmt.Sprintf("%s/agent-%d", id, k), id, facts.SessionSubagent
					if err := add(facts.Fact{Key: "session:" + sessionID, Event: facts.EventSession, Time: ts, FirstTime: ts,
						LastTime: ts.Add(10 * time.Minute), SessionID: sessionID, ParentSessionID: id, RootSessionID: id,
						SessionType: stype, AgentType: agentType, Project: project, Host: host}); err != nil {
						return total, err
					}
				} else {
					sessionID, parent, stype = id, "", facts.SessionMain
				}
			}
			base := facts.Fact{Time: ts, SessionID: sessionID, ParentSessionID: parent, RootSessionID: id,
				SessionType: stype, Project: project, Host: host}
			model := mainModel
			if rng.IntN(5) == 0 {
				model = models[3]
			}
			u := facts.Usage{Input: int64(1 + rng.IntN(50)), Output: int64(10 + rng.IntN(2000)),
				CacheCreate5m: int64(rng.IntN(5000)), CacheRead: int64(10_000 + rng.IntN(140_000))}
			req := base
			req.Key, req.Event, req.Model, req.MessageID, req.Usage = fmt.Sprintf("req:%s:%d", id, k), facts.EventAPIRequest, model,
				fmt.Sprintf("msg_%s_%d", id, k), u
			req.CostNanos, req.IsSidechain = u.Total()*3, parent != ""
			if err := add(req); err != nil {
				return total, err
			}
			for c := rng.IntN(4); c > 0; c-- {
				tu := base
				tid := fmt.Sprintf("toolu_%s_%d_%d", id, k, c)
				tu.Key, tu.Event, tu.ToolName, tu.ToolUseID = "tool_use:"+tid, facts.EventToolUse, tools[rng.IntN(len(tools))], tid
				tr := base
				tr.Time = ts.Add(time.Duration(100+rng.IntN(5000)) * time.Millisecond)
				tr.Key, tr.Event, tr.ToolUseID, tr.IsError = "tool_result:"+tid, facts.EventToolResult, tid, rng.IntN(20) == 0
				if err := add(tu); err != nil {
					return total, err
				}
				if err := add(tr); err != nil {
					return total, err
				}
			}
			extra := base
			switch {
			case k%20 == 0:
				extra.Key, extra.Event = fmt.Sprintf("prompt:%s:%d", id, k), facts.EventUserPrompt
			case rng.IntN(60) == 0:
				sha := fmt.Sprintf("%06x%04x", sess, k)
				extra.Key, extra.Event, extra.CommitSHA = "commit:"+sha, facts.EventCommit, sha
				extra.Payload = fmt.Sprintf(`{"subject":"%s: step %d"}`, task, k)
				if err := add(extra); err != nil {
					return total, err
				}
				if err := link(facts.EntitySession, id, facts.EntityCommit, sha, 1, facts.LinkExplicit, 1); err != nil {
					return total, err
				}
				if err := link(facts.EntityTask, task, facts.EntityCommit, sha, 0.7, facts.LinkInferred, 1); err != nil {
					return total, err
				}
				if rng.IntN(4) != 0 {
					continue
				}
				prs++
				url := fmt.Sprintf("https://github.com/acme/repo/pull/%d", prs)
				pr := base
				pr.Key, pr.Event, pr.PRURL, pr.PRNumber = "pr:"+url, facts.EventPullRequest, url, int64(prs)
				if err := add(pr); err != nil {
					return total, err
				}
				if err := link(facts.EntityCommit, sha, facts.EntityPullRequest, url, 0.8, facts.LinkInferred, 1); err != nil {
					return total, err
				}
				continue
			case rng.IntN(80) == 0:
				extra.Key, extra.Event, extra.SkillName = fmt.Sprintf("skill:%s:%d", id, k), facts.EventSkillActivated, "pdf"
			default:
				continue
			}
			if err := add(extra); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}

// Targets are the timed requests: the dashboard's typical queries, all
// history and the last 30 days, grouped and filtered.
func Targets() []string {
	last30 := "&start=" + Begin.AddDate(0, 0, Days-30).Format("2006-01-02") + "&end=" + Begin.AddDate(0, 0, Days-1).Format("2006-01-02")
	return []string{
		"/api/analytics/series?metric=cost_usd&period=daily",
		"/api/analytics/series?metric=tokens_total&period=daily&group_by=model" + last30,
		"/api/analytics/series?metric=sessions&period=weekly&group_by=project",
		"/api/analytics/series?metric=cost_usd&period=daily&model_family=opus&project=/home/dev/project-03",
		"/api/analytics/series?metric=tool_calls&period=daily&group_by=tool" + last30,
		"/api/analytics/breakdown?dimension=model&metric=cost_usd",
		"/api/analytics/breakdown?dimension=project&metric=tokens_total" + last30,
		"/api/analytics/breakdown?dimension=feature&metric=cost_usd" + last30,
		"/api/analytics/breakdown?dimension=tool&metric=tool_calls" + last30,
		"/api/analytics/correlation?limit=100",
		"/api/analytics/correlation?feature=F07",
		"/api/analytics/correlation?project=/home/dev/project-03&limit=50" + last30,
		"/api/analytics/overview" + "?start=" + Begin.AddDate(0, 0, Days-7).Format("2006-01-02"),
		// Filters that select whole sessions (agent, tool) or threads (feature).
		"/api/analytics/overview?agent=Explore" + last30,
		"/api/analytics/overview?feature=F07" + last30,
		"/api/analytics/overview?tool=WebFetch" + last30,
		"/api/analytics/series?metric=cost_usd&period=daily&group_by=agent" + last30,
		"/api/analytics/export/prometheus",
		// Hosts (sessions.host) and one session's detail with its native events.
		"/api/analytics/hosts",
		"/api/analytics/overview?host=host-1" + last30,
		"/api/analytics/breakdown?dimension=host&metric=cost_usd" + last30,
		"/api/analytics/sessions/sess-000100",
	}
}

// Result is the latency distribution of one target.
type Result struct {
	Target   string
	N        int
	P50, P95 time.Duration
	Status   int
}

// Measure sends n GETs of target (after one warm-up) and returns p50/p95.
func Measure(c *http.Client, base, target string, n int) (Result, error) {
	r := Result{Target: target, N: n}
	get := func() (time.Duration, error) {
		start := time.Now()
		resp, err := c.Get(base + target)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		r.Status = resp.StatusCode
		return time.Since(start), err
	}
	if _, err := get(); err != nil {
		return r, err
	}
	times := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		d, err := get()
		if err != nil {
			return r, err
		}
		times = append(times, d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	r.P50, r.P95 = times[len(times)/2], times[min(len(times)-1, len(times)*95/100)]
	return r, nil
}
