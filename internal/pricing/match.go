package pricing

import "strings"

// The helpers below port ccusage's pricing_key_matches: a table key matches a
// model name when one contains the other at name boundaries, without letting
// "claude-opus-4" match "claude-opus-4-6" (a different version) while still
// letting "claude-sonnet-4-5" match "claude-sonnet-4-5-20250929" (a dated
// snapshot of the same version).

// modelDateSuffixDigits is the length of Anthropic's YYYYMMDD snapshot suffix.
const modelDateSuffixDigits = 8

func keyMatches(candidate, model, normalizedModel string) bool {
	if containsKey(model, candidate) || containsKey(candidate, model) {
		return true
	}
	nc := normalizeKey(candidate)
	return containsKey(normalizedModel, nc) || containsKey(nc, normalizedModel)
}

// containsKey reports whether key occurs in value (non-overlapping scan, as
// Rust's match_indices) with a non-alphanumeric byte (or nothing) on both
// sides and no numeric version continuing after it.
func containsKey(value, key string) bool {
	if key == "" {
		return false
	}
	for from := 0; from <= len(value)-len(key); {
		i := strings.Index(value[from:], key)
		if i < 0 {
			return false
		}
		i += from
		beforeOK := i == 0 || !isAlnum(value[i-1])
		if beforeOK && suffixAllowsMatch(key, value[i+len(key):]) {
			return true
		}
		from = i + len(key)
	}
	return false
}

func suffixAllowsMatch(key, suffix string) bool {
	if suffix == "" {
		return true
	}
	if isAlnum(suffix[0]) {
		return false
	}
	return !suffixStartsWithNumericVersion(key, suffix)
}

// suffixStartsWithNumericVersion is true for "-6" after "claude-opus-4" (a
// different model version) but false for "-20250929" (a date snapshot).
func suffixStartsWithNumericVersion(key, suffix string) bool {
	if !isDigit(key[len(key)-1]) {
		return false
	}
	if suffix[0] != '-' && suffix[0] != '.' {
		return false
	}
	rest := suffix[1:]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	if n == 0 {
		return false
	}
	afterIsBoundary := n == len(rest) || !isAlnum(rest[n])
	return !(n == modelDateSuffixDigits && afterIsBoundary)
}

func normalizeKey(s string) string {
	if !strings.ContainsAny(s, ".@") {
		return s
	}
	return strings.NewReplacer(".", "-", "@", "-").Replace(s)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isAlnum(b byte) bool {
	return isDigit(b) || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}
