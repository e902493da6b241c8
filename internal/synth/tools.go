package synth

import (
	"fmt"
	"math/rand/v2"
	"path"
	"strings"
	"time"
)

// chooseTool draws the next tool call of c.
func (s *sessionGen) chooseTool(c *convo) toolUseBlock {
	r := s.r
	tu := toolUseBlock{Type: "tool_use", ID: toolUseID(r)}
	if c.main {
		tu.Caller = &caller{Type: "direct"}
	}
	root := s.plan.cwd
	file := func() string { return path.Join(root, pick(r, s.plan.proj.files)) }

	if c.main && s.edits >= 2 && r.IntN(6) == 0 {
		subject := fmt.Sprintf("%s: %s %s %s", pick(r, []string{"feat", "fix", "refactor", "test", "chore"}), pick(r, verbs), pick(r, adjectives), pick(r, nouns))
		tu.Name, tu.Input = "Bash", &bashInput{
			Command:     "git add -A && git commit -m \"$(cat <<'EOF'\n" + subject + "\n\n" + s.pool.paragraph(r, 2) + "\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nEOF\n)\"",
			Description: "Commit changes",
		}
		return tu
	}
	if c.main && s.commits > 0 && len(s.prs) == 0 && s.plan.branch != "main" && r.IntN(5) == 0 {
		tu.Name, tu.Input = "Bash", &bashInput{
			Command:     "gh pr create --title \"" + pick(r, verbs) + " " + pick(r, nouns) + "\" --body \"$(cat <<'EOF'\n## Summary\n" + s.pool.paragraph(r, 3) + "\n\n## Test plan\n- [x] unit tests\nEOF\n)\"",
			Description: "Create pull request",
		}
		return tu
	}

	x := r.IntN(100)
	if !c.main {
		x = []int{0, 30, 45, 60}[r.IntN(4)] // Read, Bash, Grep, Glob
	}
	switch {
	case x < 28:
		in := &readInput{FilePath: file()}
		if r.IntN(5) == 0 {
			in.Offset, in.Limit = 1+r.IntN(400), 100+r.IntN(200)
		}
		tu.Name, tu.Input = "Read", in
	case x < 45:
		tu.Name, tu.Input = "Bash", &bashInput{Command: pick(r, bashCommands), Description: title(pick(r, verbs)) + " " + pick(r, nouns)}
	case x < 60:
		tu.Name, tu.Input = "Grep", &grepInput{Pattern: ident(r) + "|" + pick(r, nouns), Path: root, OutputMode: pick(r, []string{"content", "files_with_matches"})}
	case x < 68:
		tu.Name, tu.Input = "Glob", &globInput{Pattern: "**/*" + pick(r, nouns) + "*" + s.plan.proj.ext}
	case x < 86:
		old := s.pool.codeBlock(r, 1+r.IntN(6))
		tu.Name, tu.Input = "Edit", &editInput{FilePath: file(), OldString: old, NewString: mutate(r, old)}
	case x < 91:
		tu.Name, tu.Input = "Write", &writeInput{FilePath: file(), Content: s.pool.codeBlock(r, 20+r.IntN(200))}
	case x < 97 || !c.main:
		tu.Name, tu.Input = "Read", &readInput{FilePath: file()}
	default:
		tu.Name, tu.Input = "Task", &taskInput{
			Description:  title(pick(r, verbs)) + " " + pick(r, nouns) + " " + pick(r, nouns),
			SubagentType: pick(r, []string{"Explore", "general-purpose", "Plan"}),
			Model:        pick(r, []string{"haiku", "haiku", "sonnet", ""}),
			Prompt:       s.pool.paragraph(r, 3+r.IntN(8)),
		}
	}
	return tu
}

var bashCommands = []string{
	"go test ./...", "go vet ./...", "make lint", "npm test", "npm run build", "pytest -q",
	"git status", "git diff --stat", "git log --oneline -20", "ls -la", "rg -n TODO",
	"docker compose ps", "make test 2>&1 | tail -80", "cat go.mod", "find . -name '*_test.go' | head -50",
}

