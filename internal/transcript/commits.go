package transcript

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Commits are only taken from the successful result of a Bash tool_use that
// ran `git commit`, where git prints "[<branch> <sha>] <subject>". Hashes in
// any other output (git log, checkout, ...) are not commits of the session
// (transcript-format.md §10).
var commitLineRE = regexp.MustCompile(`(?m)^\[([^\]\s]+(?: [^\]\s]+)?)(?: \(root-commit\))? ([0-9a-f]{7,40})\] (.*)$`)

// prURLRE matches the pull request URL `gh pr create` prints (github.com or
// an Enterprise host).
var prURLRE = regexp.MustCompile(`https://[A-Za-z0-9.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/pull/(\d+)`)

type commitPayload struct {
	Subject    string `json:"subject,omitempty"`
	Branch     string `json:"branch,omitempty"`
	RootCommit bool   `json:"rootCommit,omitempty"`
	ToolUseID  string `json:"toolUseId,omitempty"`
}

func (c *lineCtx) commits(out, toolUseID string) {
	for _, m := range commitLineRE.FindAllStringSubmatch(out, -1) {
		branch, sha, subject := m[1], m[2], strings.TrimSpace(m[3])
		// "[main (root-commit) abc1234]": the optional branch word can swallow
		// the marker.
		branch, root := strings.CutSuffix(branch, " (root-commit)")
		f := c.fact(facts.EventCommit, "commit:"+sha)
		f.CommitSHA = sha
		f.ToolUseID = toolUseID
		f.ToolName = "Bash"
		f.Payload = marshalPayload(commitPayload{Subject: subject, Branch: branch, RootCommit: root, ToolUseID: toolUseID})
		c.emit(f)
	}
}

type prPayload struct {
	Repository string `json:"repository,omitempty"`
	Source     string `json:"source"`
}

func (c *lineCtx) createdPR(out, toolUseID string) {
	if !strings.Contains(out, "/pull/") {
		return
	}
	m := prURLRE.FindStringSubmatch(out)
	if m == nil {
		return
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	f := c.fact(facts.EventPullRequest, "pr:"+m[0])
	f.PRURL = m[0]
	f.PRNumber = n
	f.ToolUseID = toolUseID
	f.ToolName = "Bash"
	f.Payload = marshalPayload(prPayload{Source: "gh_pr_create"})
	c.emit(f)
}

// prLink handles {"type":"pr-link",...} lines, which Claude Code re-emits on
// resume; the shared key makes them one fact.
func (c *lineCtx) prLink() {
	url := c.l.PRURL
	if url == "" {
		return
	}
	f := c.fact(facts.EventPullRequest, "pr:"+url)
	f.PRURL = url
	f.PRNumber = lenientInt(c.l.PRNumber)
	if f.PRNumber == 0 {
		if m := prURLRE.FindStringSubmatch(url); m != nil {
			f.PRNumber, _ = strconv.ParseInt(m[1], 10, 64)
		}
	}
	f.Payload = marshalPayload(prPayload{Repository: c.l.PRRepository, Source: "pr-link"})
	c.emit(f)
}

// lenientInt reads a JSON number or numeric string.
func lenientInt(raw json.RawMessage) int64 {
	raw = trimJSON(raw)
	if len(raw) == 0 {
		return 0
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := unmarshal(raw, &s); err != nil {
			return 0
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

type fileUpdatePayload struct {
	Tool string `json:"tool,omitempty"`
	Type string `json:"type,omitempty"`
}

// fileUpdate counts '+'/'-' lines of structuredPatch. A Write that creates a
// file has an empty patch; its additions are the lines of the new content.
func (c *lineCtx) fileUpdate(toolUseID, tool string, tur toolResultInfo) {
	if tur.FilePath == "" {
		return
	}
	f := c.fact(facts.EventFileUpdate, "file:"+toolUseID)
	f.ToolUseID = toolUseID
	f.ToolName = tool
	f.FilePath = tur.FilePath
	f.Additions, f.Deletions = tur.patch.additions, tur.patch.deletions
	if tur.Type == "create" && tur.patch.hunks == 0 {
		var content string
		if unmarshal(tur.Content, &content) == nil {
			f.Additions = countLines(content)
		}
	}
	f.Payload = marshalPayload(fileUpdatePayload{Tool: tool, Type: tur.Type})
	c.emit(f)
}

func countLines(s string) int64 {
	if s == "" {
		return 0
	}
	n := int64(strings.Count(s, "\n"))
	if !strings.HasSuffix(s, "\n") {
		n++
	}
	return n
}
