package transcript

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileKind says which of Claude Code's transcript layouts a file belongs to.
type FileKind int

const (
	// Main is projects/<slug>/<sessionId>.jsonl (1.x inline sidechains included).
	Main FileKind = iota
	// SubagentDir is projects/<slug>/<sessionId>/subagents/agent-<id>.jsonl
	// (Claude Code >= 2.1.2, also .../subagents/workflows/<run>/agent-<id>.jsonl).
	SubagentDir
	// LegacyAgent is projects/<slug>/agent-<id>.jsonl (Claude Code 2.0.x);
	// the parent session is only known from the lines' sessionId.
	LegacyAgent
)

func (k FileKind) String() string {
	switch k {
	case Main:
		return "main"
	case SubagentDir:
		return "subagent"
	case LegacyAgent:
		return "legacy_agent"
	}
	return "unknown"
}

// AgentMeta is the agent-<id>.meta.json sidecar of newer 2.1.x subagents.
type AgentMeta struct {
	AgentType     string `json:"agentType"`
	Description   string `json:"description"`
	ToolUseID     string `json:"toolUseId"`
	SpawnDepth    int    `json:"spawnDepth"`
	ParentAgentID string `json:"parentAgentId"`
	RequestShape  string `json:"requestShape"`
	TaskKind      string `json:"taskKind"`
	Model         string `json:"model"`
	SessionID     string `json:"sessionId"`
}

// FileInfo describes one transcript file.
type FileInfo struct {
	Path       string
	ProjectDir string // slug directory directly under projects/
	SessionID  string // the (parent) session id from the path; "" for LegacyAgent
	AgentID    string // subagent id from agent-<id>.jsonl; "" for Main
	Kind       FileKind
	Meta       *AgentMeta // from agent-<id>.meta.json when present
}

// Classify derives a FileInfo from a transcript path below projectsDir. It
// reads the agent's .meta.json sidecar when there is one.
func Classify(projectsDir, path string) FileInfo {
	fi := FileInfo{Path: path}
	rel, err := filepath.Rel(projectsDir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = filepath.Base(path)
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	name := parts[len(parts)-1]
	stem := strings.TrimSuffix(name, ".jsonl")
	if len(parts) >= 2 {
		fi.ProjectDir = parts[0]
	}
	agentID, isAgent := strings.CutPrefix(stem, "agent-")

	switch {
	case len(parts) >= 4 && parts[2] == "subagents":
		fi.Kind = SubagentDir
		fi.SessionID = parts[1]
		fi.AgentID = agentID
	case len(parts) <= 2 && isAgent:
		fi.Kind = LegacyAgent
		fi.AgentID = agentID
	case len(parts) <= 2:
		fi.Kind = Main
		// A rotated-away copy (<session>.orphaned-<n>.jsonl) belongs to
		// its session.
		fi.SessionID, _, _ = strings.Cut(stem, ".orphaned-")
	default:
		// projects/<slug>/<session>/<x>.jsonl: ccusage attributes it to the
		// <session> directory.
		fi.Kind = Main
		fi.SessionID = parts[1]
	}
	if fi.Kind != Main && fi.AgentID != "" {
		fi.Meta = readAgentMeta(filepath.Join(filepath.Dir(path), "agent-"+fi.AgentID+".meta.json"))
	}
	return fi
}

// readAgentMeta is lenient: a missing or malformed sidecar means no meta.
func readAgentMeta(path string) *AgentMeta {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var m AgentMeta
	if err := unmarshal(b, &m); err != nil {
		return nil
	}
	return &m
}

// Discover lists every transcript below the given projects/ directories,
// recursively, in a deterministic order (directories in the given order,
// files by path). Workflow journal.jsonl files are skipped. Rotated-away
// copies (*.orphaned-*.jsonl) are read, as ccusage reads them: their
// responses repeat message ids, which the store de-duplicates, and a
// response that only survives there is still real spend. Missing directories are ignored;
// other walk errors are returned together with everything that was found.
func Discover(projectsDirs []string) ([]FileInfo, error) {
	var out []FileInfo
	var errs []error
	for _, dir := range projectsDirs {
		var paths []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				errs = append(errs, err)
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() || !isTranscriptName(d.Name()) {
				return nil
			}
			paths = append(paths, p)
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		sort.Strings(paths)
		for _, p := range paths {
			out = append(out, Classify(dir, p))
		}
	}
	return out, errors.Join(errs...)
}

func isTranscriptName(name string) bool {
	return strings.HasSuffix(name, ".jsonl") && name != "journal.jsonl"
}

// ProjectsDirs resolves Claude config directories to their projects/
// directories with ccusage's rules: each entry (entries may also be
// comma-separated lists, as in CLAUDE_CONFIG_DIR) is a config dir or its
// projects/ dir, "~" is expanded, and only entries whose <dir>/projects is a
// directory count. With no entries the defaults are $XDG_CONFIG_HOME/claude
// (default ~/.config/claude) and then ~/.claude. Duplicates are dropped.
func ProjectsDirs(claudeConfigDirs []string) []string {
	var entries []string
	for _, e := range claudeConfigDirs {
		for _, p := range strings.Split(e, ",") {
			if p = strings.TrimSpace(p); p != "" {
				entries = append(entries, p)
			}
		}
	}
	if len(entries) == 0 {
		home, _ := os.UserHomeDir()
		xdg := os.Getenv("XDG_CONFIG_HOME")
		if xdg == "" && home != "" {
			xdg = filepath.Join(home, ".config")
		}
		if xdg != "" {
			entries = append(entries, filepath.Join(xdg, "claude"))
		}
		if home != "" {
			entries = append(entries, filepath.Join(home, ".claude"))
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		dir := expandHome(e)
		if filepath.Base(dir) == "projects" && isDir(dir) {
			dir = filepath.Dir(dir)
		}
		projects := filepath.Join(dir, "projects")
		if !isDir(projects) || seen[projects] {
			continue
		}
		seen[projects] = true
		out = append(out, projects)
	}
	return out
}

func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