// mutate changes a code snippet the way an edit would.
func mutate(r *rand.Rand, s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	i := r.IntN(len(lines))
	lines[i] = strings.Replace(lines[i], pick(r, nouns), pick(r, nouns), 1) + " // " + pick(r, verbs)
	if r.IntN(2) == 0 {
		lines = append(lines[:i+1], append([]string{"\t" + ident(r) + "()"}, lines[i+1:]...)...)
	}
	return strings.Join(lines, "\n") + "\n"
}

// toolOutcome is what a tool call returned.
type toolOutcome struct {
	content any // tool_result content: string or []textBlock
	result  any // toolUseResult
	isError bool
	prLink  *prLinkLine
}

// toolCall writes everything between a tool_use and its tool_result:
// PreToolUse hooks, the tool's own progress (bash output, a whole subagent),
// PostToolUse hooks, then the result line chained to the assistant line.
func (s *sessionGen) toolCall(c *convo, tu toolUseBlock, msgID, assistantUUID string) {
	r := s.r
	hooks := s.plan.proj.hooks
	for _, cmd := range hooks.preToolUse {
		s.advance(5*time.Millisecond, 150*time.Millisecond)
		s.hookLine(c, "PreToolUse", "PreToolUse:"+tu.Name, cmd, tu.ID)
	}
	var out toolOutcome
	switch in := tu.Input.(type) {
	case *bashInput:
		out = s.bash(c, tu, in)
	case *readInput:
		out = s.read(in)
	case *editInput:
		out = s.edit(in)
	case *writeInput:
		orig := (*string)(nil)
		out = toolOutcome{content: "File created successfully at: " + in.FilePath,
			result: &writeResult{Type: "create", FilePath: in.FilePath, Content: in.Content, StructuredPatch: emptyArray, OriginalFile: orig}}
		s.edits++
	case *grepInput:
		out = s.grep(in)
	case *globInput:
		out = s.glob(in)
	case *taskInput:
		out = s.task(c, tu, in, msgID)
	}
	s.advance(50*time.Millisecond, 3*time.Second)
	if !out.isError {
		for _, cmd := range hooks.postToolUse {
			s.advance(5*time.Millisecond, 400*time.Millisecond)
			s.hookLine(c, "PostToolUse", "PostToolUse:"+tu.Name, cmd, tu.ID)
		}
	}

	block := toolResultBlock{ToolUseID: tu.ID, Type: "tool_result", Content: out.content}
	if out.isError || tu.Name == "Bash" {
		e := out.isError
		block.IsError = &e
	}
	u := newUUID(r)
	env := c.env
	p := assistantUUID
	env.ParentUUID = &p
	line := &userLine{envelope: env, Type: "user", Message: userMessage{Role: "user", Content: []toolResultBlock{block}},
		UUID: u, Timestamp: s.ts(), SourceToolAssistantUUID: assistantUUID}
	if c.main {
		// Subagent files of 2.1.3x carry no toolUseResult; their
		// agent_progress copies in the parent do.
		line.ToolUseResult = out.result
	}
	c.emit("user", line)
	c.last = u
	if c.mirror != nil {
		c.mirror.copyUser(line.Message, u, s.ts(), out.result)
	}
	s.stats.ToolCalls++
	c.toolUses++
	if out.isError {
		s.stats.ToolErrors++
	}
	c.pending += int64(approxLen(out.content) / 4)
	if out.prLink != nil {
		s.advance(10*time.Millisecond, 200*time.Millisecond)
		out.prLink.Timestamp = s.ts()
		c.emit("pr-link", out.prLink)
		s.prs = append(s.prs, *out.prLink)
		s.stats.PRs++
	}
}

func approxLen(content any) int {
	switch v := content.(type) {
	case string:
		return len(v)
	case []textBlock:
		n := 0
		for _, b := range v {
			n += len(b.Text)
		}
		return n
	}
	return 0
}

