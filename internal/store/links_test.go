package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func linkFact(fromType, fromID, toType, toID string, conf float64, source string, amb float64, ts time.Time) facts.Fact {
	return facts.Fact{Key: "link:" + fromType + ":" + fromID + ">" + toType + ":" + toID, Event: facts.EventLink, Time: ts,
		LinkFromType: fromType, LinkFromID: fromID, LinkToType: toType, LinkToID: toID,
		Confidence: conf, LinkSource: source, Ambiguity: amb}
}

func TestLinksKeepBestEvidenceInAnyOrder(t *testing.T) {
	weak := linkFact(facts.EntityTask, "AN-1", facts.EntitySession, "s1", 0.6, facts.LinkInferred, 1, at(time.Minute))
	strong := linkFact(facts.EntityTask, "AN-1", facts.EntitySession, "s1", 0.9, facts.LinkExplicit, 0.5, at(time.Hour))
	tieInferred := linkFact(facts.EntityFeature, "f", facts.EntitySession, "s1", 0.9, facts.LinkInferred, 1, at(0))
	tieExplicit := linkFact(facts.EntityFeature, "f", facts.EntitySession, "s1", 0.9, facts.LinkExplicit, 0.5, at(2*time.Hour))
	want := []Link{
		{FromType: "feature", FromID: "f", ToType: "session", ToID: "s1", Confidence: 0.9, Source: "explicit", Ambiguity: 0.5, FirstSeenMs: at(0).UnixMilli()},
		{FromType: "task", FromID: "AN-1", ToType: "session", ToID: "s1", Confidence: 0.9, Source: "explicit", Ambiguity: 0.5, FirstSeenMs: at(time.Minute).UnixMilli()},
	}
	orders := map[string][][]facts.Fact{
		"one batch":           {{weak, strong, tieInferred, tieExplicit}},
		"one batch, reversed": {{tieExplicit, tieInferred, strong, weak}},
		"weak last":           {{strong}, {tieExplicit}, {weak}, {tieInferred}},
		"strong last":         {{weak}, {tieInferred}, {strong}, {tieExplicit}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		for name, batches := range orders {
			t.Run(name, func(t *testing.T) {
				s := openStore(t, driver)
				for _, b := range batches {
					write(t, s, b...)
				}
				got, err := s.Links(context.Background())
				require.NoError(t, err)
				assert.Equal(t, want, got)

				// A replay of everything changes nothing.
				for _, b := range batches {
					write(t, s, b...)
				}
				again, err := s.Links(context.Background())
				require.NoError(t, err)
				assert.Equal(t, want, again)
			})
		}
	})
}

// correlationFacts: feature analytics with tasks AN-1 (worked in s1, which
// has a subagent, committed c1 and opened PR 7) and AN-2 (no session yet);
// task ZZ-9 without a feature, worked in s2 of another project; s3 read the
// feature's folder only.
func correlationFacts() []facts.Fact {
	sub := apiFact("m2", "s1/agent-x", "claude-opus-4-6", at(2*time.Minute), facts.Usage{Input: 10, Output: 5}, 2_000_000)
	sub.SessionType, sub.ParentSessionID, sub.RootSessionID = facts.SessionSubagent, "s1", "s1"
	s2 := apiFact("m3", "s2", "claude-opus-4-6", at(48*time.Hour), facts.Usage{Input: 7}, 3_000_000)
	s2.Project = "/q"
	pr := "https://github.com/o/r/pull/7"
	return []facts.Fact{
		apiFact("m1", "s1", "claude-opus-4-6", at(time.Minute), facts.Usage{Input: 100, Output: 20}, 1_000_000_000),
		sub, s2,
		apiFact("m4", "s3", "claude-opus-4-6", at(time.Minute), facts.Usage{Input: 1}, 500),
		{Key: "commit:c1", Event: facts.EventCommit, Time: at(3 * time.Minute), SessionID: "s1", RootSessionID: "s1",
			Project: "/p", CommitSHA: "c1", Payload: `{"subject":"AN-1: add it","branch":"feat/AN-1"}`},
		linkFact(facts.EntityFeature, "analytics", facts.EntityTask, "AN-1", 1, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityFeature, "analytics", facts.EntityTask, "AN-2", 1, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityTask, "AN-1", facts.EntitySession, "s1", 0.95, facts.LinkExplicit, 1, at(time.Minute)),
		linkFact(facts.EntityFeature, "analytics", facts.EntitySession, "s1", 0.9, facts.LinkExplicit, 1, at(time.Minute)),
		linkFact(facts.EntityFeature, "analytics", facts.EntitySession, "s3", 0.5, facts.LinkInferred, 1, at(time.Minute)),
		linkFact(facts.EntitySession, "s1", facts.EntityCommit, "c1", 1, facts.LinkExplicit, 1, at(3*time.Minute)),
		linkFact(facts.EntityTask, "AN-1", facts.EntityCommit, "c1", 0.95, facts.LinkExplicit, 1, at(3*time.Minute)),
		linkFact(facts.EntityCommit, "c1", facts.EntityPullRequest, pr, 0.9, facts.LinkExplicit, 1, at(4*time.Minute)),
		linkFact(facts.EntityTask, "ZZ-9", facts.EntitySession, "s2", 0.6, facts.LinkInferred, 1, at(48*time.Hour)),
	}
}

