// Package corpus lays the shared public transcript corpus
// (../shared/corpus/public) out as Claude config dirs: once, for tests that
// compare answers on real transcripts, or many times over with fresh ids,
// for benchmarks on real-shaped data. The corpus stays where it is: callers
// write the trees into temporary directories, never into the repository.
package corpus

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Files maps the corpus's transcripts to their place under projects/ of a
// Claude config dir: flat "<owner>__<repo>/<path with / as __>" names become
// <slug>/<session>.jsonl and <slug>/<session>/subagents/agent-<id>.jsonl,
// with slug "-corpus-<owner>". src is the corpus's public/ folder.
func Files(src string) (map[string]string, error) {
	matches, err := filepath.Glob(filepath.Join(src, "*", "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("no transcripts under %s", src)
	}
	files := make(map[string]string, len(matches))
	for _, m := range matches {
		owner := filepath.Base(filepath.Dir(m))
		parts := strings.Split(strings.TrimSuffix(filepath.Base(m), ".jsonl"), "__")
		slug := "-corpus-" + owner
		rel := filepath.Join(slug, parts[len(parts)-1]+".jsonl")
		if n := len(parts); n >= 3 && parts[n-2] == "subagents" {
			rel = filepath.Join(slug, parts[n-3], "subagents", parts[n-1]+".jsonl")
		}
		files[rel] = m
	}
	return files, nil
}

// Layout writes the corpus once as dst/projects/... (dst becomes a Claude
// config dir).
func Layout(src, dst string) error {
	_, err := Replicate(src, dst, 1, 0)
	return err
}

// Stats describes a written tree.
type Stats struct {
	Files int
	Bytes int64
}

var (
	uuidRE      = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	apiIDRE     = regexp.MustCompile(`\b(?:msg|req|toolu)_[0-9A-Za-z]{8,}`)
	timestampRE = regexp.MustCompile(`"timestamp":"([0-9T:.\-]+Z)"`)
)

// Replicate writes copies of the corpus into dst/projects/, copy k under
// project folders suffixed "-k<k>", each file's mtime its last line's
// timestamp. Copy 0 is the corpus as it is; every
// other copy is a distinct history: session, message, request and tool_use
// ids are replaced by ids hashed from (k, id), so de-duplication sees new
// facts in random key order as in real data, and timestamps move by k*shift
// so the copies spread over days. Ids stay consistent across the files of
// a copy (a subagent file still names its parent session).
func Replicate(src, dst string, copies int, shift time.Duration) (Stats, error) {
	files, err := Files(src)
	if err != nil {
		return Stats{}, err
	}
	rels := make([]string, 0, len(files))
	contents := make(map[string][]byte, len(files))
	ids := map[string]struct{}{}
	stamps := map[string]struct{}{}
	lastWrite := map[string]time.Time{} // rel -> latest line timestamp
	for rel, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			return Stats{}, err
		}
		rels = append(rels, rel)
		contents[rel] = b
		for _, m := range uuidRE.FindAll([]byte(rel), -1) {
			ids[string(m)] = struct{}{}
		}
		for _, re := range []*regexp.Regexp{uuidRE, apiIDRE} {
			for _, m := range re.FindAll(b, -1) {
				ids[string(m)] = struct{}{}
			}
		}
		for _, m := range timestampRE.FindAllSubmatch(b, -1) {
			stamps[string(m[1])] = struct{}{}
			if t, err := time.Parse(time.RFC3339Nano, string(m[1])); err == nil && t.After(lastWrite[rel]) {
				lastWrite[rel] = t
			}
		}
	}
	sort.Strings(rels)
	var st Stats
	for k := range copies {
		rewrite := replacer(k, ids, stamps, time.Duration(k)*shift)
		for _, rel := range rels {
			out := rel
			b := contents[rel]
			if k > 0 {
				slug, rest, _ := strings.Cut(rel, string(filepath.Separator))
				out = filepath.Join(fmt.Sprintf("%s-k%d", slug, k), rewrite.Replace(rest))
				b = []byte(rewrite.Replace(string(b)))
			}
			path := filepath.Join(dst, "projects", out)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return st, err
			}
			if err := os.WriteFile(path, b, 0o644); err != nil {
				return st, err
			}
			// The file was last written at its last line, as in a real
			// history (readers treat long-unchanged files as finished).
			if t, ok := lastWrite[rel]; ok {
				t = t.Add(time.Duration(k) * shift)
				if err := os.Chtimes(path, t, t); err != nil {
					return st, err
				}
			}
			st.Files++
			st.Bytes += int64(len(b))
		}
	}
	return st, nil
}

// replacer maps every id and timestamp of the corpus to its value in copy
// k (the identity for k == 0).
func replacer(k int, ids, stamps map[string]struct{}, shift time.Duration) *strings.Replacer {
	if k == 0 {
		return strings.NewReplacer()
	}
	pairs := make([]string, 0, 2*(len(ids)+len(stamps)))
	for id := range ids {
		pairs = append(pairs, id, hashedID(k, id))
	}
	for ts := range stamps {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			continue
		}
		pairs = append(pairs, ts, t.Add(shift).UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	return strings.NewReplacer(pairs...)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// hashedID returns an id of the same shape as id (UUID, or prefix_ and
// base62 characters of the same length) derived from (k, id).
func hashedID(k int, id string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d/%s", k, id)))
	if uuidRE.MatchString(id) && len(id) == 36 {
		h := hex.EncodeToString(sum[:16])
		return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	prefix, body, _ := strings.Cut(id, "_")
	out := make([]byte, len(body))
	seed := binary.LittleEndian.Uint64(sum[:8])
	for i := range out {
		if i%10 == 0 && i > 0 { // 10 base62 digits per 64 bits of the hash
			seed = binary.LittleEndian.Uint64(sum[(i/10*8)%32:])
			seed ^= uint64(i)
		}
		out[i] = base62[seed%62]
		seed /= 62
	}
	return prefix + "_" + string(out)
}