func (s *sessionGen) bash(c *convo, tu toolUseBlock, in *bashInput) toolOutcome {
	r := s.r
	switch {
	case strings.Contains(in.Command, "git commit"):
		s.advance(time.Second, 20*time.Second)
		if r.IntN(12) == 0 {
			msg := "Exit code 1\n" + "lint-staged: running pre-commit hook\n" + s.pool.codeBlock(r, 3+r.IntN(10)) + "✖ pre-commit hook failed (add --no-verify to bypass)"
			return toolOutcome{content: msg, result: "Error: " + msg, isError: true}
		}
		subject := strings.SplitN(in.Command, "\n", 3)[1] // first line of the heredoc
		stdout := fmt.Sprintf("[%s %s] %s\n %d files changed, %d insertions(+), %d deletions(-)",
			s.plan.branch, shortSHA(r), subject, 1+r.IntN(12), 1+r.IntN(400), r.IntN(200))
		if r.IntN(4) == 0 {
			stdout += "\n create mode 100644 " + pick(r, s.plan.proj.files)
		}
		s.edits = 0
		s.commits++
		s.stats.Commits++
		return toolOutcome{content: stdout, result: &bashResult{Stdout: stdout}}
	case strings.HasPrefix(in.Command, "gh pr create"):
		s.advance(2*time.Second, 10*time.Second)
		n := s.plan.prBase + len(s.prs)
		url := fmt.Sprintf("https://github.com/%s/pull/%d", s.plan.proj.repo, n)
		stdout := "\nCreating pull request for " + s.plan.branch + " into main in " + s.plan.proj.repo + "\n\n" + url
		return toolOutcome{content: stdout, result: &bashResult{Stdout: stdout},
			prLink: &prLinkLine{Type: "pr-link", SessionID: s.plan.id, PrNumber: n, PrURL: url, PrRepository: s.plan.proj.repo}}
	}

	n := r.IntN(60)
	if r.IntN(6) == 0 {
		n = 60 + r.IntN(300) // test runs and builds print KBs
	}
	output := s.pool.codeBlock(r, max(n, 1))
	if n == 0 {
		output = ""
	}
	if n > 100 && r.IntN(2) == 0 {
		// Long commands stream bash_progress lines first.
		full := ""
		for k := range 1 + r.IntN(5) {
			s.advance(time.Second, 4*time.Second)
			chunk := s.pool.codeBlock(r, 3+r.IntN(10))
			full += chunk
			pu := newUUID(r)
			c.emit("progress", &progressLine{envelope: c.chained(), Type: "progress",
				Data:            &bashProgressData{Type: "bash_progress", Output: chunk, FullOutput: full, ElapsedTimeSeconds: 2 + 3*k, TotalLines: strings.Count(full, "\n"), TimeoutMs: 120000},
				ParentToolUseID: tu.ID, ToolUseID: "bash-progress-" + fmt.Sprint(k), Timestamp: s.ts(), UUID: pu})
			c.last = pu
		}
	} else {
		s.advance(100*time.Millisecond, 8*time.Second)
	}
	if r.IntN(8) == 0 {
		msg := fmt.Sprintf("Exit code %d\n%s", pick(r, []int{1, 1, 1, 2, 127}), strings.TrimRight(output, "\n"))
		return toolOutcome{content: msg, result: "Error: " + msg, isError: true}
	}
	output = strings.TrimRight(output, "\n")
	return toolOutcome{content: output, result: &bashResult{Stdout: output, NoOutputExpected: n == 0}}
}

func (s *sessionGen) read(in *readInput) toolOutcome {
	r := s.r
	s.advance(20*time.Millisecond, 300*time.Millisecond)
	if r.IntN(30) == 0 {
		return toolOutcome{content: "<tool_use_error>File does not exist.</tool_use_error>", result: "Error: File does not exist.", isError: true}
	}
	n := 20 + int(r.ExpFloat64()*150)
	n = min(n, 2000)
	if in.Limit > 0 {
		n = in.Limit
	}
	start := max(1, in.Offset)
	block := s.pool.codeBlock(r, n)
	n = strings.Count(block, "\n")
	return toolOutcome{
		content: numbered(block, start),
		result:  &readResult{Type: "text", File: readFile{FilePath: in.FilePath, Content: block, NumLines: n, StartLine: start, TotalLines: start - 1 + n + r.IntN(50)}},
	}
}