// rowIDs renders a row as its ids, "-" for a missing node.
func rowIDs(r CorrelationRow) [5]string {
	id := func(n *CorrelationNode) string {
		if n == nil {
			return "-"
		}
		return n.ID
	}
	return [5]string{id(r.Feature), id(r.Task), id(r.Session), id(r.Commit), id(r.PR)}
}

func TestCorrelation(t *testing.T) {
	pr := "https://github.com/o/r/pull/7"
	tests := []struct {
		name   string
		filter CorrelationFilter
		want   [][5]string
		total  int
	}{
		{name: "all", want: [][5]string{
			{"analytics", "AN-1", "s1", "c1", pr},
			{"analytics", "AN-2", "-", "-", "-"},
			{"analytics", "-", "s3", "-", "-"},
			{"-", "ZZ-9", "s2", "-", "-"},
		}},
		{name: "feature", filter: CorrelationFilter{Feature: "analytics", Limit: 1, Offset: 1}, total: 3,
			want: [][5]string{{"analytics", "AN-2", "-", "-", "-"}}},
		{name: "task", filter: CorrelationFilter{Task: "ZZ-9"}, want: [][5]string{{"-", "ZZ-9", "s2", "-", "-"}}},
		{name: "project", filter: CorrelationFilter{Project: "/p"}, want: [][5]string{
			{"analytics", "AN-1", "s1", "c1", pr},
			{"analytics", "-", "s3", "-", "-"},
		}},
		{name: "window", filter: CorrelationFilter{Start: at(24 * time.Hour), End: at(72 * time.Hour)},
			want: [][5]string{{"-", "ZZ-9", "s2", "-", "-"}}},
		{name: "offset past the end", filter: CorrelationFilter{Offset: 10}, total: 4, want: [][5]string{}},
	}
	answers := map[string][]byte{}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, correlationFacts()...)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := s.Correlation(context.Background(), tt.filter)
				require.NoError(t, err)
				got := [][5]string{}
				for _, r := range c.Rows {
					got = append(got, rowIDs(r))
				}
				assert.Equal(t, tt.want, got)
				total := tt.total
				if total == 0 {
					total = len(tt.want)
				}
				assert.Equal(t, total, c.Total)
				b, err := json.Marshal(c)
				require.NoError(t, err)
				if prev, ok := answers[tt.name]; ok {
					assert.JSONEq(t, string(prev), string(b), "dialects disagree")
				}
				answers[tt.name] = b
			})
		}

		c, err := s.Correlation(context.Background(), CorrelationFilter{Task: "AN-1"})
		require.NoError(t, err)
		require.Len(t, c.Rows, 1)
		r := c.Rows[0]
		assert.Nil(t, r.Feature.Link)
		assert.Equal(t, &CorrelationEdge{Confidence: 1, Source: "explicit", Ambiguity: 1}, r.Task.Link)
		assert.Equal(t, &CorrelationEdge{Confidence: 0.95, Source: "explicit", Ambiguity: 1}, r.Session.Link)
		assert.Equal(t, &CorrelationEdge{Confidence: 0.95, Source: "explicit", Ambiguity: 1}, r.Commit.Link)
		assert.Equal(t, &CorrelationEdge{Confidence: 0.9, Source: "explicit", Ambiguity: 1}, r.PR.Link)
		assert.Equal(t, "AN-1: add it", r.Commit.Title)
		assert.EqualValues(t, 7, r.PR.Number)
		// s1 with its subagent.
		assert.EqualValues(t, 1_002_000_000, r.Session.CostUSD.Raw())
		assert.EqualValues(t, 135, r.Session.Tokens.Raw())
		assert.EqualValues(t, 1_002_000_000, r.Task.CostUSD.Raw())
		// The feature: s1 (directly and through AN-1, once) and s3.
		assert.EqualValues(t, 1_002_000_500, r.Feature.CostUSD.Raw())
		assert.EqualValues(t, 2, r.Feature.Sessions.Raw())
	})
}

func TestCorrelationBadFilter(t *testing.T) {
	s := openStore(t, "sqlite")
	for _, f := range []CorrelationFilter{{Limit: -1}, {Offset: -1}, {Start: at(time.Hour), End: at(0)}} {
		_, err := s.Correlation(context.Background(), f)
		var qe *QueryError
		assert.ErrorAs(t, err, &qe)
	}
}
