// Package progress reads progress markdown files: a YAML front matter with
// a `tasks:` list, as written by CCDash-style planning workflows under
// `.claude/progress/<feature>/phase-N-progress.md`. It derives the feature,
// phase and per-task status, and normalizes statuses with an explicit table
// (see NormalizeStatus).
//
// The package knows nothing about the collector: the receiver turns a Doc
// into facts.
package progress

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Doc is one parsed progress file.
type Doc struct {
	Path string // the path the file was read from (as given)

	// HasFrontMatter is false for a markdown file without a leading
	// `---` block; such a file has no tasks and no feature data.
	HasFrontMatter bool

	FeatureID     string
	FeatureSource string // where FeatureID came from: the front-matter key, or "path"
	Phase         string
	Title         string
	RawStatus     string // the document's own status, as written
	Status        string // RawStatus normalized
	SessionIDs    []string
	Tasks         []Task

	// Warnings are problems that did not make the file unreadable (a task
	// without an id, a duplicate id); the tasks concerned are skipped.
	Warnings []string
}

// Task is one entry of the front matter's `tasks:` list.
type Task struct {
	ID         string
	Title      string // title, else name, else description, else the id
	Phase      string // the task's own phase, else the document's
	RawStatus  string
	Status     string   // RawStatus normalized
	SessionIDs []string // the task's session_id(s); explicit correlation evidence
	Started    string   // the task's started/completed fields, as written
	Completed  string
}

// MalformedError reports a file that could not be read as a progress file.
type MalformedError struct {
	Path   string
	Reason string
}

func (e *MalformedError) Error() string { return "progress file " + e.Path + ": " + e.Reason }

func malformed(p, format string, args ...any) error {
	return &MalformedError{Path: p, Reason: fmt.Sprintf(format, args...)}
}

// ParseFile reads and parses one progress file.
func ParseFile(p string) (*Doc, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return Parse(p, data)
}

// Front-matter keys that name the feature, in order of preference. `slug`
// comes last: quick-feature documents carry only that.
var featureKeys = []string{"feature_id", "feature_slug", "feature", "slug"}

// Front-matter keys that carry session ids.
var (
	docSessionKeys  = []string{"session_id", "session_ids", "sessions", "linked_sessions"}
	taskSessionKeys = []string{"session_id", "sessionId", "session_ids"}
)

// Parse parses the content of a progress file. p is used to derive the
// feature and phase when the front matter does not name them, and in errors.
func Parse(p string, data []byte) (*Doc, error) {
	doc := &Doc{Path: p}
	fm, ok, err := frontMatter(data)
	if err != nil {
		return nil, malformed(p, "%v", err)
	}
	doc.FeatureID, doc.FeatureSource = FeatureFromPath(p), "path"
	doc.Phase = phaseFromPath(p)
	if !ok {
		return doc, nil
	}
	doc.HasFrontMatter = true

	var root yaml.Node
	if err := yaml.Unmarshal(fm, &root); err != nil {
		return nil, malformed(p, "front matter: %v", err)
	}
	if len(root.Content) == 0 { // empty front matter
		return doc, nil
	}
	m := deref(root.Content[0])
	if m.Kind != yaml.MappingNode {
		return nil, malformed(p, "front matter (line %d) is not a mapping", m.Line)
	}

	for _, k := range featureKeys {
		if v := scalar(get(m, k)); v != "" {
			doc.FeatureID, doc.FeatureSource = v, k
			break
		}
	}
	if v := scalar(get(m, "phase")); v != "" {
		doc.Phase = v
	}
	doc.Title = firstScalar(m, "title", "name", "phase_title")
	doc.RawStatus = scalar(get(m, "status"))
	doc.Status = NormalizeStatus(doc.RawStatus)
	doc.SessionIDs = stringList(m, docSessionKeys...)

	tasks := get(m, "tasks")
	if tasks == nil || tasks.Tag == "!!null" {
		return doc, nil
	}
	if tasks.Kind != yaml.SequenceNode {
		return nil, malformed(p, "tasks (line %d) is not a list", tasks.Line)
	}
	seen := map[string]bool{}
	for i, n := range tasks.Content {
		n = deref(n)
		if n.Kind != yaml.MappingNode {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("tasks[%d] (line %d) is not a mapping: skipped", i, n.Line))
			continue
		}
		t := Task{ID: scalar(get(n, "id"))}
		if t.ID == "" {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("tasks[%d] (line %d) has no id: skipped", i, n.Line))
			continue
		}
		if seen[t.ID] {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("tasks[%d] (line %d): duplicate id %q: skipped", i, n.Line, t.ID))
			continue
		}
		seen[t.ID] = true
		t.Title = firstScalar(n, "title", "name", "description")
		if t.Title == "" {
			t.Title = t.ID
		}
		t.Phase = scalar(get(n, "phase"))
		if t.Phase == "" {
			t.Phase = doc.Phase
		}
		t.RawStatus = scalar(get(n, "status"))
		t.Status = NormalizeStatus(t.RawStatus)
		t.SessionIDs = stringList(n, taskSessionKeys...)
		t.Started = scalar(get(n, "started"))
		t.Completed = firstScalar(n, "completed", "completed_at")
		doc.Tasks = append(doc.Tasks, t)
	}
	return doc, nil
}

