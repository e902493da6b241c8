package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// textPool holds pre-generated code and prose. Tool outputs of several KB
// are cut out of it as substrings, which keeps generation fast (no per-byte
// randomness) while the content still looks like source code and logs.
// It is built once per seed and only read afterwards, so workers share it.
type textPool struct {
	code      string // newline-terminated lines of code
	codeLines []int  // offsets of line starts in code, plus len(code)
	prose     []string
	words     []string
}

var (
	nouns = []string{"session", "token", "parser", "cache", "store", "handler", "config", "request",
		"response", "buffer", "metric", "window", "offset", "cursor", "record", "batch", "queue", "worker",
		"client", "server", "schema", "index", "report", "bucket", "event", "span", "trace", "ledger",
		"invoice", "account", "tenant", "profile", "payload", "filter", "router", "snapshot", "digest",
		"checkpoint", "segment", "budget", "quota", "limit", "retry", "policy", "plugin", "module"}
	verbs = []string{"load", "parse", "flush", "merge", "build", "resolve", "apply", "decode", "encode",
		"scan", "fetch", "emit", "track", "render", "commit", "reset", "update", "compute", "collect",
		"validate", "normalize", "dedupe", "reconcile", "export", "import", "sync", "rotate", "compact"}
	adjectives = []string{"pending", "stale", "active", "partial", "final", "cached", "raw", "local",
		"remote", "default", "nested", "empty", "unique", "hourly", "daily", "strict", "lazy"}
	types = []string{"string", "int64", "bool", "[]byte", "error", "time.Time", "map[string]int",
		"*Config", "context.Context", "[]Record", "float64"}
	exts = []string{".go", ".ts", ".tsx", ".py", ".sql", ".yaml", ".md"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func ident(r *rand.Rand) string { return pick(r, verbs) + title(pick(r, nouns)) }

// codeLine renders one line of Go/TypeScript/Python-ish source.
func codeLine(r *rand.Rand) string {
	n, v, a := pick(r, nouns), pick(r, verbs), pick(r, adjectives)
	ind := strings.Repeat("\t", r.IntN(4))
	switch r.IntN(22) {
	case 0:
		return fmt.Sprintf("func (s *%s) %s(ctx context.Context, %s %s) error {", title(n), title(v)+title(a), pick(r, nouns), pick(r, types))
	case 1:
		return ind + fmt.Sprintf("if err := s.%s.%s(ctx, %s); err != nil {", n, title(v), a)
	case 2:
		return ind + fmt.Sprintf("\treturn fmt.Errorf(\"%s %s: %%w\", err)", v, n)
	case 3:
		return ind + "}"
	case 4:
		return ind + fmt.Sprintf("// %ss the %s %s before the next %s.", title(v), a, n, pick(r, nouns))
	case 5:
		return ind + fmt.Sprintf("%s := make(map[string]%s, len(%ss))", a+title(n), pick(r, types), n)
	case 6:
		return ind + fmt.Sprintf("for _, %s := range %ss {", n[:1], n)
	case 7:
		return fmt.Sprintf("export function %s(%s: %s): Promise<%s> {", ident(r), n, title(a)+title(n), title(pick(r, nouns)))
	case 8:
		return ind + fmt.Sprintf("const %s = await %s.%s({ %s, %s: %d });", a+title(n), pick(r, nouns), v, pick(r, nouns), a, r.IntN(5000))
	case 9:
		return fmt.Sprintf("def %s_%s(self, %s: %s) -> %s:", v, n, a, title(n), title(pick(r, nouns)))
	case 10:
		return ind + fmt.Sprintf("    return self._%s.%s(%s=%s)", n, v, a, pick(r, nouns))
	case 11:
		return ""
	case 12:
		return ind + fmt.Sprintf("%s.%s = %s.%s(%s)", n, title(a), pick(r, nouns), title(v), pick(r, nouns))
	case 13:
		return fmt.Sprintf("type %s struct {", title(a)+title(n))
	case 14:
		return fmt.Sprintf("\t%s %s `json:\"%s\"`", title(n), pick(r, types), n)
	case 15:
		return ind + fmt.Sprintf("log.Debug(\"%s %s\", zap.String(\"%s\", %s.ID), zap.Int(\"n\", len(%ss)))", v, n, n, n, a)
	case 16:
		return fmt.Sprintf("SELECT %s_id, %s, created_at FROM %ss WHERE %s = $1 ORDER BY created_at DESC;", n, a, n, pick(r, nouns))
	case 17:
		return ind + fmt.Sprintf("assert.Equal(t, %d, len(%s.%ss))", r.IntN(100), a, n)
	case 18:
		return ind + fmt.Sprintf("if %s == nil || len(%s.%s) == 0 {", n, n, title(pick(r, nouns)))
	case 19:
		return ind + fmt.Sprintf("%s: %s_%s", n, a, pick(r, nouns))
	case 20:
		return ind + fmt.Sprintf("case %q:", a)
	default:
		return ind + fmt.Sprintf("%s, err := %s(ctx, %s.%s)", n, ident(r), pick(r, nouns), title(a))
	}
}

func sentence(r *rand.Rand) string {
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("The %s %s is %s when the %s %s runs.", pick(r, adjectives), pick(r, nouns), pick(r, adjectives), pick(r, nouns), pick(r, verbs))
	case 1:
		return fmt.Sprintf("I'll %s the %s first, then %s the %s.", pick(r, verbs), pick(r, nouns), pick(r, verbs), pick(r, nouns))
	case 2:
		return fmt.Sprintf("Let me check how `%s` handles a %s %s.", ident(r), pick(r, adjectives), pick(r, nouns))
	case 3:
		return fmt.Sprintf("The tests pass now: %d passed, 0 failed.", 5+r.IntN(300))
	case 4:
		return fmt.Sprintf("We need to %s each %s before we %s it, otherwise the %s is counted twice.", pick(r, verbs), pick(r, nouns), pick(r, verbs), pick(r, nouns))
	case 5:
		return fmt.Sprintf("Found it: `%s` returns early when the %s is %s.", ident(r), pick(r, nouns), pick(r, adjectives))
	case 6:
		return fmt.Sprintf("Now I understand the %s flow. The %s keeps a %s %s per %s.", pick(r, nouns), pick(r, nouns), pick(r, adjectives), pick(r, nouns), pick(r, nouns))
	default:
		return fmt.Sprintf("Next, %s the %s and %s the %s %s.", pick(r, verbs), pick(r, nouns), pick(r, verbs), pick(r, adjectives), pick(r, nouns))
	}
}

func newTextPool(r *rand.Rand) *textPool {
	p := &textPool{}
	var sb strings.Builder
	const lines = 20000
	p.codeLines = make([]int, 0, lines+1)
	for range lines {
		p.codeLines = append(p.codeLines, sb.Len())
		sb.WriteString(codeLine(r))
		sb.WriteByte('\n')
	}
	p.codeLines = append(p.codeLines, sb.Len())
	p.code = sb.String()
	for range 3000 {
		p.prose = append(p.prose, sentence(r))
	}
	p.words = append(append(append(p.words, nouns...), verbs...), adjectives...)
	return p
}

// codeBlock returns n consecutive code lines (n is clamped to the pool).
func (p *textPool) codeBlock(r *rand.Rand, n int) string {
	total := len(p.codeLines) - 1
	n = max(1, min(n, total))
	start := r.IntN(total - n + 1)
	return p.code[p.codeLines[start]:p.codeLines[start+n]]
}

// numbered renders a code block the way the Read tool shows it to the model:
// `cat -n` style, right-aligned line numbers and an arrow.
func numbered(block string, startLine int) string {
	var sb strings.Builder
	sb.Grow(len(block) + strings.Count(block, "\n")*8)
	n := startLine
	for line := range strings.Lines(block) {
		fmt.Fprintf(&sb, "%6d→%s", n, line)
		n++
	}
	return sb.String()
}

// paragraph returns n sentences of prose.
func (p *textPool) paragraph(r *rand.Rand, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(pick(r, p.prose))
	}
	return sb.String()
}

// markdown returns a response-like text with a heading, bullets and prose.
func (p *textPool) markdown(r *rand.Rand, paragraphs int) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "## %s %s\n\n", title(pick(r, verbs)), pick(r, nouns))
	for i := range paragraphs {
		sb.WriteString(p.paragraph(r, 2+r.IntN(4)))
		sb.WriteString("\n\n")
		if i%2 == 0 {
			for range 2 + r.IntN(4) {
				fmt.Fprintf(&sb, "- `%s`: %s\n", ident(r), pick(r, p.prose))
			}
			sb.WriteByte('\n')
		}
	}
	return strings.TrimRight(sb.String(), "\n")
}
