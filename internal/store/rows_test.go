package store

import (
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "nl\n\r\t", "\x00\x01\x1f\x7f", "é ☃ 𝄞", "\u2028", "bad\xffutf8"} {
		got := appendJSONString(nil, s)
		require.True(t, json.Valid(got), "%q -> %s", s, got)
		want, err := json.Marshal(s) // invalid UTF-8 becomes U+FFFD in both
		require.NoError(t, err)
		var a, b string
		require.NoError(t, json.Unmarshal(got, &a))
		require.NoError(t, json.Unmarshal(want, &b))
		assert.Equal(t, b, a, "%q", s)
	}
}

func TestPayloadJSON(t *testing.T) {
	code := int64(2)
	f := facts.Fact{AgentType: "Explore", ExitCode: &code, PRNumber: 7, Additions: 3, FirstTime: t0,
		Payload: `{"k":[1,2]}`}
	assert.JSONEq(t, `{"agent_type":"Explore","exit_code":2,"pr_number":7,"additions":3,
		"first_time_ms":`+jsonInt(t0.UnixMilli())+`,"payload":{"k":[1,2]}}`, string(payloadJSON(&f)))

	f = facts.Fact{Payload: "not json"}
	assert.JSONEq(t, `{"payload":"not json"}`, string(payloadJSON(&f)))
	assert.Equal(t, "{}", string(payloadJSON(&facts.Fact{})))
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestRebind(t *testing.T) {
	assert.Equal(t, "a = ? AND b IN (?, ?)", dialectSQLite.rebind("a = ? AND b IN (?, ?)"))
	assert.Equal(t, "a = $1 AND b IN ($2, $3)", dialectPostgres.rebind("a = ? AND b IN (?, ?)"))
}

func TestBucketOf(t *testing.T) {
	assert.Equal(t, t0.Unix(), bucketOf(t0.Add(14*time.Minute+59*time.Second).UnixMilli()))
	assert.Equal(t, t0.Add(15*time.Minute).Unix(), bucketOf(t0.Add(15*time.Minute).UnixMilli()))
	assert.Equal(t, int64(-900), bucketOf(-1))
}

// TestMergeRulesCommute checks the Go twins of the SQL merge rules on random
// inputs: the result must not depend on the order facts are folded in. (The
// SQL side is covered by TestWriteOrderIndependent.)
func TestMergeRulesCommute(t *testing.T) {
	r := rand.New(rand.NewSource(42))
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	ts := func() time.Time { return t0.Add(time.Duration(r.Intn(4)) * time.Minute) }
	var sessions []sessionRow
	var tools []toolRow
	for range 60 {
		f := facts.Fact{Event: pick(facts.EventSession, facts.EventAPIRequest, facts.EventSubagentLinked), Time: ts(),
			SessionID: "s", ParentSessionID: pick("", "p1", "p2"), RootSessionID: pick("", "r"),
			SessionType: pick("", "main", "subagent"), AgentType: pick("", "x", "y"), Project: pick("", "/a", "/b"),
			Cwd: pick("", "/a"), GitBranch: pick("", "main", "dev"), Version: pick("", "2.0.1", "2.1.0"), Status: pick("", "ok", "done")}
		if r.Intn(2) == 0 {
			f.FirstTime, f.LastTime = ts(), ts()
		}
		sessions = append(sessions, newSessionRow(&f))
		g := facts.Fact{Event: pick(facts.EventToolUse, facts.EventToolResult), Time: ts(), ToolUseID: "t",
			SessionID: pick("", "s1", "s2"), ToolName: pick("", "Bash", "Read"), IsError: r.Intn(2) == 0,
			DurationMs: int64(r.Intn(3) * 100)}
		tools = append(tools, newToolRow(&g))
	}
	for range 200 {
		a, b, c := sessions[r.Intn(len(sessions))], sessions[r.Intn(len(sessions))], sessions[r.Intn(len(sessions))]
		assert.Equal(t, mergeSession(a, b), mergeSession(b, a))
		assert.Equal(t, mergeSession(mergeSession(a, b), c), mergeSession(a, mergeSession(b, c)))
		assert.Equal(t, mergeSession(a, a), a)
	}
	// Tool calls: one start and one result commute.
	for range 200 {
		u, e := tools[r.Intn(len(tools))], tools[r.Intn(len(tools))]
		if !u.started.Valid || !e.ended.Valid {
			continue
		}
		assert.Equal(t, mergeTool(u, e), mergeTool(e, u))
	}
}
