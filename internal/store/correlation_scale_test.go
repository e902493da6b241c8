package store

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/api/apibench"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// correlationEdgeFacts are link shapes the synthetic history lacks: a
// subagent linked as well as its parent (counted once), a linked session
// without a stored row, a subagent whose root has no row, a task claimed by
// two features, a task with a progress-file title, a commit outside the
// task's sessions and a task with no link but its feature's.
func correlationEdgeFacts() []facts.Fact {
	sub := apiFact("e2", "e1/agent-a", "claude-opus-4-6", at(time.Minute), facts.Usage{Input: 3}, 30)
	sub.SessionType, sub.ParentSessionID, sub.RootSessionID = facts.SessionSubagent, "e1", "e1"
	orphanSub := apiFact("e3", "ghost/agent-b", "claude-opus-4-6", at(time.Minute), facts.Usage{Input: 4}, 40)
	orphanSub.SessionType, orphanSub.ParentSessionID, orphanSub.RootSessionID = facts.SessionSubagent, "ghost", "ghost"
	return []facts.Fact{
		apiFact("e1", "e1", "claude-opus-4-6", at(0), facts.Usage{Input: 1}, 10),
		sub, orphanSub,
		taskFact("E", "E-1", "1", "done", at(0), at(time.Hour)),
		linkFact(facts.EntityFeature, "E", facts.EntityTask, "E-1", 1, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityFeature, "E", facts.EntityTask, "E-2", 1, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityFeature, "F00", facts.EntityTask, "E-1", 0.5, facts.LinkInferred, 0.5, at(0)),
		linkFact(facts.EntityTask, "E-1", facts.EntitySession, "e1", 0.9, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityTask, "E-1", facts.EntitySession, "e1/agent-a", 0.8, facts.LinkInferred, 1, at(0)),
		linkFact(facts.EntityTask, "E-1", facts.EntitySession, "nosuch", 0.4, facts.LinkInferred, 1, at(0)),
		linkFact(facts.EntityFeature, "E", facts.EntitySession, "ghost", 0.7, facts.LinkInferred, 1, at(0)),
		linkFact(facts.EntityTask, "E-1", facts.EntityCommit, "abc1234", 0.6, facts.LinkInferred, 1, at(0)),
		linkFact(facts.EntityCommit, "abc1234", facts.EntityPullRequest, "#12", 0.6, facts.LinkInferred, 1, at(0)),
	}
}

// TestCorrelationMatchesReference: the scaled view (filters in SQL, only
// the page described) answers exactly what the original one-pass version
// (correlation_ref_test.go) answered, on a synthetic history with the
// correlation processor's link graph plus edge cases, on both dialects.
func TestCorrelationMatchesReference(t *testing.T) {
	start := apibench.Begin.AddDate(0, 0, 20)
	filters := map[string]CorrelationFilter{
		"all":                     {},
		"page":                    {Limit: 7, Offset: 5},
		"past the end":            {Offset: 100000},
		"feature":                 {Feature: "F03"},
		"feature paged":           {Feature: "F03", Limit: 3, Offset: 2},
		"edge feature":            {Feature: "E"},
		"shared task":             {Task: "E-1"},
		"task":                    {Task: "F03-T001"},
		"feature and task":        {Feature: "F03", Task: "F03-T001"},
		"feature and other task":  {Feature: "F03", Task: "F04-T001"},
		"unknown feature":         {Feature: "nope"},
		"project":                 {Project: "/home/dev/project-03"},
		"window":                  {Start: start, End: start.AddDate(0, 0, 10)},
		"open start":              {Start: start},
		"open end":                {End: start},
		"project, window, paged":  {Project: "/home/dev/project-05", Start: start, Limit: 5, Offset: 1},
		"feature, project":        {Feature: "F03", Project: "/home/dev/project-03"},
		"task, window":            {Task: "E-1", Start: at(-time.Hour), End: at(time.Hour)},
		"edge project":            {Project: "/p"},
		"feature, window, paged":  {Feature: "F05", Start: start, Limit: 2},
		"task without a session":  {Task: "E-2"},
		"project without a match": {Project: "/nowhere"},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		_, err := apibench.Generate(25_000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
		require.NoError(t, err)
		write(t, s, correlationEdgeFacts()...)
		for name, f := range filters {
			t.Run(name, func(t *testing.T) {
				want, err := s.refCorrelation(ctx, f)
				require.NoError(t, err)
				got, err := s.Correlation(ctx, f)
				require.NoError(t, err)
				wb, err := json.Marshal(want)
				require.NoError(t, err)
				gb, err := json.Marshal(got)
				require.NoError(t, err)
				assert.JSONEq(t, string(wb), string(gb))
				if name == "all" {
					assert.Greater(t, got.Total, 50, "the history should have a real link graph")
				}
			})
		}
	})
}
