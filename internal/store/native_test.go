package store

import (
	"context"
	"math/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
)

// nativeAPI is a native claude_code.api_request as internal/native makes it.
func nativeAPI(requestID, session string, u facts.Usage, cost, nativeCost, durMs int64) facts.Fact {
	return facts.Fact{
		Key: native.RequestKey(requestID), Event: facts.EventAPIRequest, Time: at(0),
		SessionID: session, RootSessionID: session, SessionType: facts.SessionMain,
		Model: "claude-opus-4-6", RequestID: requestID, Usage: u, CostNanos: cost, Host: "laptop",
		Native:  &facts.NativeInfo{Event: "api_request", JoinKey: requestID, CostNanos: nativeCost, DurationMs: durMs},
		Payload: `{"request_id":"` + requestID + `"}`,
	}
}

func withRequest(f facts.Fact, requestID string, sidechain bool) facts.Fact {
	f.RequestID, f.IsSidechain = requestID, sidechain
	return f
}

// nativeScenario: r1 arrives from both sources, r2 only natively, r3 is
// the request id of a sidechain copy of msg1 that the non-sidechain copy (r1)
// replaces, and a native tool_result enriches a transcript tool call.
func nativeScenario() []facts.Fact {
	u1 := facts.Usage{Input: 10, Output: 100, CacheRead: 1000}
	u2 := facts.Usage{Input: 7, Output: 70, CacheCreate5m: 700}
	ok := true
	toolRes := facts.Fact{
		Key: "native:tool_result:toolu_1", Event: facts.EventToolResult, Time: at(2e9),
		SessionID: "s1", RootSessionID: "s1", SessionType: facts.SessionMain, ToolName: "Bash", ToolUseID: "toolu_1",
		Native: &facts.NativeInfo{Event: "tool_result", JoinKey: "toolu_1", DurationMs: 1234, Success: &ok, Decision: "accept", DecisionSource: "config"},
	}
	tr1 := apiFact("msg1", "s1", "claude-opus-4-6", at(1e9), u1, 500)
	tr1.Host = "laptop"
	side := apiFact("msg1", "s1/agent-a", "claude-opus-4-6", at(1e9), facts.Usage{Input: 10, Output: 50}, 300)
	res := toolResult("toolu_1", "s1", at(2e9), false, 0)
	res.Key = "toolres:toolu_1" // the transcript's key
	return []facts.Fact{
		withRequest(tr1, "r1", false),
		withRequest(side, "r3", true),
		nativeAPI("r1", "s1", u1, 500, 510, 900),
		nativeAPI("r2", "s1", u2, 400, 420, 800),
		nativeAPI("r3", "s1", facts.Usage{Input: 1, Output: 2}, 9, 9, 100),
		toolUse("toolu_1", "s1", "Bash", at(1e9)),
		res,
		toolRes,
	}
}

func dumpNative(t *testing.T, s *Store) string {
	t.Helper()
	out := dumpTables(t, s)
	rows, err := s.db.Query("SELECT native_key, dedup_rank, host FROM native_events ORDER BY native_key")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var k, r, h string
		require.NoError(t, rows.Scan(&k, &r, &h))
		out += k + " " + r + " " + h + "\n"
	}
	require.NoError(t, rows.Err())
	return out
}