func (s *sessionGen) edit(in *editInput) toolOutcome {
	r := s.r
	s.advance(20*time.Millisecond, 500*time.Millisecond)
	switch r.IntN(25) {
	case 0:
		return toolOutcome{content: "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>",
			result: "Error: File has not been read yet. Read it first before writing to it.", isError: true}
	case 1:
		msg := "String to replace not found in file.\nString: " + in.OldString
		return toolOutcome{content: "<tool_use_error>" + msg + "</tool_use_error>", result: "Error: " + msg, isError: true}
	}
	before := s.pool.codeBlock(r, 30+int(r.ExpFloat64()*200))
	at := 1 + r.IntN(strings.Count(before, "\n"))
	oldLines := strings.Split(strings.TrimRight(in.OldString, "\n"), "\n")
	newLines := strings.Split(strings.TrimRight(in.NewString, "\n"), "\n")
	hunk := patchHunk{OldStart: max(1, at-3), OldLines: len(oldLines) + 6, NewStart: max(1, at-3), NewLines: len(newLines) + 6}
	ctx := strings.Split(s.pool.codeBlock(r, 6), "\n")
	for _, l := range ctx[:3] {
		hunk.Lines = append(hunk.Lines, " "+l)
	}
	for _, l := range oldLines {
		hunk.Lines = append(hunk.Lines, "-"+l)
	}
	for _, l := range newLines {
		hunk.Lines = append(hunk.Lines, "+"+l)
	}
	for _, l := range ctx[3:6] {
		hunk.Lines = append(hunk.Lines, " "+l)
	}
	s.edits++
	snippet := numbered(s.pool.codeBlock(r, 10), max(1, at-4))
	return toolOutcome{
		content: "The file " + in.FilePath + " has been updated. Here's the result of running `cat -n` on a snippet of the edited file:\n" + snippet,
		result: &editResult{FilePath: in.FilePath, OldString: in.OldString, NewString: in.NewString, OriginalFile: before,
			StructuredPatch: []patchHunk{hunk}},
	}
}

func (s *sessionGen) grep(in *grepInput) toolOutcome {
	r := s.r
	s.advance(30*time.Millisecond, 900*time.Millisecond)
	nf := r.IntN(15)
	files := make([]string, 0, nf)
	for range nf {
		files = append(files, path.Join(s.plan.cwd, pick(r, s.plan.proj.files)))
	}
	if in.OutputMode == "files_with_matches" {
		content := fmt.Sprintf("Found %d files\n%s", nf, strings.Join(files, "\n"))
		if nf == 0 {
			content = "No files found"
		}
		return toolOutcome{content: content, result: &grepResult{Mode: "files_with_matches", Filenames: files, NumFiles: nf}}
	}
	var sb strings.Builder
	lines := 0
	for _, f := range files {
		for l := range strings.Lines(s.pool.codeBlock(r, 1+r.IntN(8))) {
			fmt.Fprintf(&sb, "%s:%d:%s", f, 1+r.IntN(900), l)
			lines++
		}
	}
	content := strings.TrimRight(sb.String(), "\n")
	if content == "" {
		content = "No matches found"
	}
	return toolOutcome{content: content, result: &grepResult{Mode: "content", Filenames: []string{}, NumFiles: 0, Content: content, NumLines: lines}}
}

func (s *sessionGen) glob(in *globInput) toolOutcome {
	r := s.r
	s.advance(30*time.Millisecond, 400*time.Millisecond)
	n := r.IntN(40)
	files := make([]string, 0, n)
	for range n {
		files = append(files, path.Join(s.plan.cwd, pick(r, s.plan.proj.files)))
	}
	content := strings.Join(files, "\n")
	if n == 0 {
		content = "No files found"
	}
	return toolOutcome{content: content, result: &globResult{Filenames: files, DurationMs: 20 + r.IntN(400), NumFiles: n}}
}
