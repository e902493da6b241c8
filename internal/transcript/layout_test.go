package transcript

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestClassify(t *testing.T) {
	root := filepath.FromSlash("/home/u/.claude/projects")
	tests := []struct {
		rel                       string
		kind                      FileKind
		project, session, agentID string
	}{
		{"-home-u-app/0f0e.jsonl", Main, "-home-u-app", "0f0e", ""},
		{"-home-u-app/0f0e/subagents/agent-a881341.jsonl", SubagentDir, "-home-u-app", "0f0e", "a881341"},
		{"-home-u-app/0f0e/subagents/agent-acompact-fffbd0.jsonl", SubagentDir, "-home-u-app", "0f0e", "acompact-fffbd0"},
		{"-home-u-app/0f0e/subagents/workflows/run1/agent-w1.jsonl", SubagentDir, "-home-u-app", "0f0e", "w1"},
		{"-home-u-app/agent-10228ab9.jsonl", LegacyAgent, "-home-u-app", "", "10228ab9"},
		{"-home-u-app/0f0e/chat.jsonl", Main, "-home-u-app", "0f0e", ""},
		{"-home-u-app/0f0e.orphaned-2.jsonl", Main, "-home-u-app", "0f0e", ""},
	}
	for _, tt := range tests {
		fi := Classify(root, filepath.Join(root, filepath.FromSlash(tt.rel)))
		if fi.Kind != tt.kind || fi.ProjectDir != tt.project || fi.SessionID != tt.session || fi.AgentID != tt.agentID {
			t.Errorf("%s: got %+v", tt.rel, fi)
		}
	}
}

func TestDiscover(t *testing.T) {
	files, err := Discover([]string{testProjects, filepath.Join(t.TempDir(), "missing")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(testProjects, f.Path)
		got = append(got, filepath.ToSlash(rel)+" "+f.Kind.String())
	}
	want := []string{
		"-home-dev-legacy/7c3e9d10-2b4a-4d5e-8f6a-0b1c2d3e4f50.jsonl main",
		"-home-dev-legacy/agent-1a2b3c4d.jsonl legacy_agent",
		"-home-dev-old/9e8d7c6b-5a49-4838-9271-605f4e3d2c1b.jsonl main",
		"-home-dev-old/x.orphaned-2.jsonl main",
		"-home-dev-shop/5f1a0c2e-7b1d-4c1e-9a51-2b7d3c9e0a11.jsonl main",
		"-home-dev-shop/5f1a0c2e-7b1d-4c1e-9a51-2b7d3c9e0a11/subagents/agent-a1b2c3d.jsonl subagent",
		"-home-dev-shop/5f1a0c2e-7b1d-4c1e-9a51-2b7d3c9e0a11/subagents/agent-a9f8e7d.jsonl subagent",
		"-home-dev-shop/5f1a0c2e-7b1d-4c1e-9a51-2b7d3c9e0a11/subagents/agent-acompact-4f2e1a.jsonl subagent",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Discover =\n%q\nwant (sorted; *.orphaned-*.jsonl read as ccusage does, *.jsonl.superseded-* not a transcript)\n%q", got, want)
	}
	for _, f := range files {
		if f.AgentID == "a9f8e7d" && (f.Meta == nil || f.Meta.ParentAgentID != "a1b2c3d" || f.Meta.ToolUseID != "toolu_nested1") {
			t.Errorf("meta not read: %+v", f.Meta)
		}
	}
}

func TestProjectsDirs(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	mk := func(p string) string {
		p = filepath.Join(home, filepath.FromSlash(p))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dotClaude := mk(".claude/projects")
	xdg := mk(".config/claude/projects")
	custom := mk("work/cc/projects")
	mk("noprojects")

	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"defaults: XDG first, then ~/.claude", nil, []string{xdg, dotClaude}},
		{"config dir, projects dir and ~ forms, deduplicated", []string{"~/work/cc", custom, " ~/.claude "}, []string{custom, dotClaude}},
		{"comma-separated list as in CLAUDE_CONFIG_DIR", []string{"~/work/cc,~/noprojects,~/absent"}, []string{custom}},
		{"configured but invalid: no fallback to defaults", []string{"~/noprojects"}, nil},
	}
	for _, tt := range tests {
		if got := ProjectsDirs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ProjectsDirs(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "elsewhere"))
	if got := ProjectsDirs(nil); !slices.Equal(got, []string{dotClaude}) {
		t.Errorf("XDG_CONFIG_HOME respected: got %q", got)
	}
}
