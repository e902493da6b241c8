package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publicDir is ../shared/corpus/public beside the repository.
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", "public"))
	require.NoError(t, err)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("skipping: shared corpus not found at %s", dir)
	}
	return dir
}

func TestFilesLayout(t *testing.T) {
	files, err := Files(publicDir(t))
	require.NoError(t, err)
	var subagents int
	for rel, src := range files {
		assert.True(t, strings.HasPrefix(rel, "-corpus-"), rel)
		assert.FileExists(t, src)
		if strings.Contains(rel, string(filepath.Separator)+"subagents"+string(filepath.Separator)) {
			subagents++
			assert.True(t, strings.HasPrefix(filepath.Base(rel), "agent-"), rel)
		}
	}
	assert.Positive(t, subagents, "2.1 subagent files keep their <session>/subagents/ folder")
}

func TestFilesEmptyFolder(t *testing.T) {
	_, err := Files(t.TempDir())
	assert.ErrorContains(t, err, "no transcripts")
}

// TestReplicate checks that every copy after the first is a new history
// (no id of the corpus left) with consistent ids (a session file's name is
// the sessionId inside it), and that the same copy is the same bytes twice.
func TestReplicate(t *testing.T) {
	src := publicDir(t)
	files, err := Files(src)
	require.NoError(t, err)
	dst := t.TempDir()
	st, err := Replicate(src, dst, 3, 7*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 3*len(files), st.Files)

	var origIDs [][]byte
	for _, path := range files {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		origIDs = append(origIDs, apiIDRE.FindAll(b, -1)...)
	}
	require.NotEmpty(t, origIDs)

	var copy1 []string
	require.NoError(t, filepath.WalkDir(filepath.Join(dst, "projects"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, "-k1"+string(filepath.Separator)) {
			copy1 = append(copy1, path)
		}
		return err
	}))
	require.Len(t, copy1, len(files))
	sawSession := false
	for _, path := range copy1 {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, id := range origIDs {
			assert.False(t, bytes.Contains(b, id), "%s keeps corpus id %s", path, id)
		}
		name := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		if uuidRE.MatchString(name) && len(name) == 36 && bytes.Contains(b, []byte(`"sessionId"`)) {
			sawSession = true
			assert.Contains(t, string(b), `"sessionId":"`+name+`"`, "ids rewritten consistently in %s", path)
		}
	}
	assert.True(t, sawSession)

	again := t.TempDir()
	_, err = Replicate(src, again, 2, 7*time.Hour)
	require.NoError(t, err)
	a, err := os.ReadFile(copy1[0])
	require.NoError(t, err)
	rel, err := filepath.Rel(dst, copy1[0])
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(again, rel))
	require.NoError(t, err)
	assert.Equal(t, a, b, "a copy is deterministic")
}

func TestHashedIDShapes(t *testing.T) {
	for _, id := range []string{"msg_01AbCdEfGhIjKlMnOpQrStUv", "toolu_01XyZ12345678901234567", "req_011CSwQkQ3ZJbqGK8xL2"} {
		got := hashedID(4, id)
		prefix, _, _ := strings.Cut(id, "_")
		assert.True(t, strings.HasPrefix(got, prefix+"_"), got)
		assert.Len(t, got, len(id))
		assert.NotEqual(t, id, got)
		assert.NotEqual(t, got, hashedID(5, id), "copies differ")
		assert.Equal(t, got, hashedID(4, id), "deterministic")
	}
	u := hashedID(2, "1af7fc5e-8455-4414-9ccd-011d40f70b2a")
	assert.Regexp(t, `^`+uuidRE.String()+`$`, u)
}
