package progressfiles

import (
	"path"
	"strings"
)

// Globs are slash-separated patterns whose segments follow path.Match, plus
// `**`, which matches zero or more whole segments. `**` does not descend into
// directories that are never worth walking for progress files: dot
// directories other than .claude, and dependency/build caches (skipDirs). A
// pattern can still name one of them literally.

// skipDirs are directory names `**` never enters.
var skipDirs = map[string]bool{
	"node_modules": true, "vendor": true, "venv": true, "__pycache__": true,
	"target": true, "dist": true, "build": true,
}

func globstarEnters(seg string) bool {
	if strings.HasPrefix(seg, ".") {
		return seg == ".claude"
	}
	return !skipDirs[seg]
}

func splitGlob(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// matchSegs reports whether the path segments s match the pattern segments p.
func matchSegs(p, s []string) bool {
	for len(p) > 0 {
		if p[0] == "**" {
			if len(p) == 1 { // trailing **: everything below, through enterable folders
				return len(s) > 0 && allEnterable(s[:len(s)-1])
			}
			if matchSegs(p[1:], s) {
				return true
			}
			// ** consumes one more segment: a directory it may enter.
			if len(s) > 1 && globstarEnters(s[0]) {
				return matchSegs(p, s[1:])
			}
			return false
		}
		if len(s) == 0 {
			return false
		}
		if ok, err := path.Match(p[0], s[0]); err != nil || !ok {
			return false
		}
		p, s = p[1:], s[1:]
	}
	return len(s) == 0
}

func allEnterable(dirs []string) bool {
	for _, d := range dirs {
		if !globstarEnters(d) {
			return false
		}
	}
	return true
}

// mayContain reports whether a directory with segments d can hold a path the
// pattern p matches (so the walk must enter it).
func mayContain(p, d []string) bool {
	if len(d) == 0 {
		return true
	}
	if len(p) == 0 {
		return false
	}
	if p[0] == "**" {
		return mayContain(p[1:], d) || (globstarEnters(d[0]) && mayContain(p, d[1:]))
	}
	if ok, err := path.Match(p[0], d[0]); err != nil || !ok {
		return false
	}
	return mayContain(p[1:], d[1:])
}

// staticPrefix is the leading segments of p without glob metacharacters:
// the walk starts there.
func staticPrefix(p []string) []string {
	for i, s := range p {
		if s == "**" || strings.ContainsAny(s, `*?[\`) {
			return p[:i]
		}
	}
	if len(p) == 0 {
		return p
	}
	return p[:len(p)-1] // a literal file path: walk its folder
}
