package transcript

import (
	"regexp"
	"slices"
	"strings"
)

// Command classes of Bash tool calls (facts.Fact.CommandClass).
const (
	CommandTest  = "test"
	CommandLint  = "lint"
	CommandBuild = "build"
	CommandOther = "other"
)

// ClassifyCommand tells whether a Bash command runs tests, a linter or a
// build. A compound command (`cd x && go vet ./... && go test ./...`) takes
// the most telling class of its parts, test over lint over build: its
// outcome is then mostly the tests' outcome. Wrappers that do not change
// what runs (env assignments, sudo, time, timeout N, npx, uv run, python -m,
// ...) are skipped.
func ClassifyCommand(cmd string) string {
	best := CommandOther
	rank := map[string]int{CommandOther: 0, CommandBuild: 1, CommandLint: 2, CommandTest: 3}
	for _, part := range splitCommand(stripHeredocs(cmd)) {
		if c := classifyWords(unwrap(strings.Fields(part))); rank[c] > rank[best] {
			best = c
		}
	}
	return best
}

var heredocRE = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)

// stripHeredocs drops the bodies of here-documents: file contents written
// with `cat > f <<'EOF'` are not commands.
func stripHeredocs(cmd string) string {
	if !strings.Contains(cmd, "<<") {
		return cmd
	}
	lines := strings.Split(cmd, "\n")
	out := lines[:0]
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		for _, m := range heredocRE.FindAllStringSubmatch(lines[i], -1) {
			for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != m[1] {
				i++
			}
			i++ // the delimiter line
		}
	}
	return strings.Join(out, "\n")
}

// splitCommand cuts a shell command at its command separators (&&, ||, ;,
// |, &, newlines and subshell parentheses). Quoting is not honoured: a
// separator inside quotes only adds a part that classifies as other.
func splitCommand(cmd string) []string {
	return strings.FieldsFunc(cmd, func(r rune) bool {
		switch r {
		case '&', '|', ';', '\n', '(', ')', '`':
			return true
		}
		return false
	})
}

// unwrap drops leading words that only set up how the real command runs.
func unwrap(w []string) []string {
	for len(w) > 0 {
		switch first := w[0]; {
		case strings.Contains(first, "=") && !strings.HasPrefix(first, "-"): // FOO=bar
			w = w[1:]
		case first == "sudo" || first == "time" || first == "env" || first == "nice" || first == "command" ||
			first == "exec" || first == "npx" || first == "bunx" || first == "then" || first == "do" || first == "{":
			w = w[1:]
		case first == "timeout" && len(w) > 1:
			w = w[2:]
		case (first == "uv" || first == "poetry" || first == "pipenv" || first == "pdm") && len(w) > 1 && w[1] == "run":
			w = w[2:]
		case (first == "python" || first == "python3") && len(w) > 2 && w[1] == "-m":
			w = w[2:]
		case first == "cd" && len(w) <= 2:
			return nil // a bare cd is a part of its own
		default:
			return w
		}
	}
	return w
}

// classifyWords classifies one simple command given as words.
func classifyWords(w []string) string {
	if len(w) == 0 {
		return CommandOther
	}
	tool := w[0]
	if i := strings.LastIndexByte(tool, '/'); i >= 0 { // ./node_modules/.bin/eslint, /usr/bin/make
		tool = tool[i+1:]
	}
	arg := func(i int) string {
		if i < len(w) {
			return w[i]
		}
		return ""
	}
	switch tool {
	case "pytest", "py.test", "jest", "vitest", "mocha", "tox", "nox":
		return CommandTest
	case "eslint", "golangci-lint", "ruff", "flake8", "pylint", "mypy", "staticcheck", "shellcheck", "tslint",
		"prettier", "black", "isort", "rubocop", "clippy-driver", "hadolint", "markdownlint", "yamllint":
		return CommandLint
	case "tsc", "webpack", "vite", "gradle", "mvn", "bazel", "cmake", "ninja":
		if tool == "vite" && arg(1) != "build" {
			return CommandOther
		}
		if (tool == "gradle" || tool == "mvn") && (arg(1) == "test" || arg(1) == "check") {
			return CommandTest
		}
		if tool == "bazel" && arg(1) == "test" {
			return CommandTest
		}
		if tool == "tsc" && slices.Contains(w, "--noEmit") {
			return CommandLint // a type check
		}
		return CommandBuild
	case "go":
		switch arg(1) {
		case "test":
			return CommandTest
		case "vet":
			return CommandLint
		case "build", "install":
			return CommandBuild
		}
	case "cargo":
		switch arg(1) {
		case "test", "nextest":
			return CommandTest
		case "clippy", "fmt":
			return CommandLint
		case "build", "check":
			return CommandBuild
		}
	case "npm", "yarn", "pnpm", "bun":
		script := arg(1)
		if script == "run" || script == "run-script" {
			script = arg(2)
		}
		switch {
		case script == "test" || script == "t" || strings.HasPrefix(script, "test:"):
			return CommandTest
		case script == "lint" || strings.HasPrefix(script, "lint:"):
			return CommandLint
		case script == "build" || strings.HasPrefix(script, "build:"):
			return CommandBuild
		}
	case "mix": // Elixir
		switch arg(1) {
		case "test":
			return CommandTest
		case "credo", "dialyzer", "format":
			return CommandLint
		case "compile":
			return CommandBuild
		}
	case "make", "gmake":
		// make with a test or lint target is that; any other make builds.
		for _, a := range w[1:] {
			switch {
			case a == "test" || a == "check" || strings.HasPrefix(a, "test-") || strings.HasSuffix(a, "-test"):
				return CommandTest
			case a == "lint" || a == "vet" || strings.HasPrefix(a, "lint-"):
				return CommandLint
			}
		}
		return CommandBuild
	}
	return CommandOther
}