// frontMatter returns the YAML between a leading `---` line and the next
// `---` (or `...`) line. ok is false when the file does not start with one.
func frontMatter(data []byte) (fm []byte, ok bool, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	line, rest, found := bytes.Cut(data, []byte("\n"))
	if string(bytes.TrimRight(line, " \t\r")) != "---" {
		return nil, false, nil
	}
	if !found {
		return nil, false, fmt.Errorf("front matter is not closed by a --- line")
	}
	start := len(data) - len(rest)
	off := start
	for off <= len(data) {
		end := bytes.IndexByte(data[off:], '\n')
		var l []byte
		if end < 0 {
			l = data[off:]
		} else {
			l = data[off : off+end]
		}
		if t := string(bytes.TrimRight(l, " \t\r")); t == "---" || t == "..." {
			// A blank line in place of the opening --- keeps YAML's line
			// numbers equal to the file's in error messages.
			return append([]byte("\n"), data[start:off]...), true, nil
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	return nil, false, fmt.Errorf("front matter is not closed by a --- line")
}

// FeatureFromPath derives a feature id from a progress file's location:
// `.../progress/<feature>/<file>.md` gives <feature>; a file directly under
// `progress/`, or under `progress/quick-features/`, gives its own name
// (without a `-progress` suffix); anything else gives its folder's name.
func FeatureFromPath(p string) string {
	// Both separators: the path may come from a Windows machine (agent → gateway).
	segs := strings.Split(strings.ReplaceAll(p, `\`, "/"), "/")
	stem := strings.TrimSuffix(segs[len(segs)-1], path.Ext(segs[len(segs)-1]))
	for i := len(segs) - 2; i >= 0; i-- {
		if segs[i] != "progress" {
			continue
		}
		rest := segs[i+1:]
		if len(rest) >= 2 && rest[0] != "quick-features" {
			return rest[0]
		}
		return strings.TrimSuffix(stem, "-progress")
	}
	if len(segs) >= 2 && segs[len(segs)-2] != "" {
		return segs[len(segs)-2]
	}
	return strings.TrimSuffix(stem, "-progress")
}

var phaseFile = regexp.MustCompile(`(?i)^phase-?([0-9]+[a-z]?)\b`)

func phaseFromPath(p string) string {
	base := p[strings.LastIndexAny(p, `/\`)+1:]
	if m := phaseFile.FindStringSubmatch(base); m != nil {
		return m[1]
	}
	return ""
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// get returns the value of key in mapping m, nil if absent.
func get(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// scalar is a scalar's text as written (numbers and dates untouched: phase 1
// stays "1", 2026-06-11 stays a string); "" for null, absent or non-scalars.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func firstScalar(m *yaml.Node, keys ...string) string {
	for _, k := range keys {
		if v := scalar(get(m, k)); v != "" {
			return v
		}
	}
	return ""
}

// stringList collects the strings under keys: scalars, lists of scalars, and
// list items that are mappings with an `id`/`session_id`. Order is kept,
// duplicates dropped.
func stringList(m *yaml.Node, keys ...string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	for _, k := range keys {
		n := get(m, k)
		if n == nil {
			continue
		}
		switch n.Kind {
		case yaml.ScalarNode:
			add(scalar(n))
		case yaml.SequenceNode:
			for _, it := range n.Content {
				it = deref(it)
				if it.Kind == yaml.MappingNode {
					add(firstScalar(it, "id", "session_id"))
				} else {
					add(scalar(it))
				}
			}
		}
	}
	return out
}
