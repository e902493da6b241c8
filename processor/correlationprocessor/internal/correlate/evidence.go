package correlate

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Confidence scale of links (0..1). Explicit evidence — the data states the
// association — scores 0.9 or more; inferred evidence — the association is
// likely but not stated — scores below 0.9. Ambiguity is reported apart
// from confidence: evidence naming n entities at once gives each link 1/n.
const (
	// ConfDeclared: a progress file declares it (front-matter session_id,
	// a task listed in a feature's progress file), or the fact itself says
	// so (a commit or PR made in a session).
	ConfDeclared = 1.0
	// ConfCommitSubject: a task id in the subject of a commit the session made.
	ConfCommitSubject = 0.95
	// ConfExplicit: a task id in the session's branch name, an edit of a
	// feature's progress file (and task ids in that edit), a PR opened from
	// the branch the session committed on.
	ConfExplicit = 0.9
	// ConfSessionTask: a commit with no task id of its own, made by a session
	// explicitly linked to one task.
	ConfSessionTask = 0.7
	// ConfPrompt: a known task's id typed in a user prompt; a PR opened in the
	// session that made a commit on another or unknown branch.
	ConfPrompt = 0.6
	// ConfRead: a read, search or listing of a feature's progress folder.
	ConfRead = 0.5
)

// Evidence names, recorded in each link's payload for troubleshooting.
const (
	evFrontMatter   = "front_matter_session_id"
	evTaskFile      = "progress_file_task"
	evCommitSubject = "commit_subject_task_id"
	evBranch        = "branch_task_id"
	evMadeIn        = "made_in_session"
	evProgressEdit  = "progress_file_edit"
	evSessionTask   = "session_task"
	evPRBranch      = "pr_from_commit_branch"
	evPRSession     = "pr_in_commit_session"
	evPrompt        = "prompt_task_id"
	evRead          = "progress_file_read"
)

// matcher finds task ids and feature folders in text.
type matcher struct {
	tasks   []*regexp.Regexp
	feature *regexp.Regexp
	// needles are the path segments of the progress folder (see
	// mayNameFeature); nil when a segment could be escaped in JSON.
	needles []string
}

func newMatcher(taskPatterns []string, progressDir string) (*matcher, error) {
	m := &matcher{}
	for _, p := range taskPatterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, err
		}
		m.tasks = append(m.tasks, re)
	}
	dir := strings.Trim(strings.ReplaceAll(progressDir, `\`, "/"), "/")
	// <anything>/<progressDir>/<rest of the path>: see featureOf.
	re, err := regexp.Compile(`(?:^|[/\s"'=:])` + regexp.QuoteMeta(dir) + `/([^\s"'` + "`" + `]*)`)
	if err != nil {
		return nil, err
	}
	m.feature = re
	for _, seg := range strings.Split(dir, "/") {
		if seg == "" {
			continue
		}
		if strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' }) {
			m.needles = nil
			break
		}
		m.needles = append(m.needles, seg)
	}
	return m, nil
}

// mayNameFeature reports whether the JSON text raw may contain a string
// that features matches. Such a string contains every segment of the
// progress folder, and JSON can hide a segment's characters (no '/', '"',
// '\\' or control characters) only behind a \u escape; so without \u
// escapes, a segment missing from raw rules a match out. It spares
// decoding the input of every tool call on the hot path.
func (m *matcher) mayNameFeature(raw string) bool {
	if len(m.needles) == 0 || strings.Contains(raw, `\u`) {
		return true
	}
	for _, n := range m.needles {
		if !strings.Contains(raw, n) {
			return false
		}
	}
	return true
}

// taskIDs returns the distinct task ids in s, in order of appearance. A
// pattern with a capture group contributes its first group.
func (m *matcher) taskIDs(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, re := range m.tasks {
		for _, sub := range re.FindAllStringSubmatch(s, -1) {
			id := sub[0]
			if len(sub) > 1 && sub[1] != "" {
				id = sub[1]
			}
			if id != "" && !contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// features returns the distinct features named by progress paths in s.
func (m *matcher) features(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, `\`, "/")
	var out []string
	for _, sub := range m.feature.FindAllStringSubmatch(s, -1) {
		if id := featureOf(sub[1]); id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// featureOf names the feature of a path below the progress folder, as the
// receiver's progress reader does: <feature>/<file> gives <feature>; a
// file directly in the folder or in quick-features/ gives its own name
// without a -progress suffix.
func featureOf(rest string) string {
	segs := strings.Split(rest, "/")
	if len(segs) >= 2 && segs[0] != "quick-features" {
		return segs[0]
	}
	last := segs[len(segs)-1]
	if i := strings.LastIndexByte(last, '.'); i > 0 {
		last = last[:i]
	} else if len(segs) == 1 {
		return "" // a bare word such as a folder listing prefix, not a file
	}
	return strings.TrimSuffix(last, "-progress")
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// commitPayload is the part of a ccdash.commit payload used here.
type commitPayload struct {
	Subject string `json:"subject"`
	Branch  string `json:"branch"`
}

// promptPayload is the part of a claude_code.user_prompt payload used here.
type promptPayload struct {
	Text string `json:"text"`
}

// toolInput is the part of a ccdash.tool_use payload used here.
type toolInput struct {
	Input map[string]any `json:"input"`
}

// editTools write files; their input's file_path is the file edited.
var editTools = map[string]bool{"Edit": true, "MultiEdit": true, "Write": true, "NotebookEdit": true}

// allStrings returns every string value in v (maps and lists walked), in a
// deterministic order.
func allStrings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case []any:
		for _, e := range x {
			out = allStrings(e, out)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			out = allStrings(x[k], out)
		}
	}
	return out
}

// sessionIDKeys are the keys under which a progress file's front matter (as
// carried in ccdash.task.status / ccdash.feature payloads) names sessions.
var sessionIDKeys = map[string]bool{
	"session_id": true, "sessionId": true, "session": true,
	"session_ids": true, "sessionIds": true, "sessions": true,
}

// declaredSessions returns the session ids a task or feature payload
// declares, at any depth (the front matter may be nested under a key).
func declaredSessions(payload string) []string {
	if payload == "" || !strings.Contains(payload, "ession") {
		return nil
	}
	var v any
	if json.Unmarshal([]byte(payload), &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				if sessionIDKeys[k] {
					for _, s := range allStrings(x[k], nil) {
						if s = strings.TrimSpace(s); s != "" && !contains(out, s) {
							out = append(out, s)
						}
					}
					continue
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
