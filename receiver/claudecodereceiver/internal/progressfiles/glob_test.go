package progressfiles

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMatchSegs(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{DefaultInclude, ".claude/progress/feat/phase-1-progress.md", true},
		{DefaultInclude, ".claude/progress/top.md", true},
		{DefaultInclude, "apps/web/.claude/progress/f/p.md", true},
		{DefaultInclude, ".claude/progress/feat/notes.txt", false},
		{DefaultInclude, ".claude/other/feat/p.md", false},
		{DefaultInclude, "node_modules/x/.claude/progress/f/p.md", false},
		{DefaultInclude, ".git/x/.claude/progress/f/p.md", false},
		{DefaultInclude, ".hidden/.claude/progress/f/p.md", false},
		{"node_modules/x/.claude/progress/*/*.md", "node_modules/x/.claude/progress/f/p.md", true},
		{"progress/*.md", "progress/a.md", true},
		{"progress/*.md", "progress/sub/a.md", false},
		{"docs/**", "docs/a/b.md", true},
		{"docs/**", "docs", false},
		{"**/*.md", "a.md", true},
		{"[", "[", false}, // bad pattern never matches
	} {
		assert.Equal(t, tc.want, matchSegs(splitGlob(tc.pattern), splitGlob(tc.path)), "%s ~ %s", tc.pattern, tc.path)
	}
}

func TestMayContain(t *testing.T) {
	p := splitGlob(DefaultInclude)
	assert.True(t, mayContain(p, splitGlob("apps/web")))
	assert.True(t, mayContain(p, splitGlob(".claude/progress/feat")))
	assert.False(t, mayContain(p, splitGlob("node_modules")))
	assert.False(t, mayContain(p, splitGlob(".git")))
	q := splitGlob("docs/progress/*.md")
	assert.True(t, mayContain(q, splitGlob("docs")))
	assert.True(t, mayContain(q, splitGlob("docs/progress")))
	assert.False(t, mayContain(q, splitGlob("src")))
	assert.False(t, mayContain(q, splitGlob("docs/progress/sub")))
}

func TestStaticPrefix(t *testing.T) {
	assert.Equal(t, []string{"a", "b"}, staticPrefix(splitGlob("a/b/*/c.md")))
	assert.Equal(t, []string{}, staticPrefix(splitGlob("**/x.md")))
	assert.Equal(t, []string{"a"}, staticPrefix(splitGlob("a/x.md")))
}
