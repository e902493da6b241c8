package progress

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFixture(t *testing.T) {
	p := filepath.Join("testdata", ".claude", "progress", "feat-a", "phase-2-progress.md")
	doc, err := ParseFile(p)
	require.NoError(t, err)
	assert.True(t, doc.HasFrontMatter)
	assert.Equal(t, "feat-a", doc.FeatureID)
	assert.Equal(t, "path", doc.FeatureSource)
	assert.Equal(t, "2", doc.Phase)
	assert.Equal(t, "Feature A, phase 2", doc.Title)
	assert.Equal(t, "in-progress", doc.RawStatus)
	assert.Equal(t, StatusInProgress, doc.Status)
	assert.Equal(t, []string{"sess-doc-1"}, doc.SessionIDs)

	type row struct{ id, title, phase, raw, status string }
	var got []row
	for _, tk := range doc.Tasks {
		got = append(got, row{tk.ID, tk.Title, tk.Phase, tk.RawStatus, tk.Status})
	}
	assert.Equal(t, []row{
		{"A-1", "Titled task", "2", "completed", StatusDone},
		{"A-2", "Named task", "2", "Done", StatusDone},
		{"A-3", "Described task", "2", "deferred", StatusDeferred},
		{"A-4", "A-4", "2", "wont-do", StatusDeferred},
		{"A-5", "A-5", "2", "in_progress", StatusInProgress},
		{"A-6", "A-6", "2", "blocked", StatusBlocked},
		{"A-7", "A-7", "2", "not_started", StatusPending},
		{"A-8", "A-8", "2", "review", StatusUnknown},
		{"A-9", "A-9", "2", "", StatusUnknown},
		{"10", "10", "3", "planning", StatusPending},
	}, got)

	assert.Equal(t, []string{"sess-task-1"}, doc.Tasks[0].SessionIDs)
	assert.Equal(t, "2026-06-11T10:00Z", doc.Tasks[0].Completed)
	assert.Equal(t, []string{"sess-task-2", "sess-task-3"}, doc.Tasks[4].SessionIDs, "sessions is a document key, not a task key")
	require.Len(t, doc.Warnings, 3)
	assert.Contains(t, doc.Warnings[0], "has no id")
	assert.Contains(t, doc.Warnings[1], `duplicate id "A-1"`)
	assert.Contains(t, doc.Warnings[2], "not a mapping")
}

func TestParseQuickFeature(t *testing.T) {
	doc, err := ParseFile(filepath.Join("testdata", ".claude", "progress", "quick-features", "small-fix.md"))
	require.NoError(t, err)
	assert.Equal(t, "small-fix", doc.FeatureID)
	assert.Equal(t, "slug", doc.FeatureSource)
	assert.Empty(t, doc.Tasks)
	assert.Equal(t, StatusInProgress, doc.Status)
}

func TestParseNoFrontMatter(t *testing.T) {
	doc, err := ParseFile(filepath.Join("testdata", "no-front-matter.md"))
	require.NoError(t, err)
	assert.False(t, doc.HasFrontMatter)
	assert.Empty(t, doc.Tasks)
}

func TestParseMalformed(t *testing.T) {
	for _, tc := range []struct{ file, reason string }{
		{"unclosed.md", "front matter is not closed"},
		{"bad-yaml.md", "line 3: mapping values are not allowed"},
		{"tasks-not-list.md", "tasks (line 4) is not a list"},
		{"not-a-mapping.md", "is not a mapping"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := filepath.Join("testdata", "bad", tc.file)
			doc, err := ParseFile(p)
			require.Error(t, err)
			assert.Nil(t, doc)
			var me *MalformedError
			require.True(t, errors.As(err, &me))
			assert.Equal(t, p, me.Path)
			assert.Contains(t, err.Error(), p, "the error names the file")
			assert.Contains(t, me.Reason, tc.reason)
		})
	}
}

func TestParseEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		tasks      int
		hasFM      bool
	}{
		{"empty file", "", 0, false},
		{"only opening line", "---", 0, false},
		{"empty front matter", "---\n---\nbody", 0, true},
		{"crlf and bom", "\xef\xbb\xbf---\r\ntasks:\r\n  - id: T\r\n    status: done\r\n---\r\n", 1, true},
		{"dots close", "---\ntasks:\n  - id: T\n...\n", 1, true},
		{"null tasks", "---\ntasks:\n---\n", 0, true},
		{"anchors", "---\nbase: &b {status: done}\ntasks:\n  - id: T\n    status: *b\n---\n", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Parse("x/.claude/progress/f/phase-1-progress.md", []byte(tc.data))
			if tc.name == "only opening line" {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.hasFM, doc.HasFrontMatter)
			assert.Len(t, doc.Tasks, tc.tasks)
		})
	}
}

func TestFeatureFromPath(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/repo/.claude/progress/my-feature/phase-1-progress.md", "my-feature"},
		{"/repo/.claude/progress/my-feature/sub/phase-1-progress.md", "my-feature"},
		{"/repo/.claude/progress/quick-features/small-fix.md", "small-fix"},
		{"/repo/.claude/progress/loose-progress.md", "loose"},
		{"/repo/progress/feat/phase-2-progress.md", "feat"},
		{"/repo/docs/feat-x/notes.md", "feat-x"},
		{`C:\repo\.claude\progress\win\phase-1-progress.md`, "win"},
	} {
		assert.Equal(t, tc.want, FeatureFromPath(tc.path), tc.path)
	}
}
