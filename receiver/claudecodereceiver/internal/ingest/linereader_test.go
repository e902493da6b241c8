package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAll(t *testing.T, input string, start int64, maxLine int) (lines []string, oversized int, end int64) {
	t.Helper()
	lr := newLineReader(strings.NewReader(input[start:]), start, maxLine)
	for {
		line, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			return lines, oversized, lr.offset
		case errors.Is(err, errOversized):
			oversized++
		default:
			require.NoError(t, err)
			lines = append(lines, string(line))
		}
	}
}

func TestLineReaderLeavesPartialLastLine(t *testing.T) {
	lines, _, end := readAll(t, "{\"a\":1}\n{\"b\":2}\n{\"c\":", 0, 1<<20)
	assert.Equal(t, []string{`{"a":1}`, `{"b":2}`}, lines)
	assert.EqualValues(t, 16, end, "offset must stop before the half-written line")
}

func TestLineReaderResumesFromOffset(t *testing.T) {
	input := "one\ntwo\nthree\n"
	lines, _, end := readAll(t, input, 4, 1<<20)
	assert.Equal(t, []string{"two", "three"}, lines)
	assert.EqualValues(t, len(input), end)
}

func TestLineReaderSkipsOversizedLinesWhole(t *testing.T) {
	long := strings.Repeat("x", 3<<20) // longer than bufio's buffer too
	input := "ok1\n" + long + "\nok2\n"
	lines, oversized, end := readAll(t, input, 0, 1<<20)
	assert.Equal(t, []string{"ok1", "ok2"}, lines)
	assert.Equal(t, 1, oversized)
	assert.EqualValues(t, len(input), end)
}

func TestLineReaderLongLineUnderLimit(t *testing.T) {
	long := strings.Repeat("y", 3<<20)
	lines, oversized, _ := readAll(t, long+"\n", 0, 4<<20)
	require.Len(t, lines, 1)
	assert.Equal(t, 0, oversized)
	assert.Len(t, lines[0], len(long))
}
