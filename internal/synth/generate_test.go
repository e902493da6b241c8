package synth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func generate(t *testing.T, size int64, seed uint64, workers int) (string, *Stats) {
	t.Helper()
	dir := t.TempDir()
	st, err := Generate(context.Background(), Config{OutDir: dir, Size: size, Seed: seed, Days: 20, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

// treeDigest hashes every file's relative path and content.
func treeDigest(t *testing.T, dir string) [32]byte {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00"))
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, _ := generate(t, 2<<20, 7, 1)
	b, _ := generate(t, 2<<20, 7, 4)
	c, _ := generate(t, 2<<20, 8, 4)
	if treeDigest(t, a) != treeDigest(t, b) {
		t.Fatal("same seed, different worker count: output differs")
	}
	if treeDigest(t, a) == treeDigest(t, c) {
		t.Fatal("different seeds produced identical output")
	}
}

func TestGenerateRefusesExistingTree(t *testing.T) {
	dir, _ := generate(t, 100<<10, 1, 1)
	if _, err := Generate(context.Background(), Config{OutDir: dir, Size: 1 << 20, Seed: 1, Days: 1}); err == nil {
		t.Fatal("want an error when projects/ exists")
	}
}

// line is the subset of fields the checks below read.
type line struct {
	Type        string `json:"type"`
	UUID        string `json:"uuid"`
	SessionID   string `json:"sessionId"`
	AgentID     string `json:"agentId"`
	IsSidechain bool   `json:"isSidechain"`
	RequestID   string `json:"requestId"`
	Timestamp   string `json:"timestamp"`
	Message     *struct {
		ID      string          `json:"id"`
		Model   string          `json:"model"`
		Content json.RawMessage `json:"content"` // string or array of blocks
		Usage   *struct {
			Input         int64 `json:"input_tokens"`
			Output        int64 `json:"output_tokens"`
			CacheCreation int64 `json:"cache_creation_input_tokens"`
			CacheRead     int64 `json:"cache_read_input_tokens"`
			Breakdown     struct {
				M5 int64 `json:"ephemeral_5m_input_tokens"`
				H1 int64 `json:"ephemeral_1h_input_tokens"`
			} `json:"cache_creation"`
		} `json:"usage"`
	} `json:"message"`
	Data *struct {
		Type string `json:"type"`
	} `json:"data"`
	ToolUseResult json.RawMessage `json:"toolUseResult"`
}

type block struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

var (
	uuidRe   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	commitRe = regexp.MustCompile(`(?m)^\[[^\]\s]+ [0-9a-f]{7,40}\] .+$`)
	prURLRe  = regexp.MustCompile(`https://github\.com/[^/]+/[^/]+/pull/\d+`)
)

// TestGeneratedTree reads every generated line and checks the invariants a
// transcript reader relies on.
func TestGeneratedTree(t *testing.T) {
	dir, st := generate(t, 8<<20, 3, 2)

	uuids := map[string]bool{}
	type response struct {
		file, requestID          string
		lines                    int
		in, cc, read, lastOutput int64
		maxOutput                int64
		model                    string
	}
	responses := map[string]*response{} // message.id → its lines in the file holding it
	toolUses := map[string]string{}     // tool_use id → file
	kinds := map[string]int{}
	models := map[string]bool{}
	var bytesSeen, linesSeen int64
	var sawSplit, saw5m, saw1h, sawError, sawCommit, sawCommitResult, sawPR, sawPRLink, sawSynthetic, sawEdit bool
	subagentFiles := 0

	err := filepath.WalkDir(filepath.Join(dir, "projects"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "projects"), p)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		var wantSession, wantAgent string
		switch {
		case len(parts) == 2 && strings.HasSuffix(parts[1], ".jsonl"):
			wantSession = strings.TrimSuffix(parts[1], ".jsonl")
		case len(parts) == 4 && parts[2] == "subagents" && strings.HasPrefix(parts[3], "agent-"):
			wantSession = parts[1]
			wantAgent = strings.TrimSuffix(strings.TrimPrefix(parts[3], "agent-"), ".jsonl")
			subagentFiles++
		default:
			t.Errorf("unexpected file %s", rel)
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		bytesSeen += int64(len(raw))
		if len(raw) == 0 || raw[len(raw)-1] != '\n' {
			t.Errorf("%s: empty or not newline-terminated", rel)
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for n := 1; sc.Scan(); n++ {
			linesSeen++
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s:%d: %v", rel, n, err)
			}
			kind := l.Type
			if l.Data != nil {
				kind += "/" + l.Data.Type
			}
			kinds[kind]++
			if l.UUID != "" {
				if !uuidRe.MatchString(l.UUID) {
					t.Fatalf("%s:%d: bad uuid %q", rel, n, l.UUID)
				}
				if uuids[l.UUID] {
					t.Fatalf("%s:%d: duplicate uuid %s", rel, n, l.UUID)
				}
				uuids[l.UUID] = true
			}
			if l.SessionID != "" && l.SessionID != wantSession {
				t.Fatalf("%s:%d: sessionId %s, want %s", rel, n, l.SessionID, wantSession)
			}
			if l.Type != "file-history-snapshot" && l.Type != "queue-operation" && l.Type != "pr-link" {
				if _, err := time.Parse(time.RFC3339Nano, l.Timestamp); err != nil || !strings.HasSuffix(l.Timestamp, "Z") {
					t.Fatalf("%s:%d: timestamp %q", rel, n, l.Timestamp)
				}
				if l.AgentID != wantAgent || l.IsSidechain != (wantAgent != "") {
					t.Fatalf("%s:%d: agentId %q sidechain %v in a file of agent %q", rel, n, l.AgentID, l.IsSidechain, wantAgent)
				}
			}
			if l.Type == "pr-link" {
				sawPRLink = true
			}
			if l.Message == nil {
				continue
			}
			var blocks []block
			if bytes.HasPrefix(l.Message.Content, []byte("[")) {
				if err := json.Unmarshal(l.Message.Content, &blocks); err != nil {
					t.Fatalf("%s:%d: %v", rel, n, err)
				}
			}
			if l.Type == "assistant" {
				m := l.Message
				if m.Model == ModelSynth {
					sawSynthetic = true
					if l.RequestID != "" || m.Usage.Output != 0 {
						t.Fatalf("%s:%d: <synthetic> line with requestId or usage", rel, n)
					}
					continue
				}
				models[m.Model] = true
				u := m.Usage
				if u.CacheCreation != u.Breakdown.M5+u.Breakdown.H1 {
					t.Fatalf("%s:%d: cache_creation_input_tokens != 5m + 1h", rel, n)
				}
				saw5m = saw5m || u.Breakdown.M5 > 0
				saw1h = saw1h || u.Breakdown.H1 > 0
				r := responses[m.ID]
				if r == nil {
					r = &response{file: rel, requestID: l.RequestID, in: u.Input, cc: u.CacheCreation, read: u.CacheRead, model: m.Model}
					responses[m.ID] = r
				}
				if r.file != rel || r.requestID != l.RequestID || r.model != m.Model {
					t.Fatalf("%s:%d: message id %s reused across files/requests", rel, n, m.ID)
				}
				if u.Input != r.in || u.CacheCreation != r.cc || u.CacheRead != r.read {
					t.Fatalf("%s:%d: input/cache differ between lines of %s", rel, n, m.ID)
				}
				r.lines++
				r.lastOutput = u.Output
				r.maxOutput = max(r.maxOutput, u.Output)
				for _, b := range blocks {
					if b.Type == "tool_use" {
						if _, dup := toolUses[b.ID]; dup {
							t.Fatalf("%s:%d: duplicate tool_use id %s", rel, n, b.ID)
						}
						toolUses[b.ID] = rel
						sawEdit = sawEdit || b.Name == "Edit"
						sawCommit = sawCommit || (b.Name == "Bash" && strings.Contains(string(b.Input), "git commit"))
					}
				}
			}
			if l.Type == "user" {
				for _, b := range blocks {
					if b.Type != "tool_result" {
						continue
					}
					if toolUses[b.ToolUseID] != rel {
						t.Fatalf("%s:%d: tool_result for unknown tool_use %s", rel, n, b.ToolUseID)
					}
					sawError = sawError || b.IsError
					var text string
					_ = json.Unmarshal(b.Content, &text)
					sawCommitResult = sawCommitResult || (!b.IsError && commitRe.MatchString(text))
					sawPR = sawPR || prURLRe.MatchString(text)
				}
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}

	for id, r := range responses {
		if r.lines > 5 {
			t.Errorf("%s written on %d lines", id, r.lines)
		}
		if r.lastOutput != r.maxOutput {
			t.Errorf("%s: last line has output %d, max is %d (the final count must come last)", id, r.lastOutput, r.maxOutput)
		}
		sawSplit = sawSplit || r.lines >= 2
	}
	for _, m := range Models {
		if !models[m] {
			t.Errorf("model %s never used", m)
		}
	}
	for name, ok := range map[string]bool{
		"streaming split": sawSplit, "5m cache write": saw5m, "1h cache write": saw1h, "tool error": sawError,
		"git commit": sawCommit, "commit result": sawCommitResult, "PR URL": sawPR, "pr-link line": sawPRLink, "<synthetic> line": sawSynthetic,
		"Edit": sawEdit, "subagent file": subagentFiles > 0, "agent_progress": kinds["progress/agent_progress"] > 0,
	} {
		if !ok {
			t.Errorf("no %s in the generated history", name)
		}
	}
	for k, n := range kinds {
		if k != "progress/hook_progress" && n >= kinds["progress/hook_progress"] {
			t.Errorf("%s lines (%d) outnumber hook_progress (%d)", k, n, kinds["progress/hook_progress"])
		}
	}
	if bytesSeen != st.Bytes || linesSeen != st.Lines || subagentFiles != st.Subagents {
		t.Errorf("stats say %d bytes %d lines %d subagents; files hold %d, %d, %d", st.Bytes, st.Lines, st.Subagents, bytesSeen, linesSeen, subagentFiles)
	}
	if bytesSeen < 6<<20 || bytesSeen > 11<<20 {
		t.Errorf("asked for 8 MiB, wrote %d bytes", bytesSeen)
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"500MB", 500 << 20, true}, {"2GiB", 2 << 30, true}, {"750k", 750 << 10, true},
		{"1048576", 1 << 20, true}, {"1.5G", 3 << 29, true}, {" 10 mb ", 10 << 20, true},
		{"", 0, false}, {"MB", 0, false}, {"-1MB", 0, false}, {"ten", 0, false},
	} {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestProjectDirName(t *testing.T) {
	got := projectDirName("/home/marco/projects/spotter-worktrees/spotter-4te")
	if got != "-home-marco-projects-spotter-worktrees-spotter-4te" {
		t.Fatalf("projectDirName = %q", got)
	}
}