func TestNativeRequestsCountedOnce(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		fs := nativeScenario()

		ref := openStore(t, driver)
		write(t, ref, fs...)
		want := dumpNative(t, ref)

		var keys []string
		require.NoError(t, ref.db.QueryRow("SELECT COUNT(*) FROM telemetry_events").Scan(new(int)))
		rows, err := ref.db.Query("SELECT fact_key FROM telemetry_events WHERE event_name = 'claude_code.api_request' ORDER BY fact_key")
		require.NoError(t, err)
		for rows.Next() {
			var k string
			require.NoError(t, rows.Scan(&k))
			keys = append(keys, k)
		}
		require.NoError(t, rows.Close())
		// r1 has its transcript copy; r3's transcript copy lost to r1's; r2 is native only.
		assert.Equal(t, []string{native.RequestKey("r2"), native.RequestKey("r3"), "req:msg1"}, keys)

		var in, out, cacheRead, cacheCreate, cost, requests int64
		require.NoError(t, ref.db.QueryRow(`SELECT SUM(tokens_input), SUM(tokens_output), SUM(tokens_cache_read),
    SUM(tokens_cache_creation), SUM(cost_nanos), SUM(api_requests) FROM sessions`).Scan(&in, &out, &cacheRead, &cacheCreate, &cost, &requests))
		assert.Equal(t, []int64{10 + 7 + 1, 100 + 70 + 2, 1000, 700, 500 + 400 + 9, 3}, []int64{in, out, cacheRead, cacheCreate, cost, requests})
		var bucketTokens int64
		require.NoError(t, ref.db.QueryRow("SELECT SUM(tokens_input + tokens_output) FROM usage_buckets").Scan(&bucketTokens))
		assert.Equal(t, in+out, bucketTokens, "usage_buckets follow telemetry_events")

		// Any order, any batching, replayed: identical tables.
		rng := rand.New(rand.NewSource(6))
		for round := range 8 {
			s := openStore(t, driver)
			perm := rng.Perm(len(fs))
			shuffled := make([]facts.Fact, len(fs))
			for i, j := range perm {
				shuffled[i] = fs[j]
			}
			for start := 0; start < len(shuffled); {
				n := 1 + rng.Intn(3)
				write(t, s, shuffled[start:min(start+n, len(shuffled))]...)
				start += n
			}
			if round%2 == 1 {
				write(t, s, fs...) // replay
			}
			require.Equal(t, want, dumpNative(t, s), "round %d order %v", round, perm)
		}

		// Native fields are visible next to the transcript fact they enrich.
		evs, err := ref.NativeEvents(ctx, "s1", 0)
		require.NoError(t, err)
		byKey := map[string]NativeEvent{}
		for _, e := range evs {
			byKey[e.Key] = e
		}
		r1 := byKey[native.RequestKey("r1")]
		assert.Equal(t, "req:msg1", r1.TranscriptKey)
		assert.False(t, r1.Counted)
		assert.InDelta(t, 510e-9, r1.NativeCostUSD, 1e-15)
		assert.Equal(t, int64(900), r1.NativeDurationMs)
		assert.Equal(t, "laptop", r1.Host)
		r2 := byKey[native.RequestKey("r2")]
		assert.True(t, r2.Counted)
		assert.Empty(t, r2.TranscriptKey)
		tr := byKey["native:tool_result:toolu_1"]
		assert.Equal(t, "toolres:toolu_1", tr.TranscriptKey)
		assert.Equal(t, "accept", tr.Decision)
		require.NotNil(t, tr.Success)
		assert.True(t, *tr.Success)
		assert.Equal(t, int64(1234), tr.NativeDurationMs)

		hosts, err := ref.Hosts(ctx)
		require.NoError(t, err)
		got := map[string]int64{}
		for _, h := range hosts {
			got[h.Host] = h.Sessions
		}
		// s1 carries host facts; s1/agent-a (from a fact without host) has none.
		assert.Equal(t, map[string]int64{"": 1, "laptop": 1}, got)
	})
}

// A native-only request stops counting when its transcript copy arrives, and
// the native tool result never adds a tool call.
func TestNativeThenTranscript(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		u := facts.Usage{Input: 3, Output: 30}
		write(t, s, nativeAPI("rq", "s9", u, 77, 80, 10))
		total := func() (n, tokens int64) {
			require.NoError(t, s.db.QueryRow("SELECT COALESCE(SUM(api_requests), 0), COALESCE(SUM(tokens_input + tokens_output), 0) FROM usage_buckets").Scan(&n, &tokens))
			return n, tokens
		}
		n, tok := total()
		assert.Equal(t, []int64{1, 33}, []int64{n, tok})

		tr := withRequest(apiFact("m9", "s9", "claude-opus-4-6", at(3e9), u, 77), "rq", false)
		write(t, s, tr)
		n, tok = total()
		assert.Equal(t, []int64{1, 33}, []int64{n, tok}, "counted once after the transcript copy arrived")
		var key string
		require.NoError(t, s.db.QueryRow("SELECT fact_key FROM telemetry_events WHERE event_name = 'claude_code.api_request'").Scan(&key))
		assert.Equal(t, "req:m9", key)
		var sessionTokens int64
		require.NoError(t, s.db.QueryRow("SELECT tokens_input + tokens_output FROM sessions WHERE session_id = 's9'").Scan(&sessionTokens))
		assert.Equal(t, int64(33), sessionTokens)
	})
}

// A session read on two hosts keeps the smallest name, in either order.
func TestSessionHostOrderIndependent(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		onHost := func(host string, d time.Duration) facts.Fact {
			f := sessionFact("s1", "session:s1", at(d), at(d))
			f.Host = host
			return f
		}
		for _, order := range [][]string{{"host-b", "host-a"}, {"host-a", "host-b"}} {
			s := openStore(t, driver)
			write(t, s, onHost(order[0], 0))
			write(t, s, onHost(order[1], time.Minute))
			write(t, s, onHost(order[0], 0)) // replay
			hosts, err := s.Hosts(context.Background())
			require.NoError(t, err)
			require.Len(t, hosts, 1)
			assert.Equal(t, "host-a", hosts[0].Host, "order %v", order)
		}
	})
}
