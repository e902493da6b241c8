package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
)

// lineReader yields whole, '\n'-terminated lines from a transcript file.
// A trailing line without '\n' is a line Claude Code is still writing: it is
// left unread (the offset stays before it) until its newline arrives.
// Lines longer than maxLine are skipped whole and reported as oversized, so
// one huge tool result cannot stall or exhaust the collector.
type lineReader struct {
	r       *bufio.Reader
	maxLine int
	offset  int64 // offset just after the last complete line returned or skipped
	buf     []byte
}

var errOversized = errors.New("line exceeds max_line_size")

// readBufSize is bufio's buffer: most lines fit; longer ones are assembled
// in buf. Buffers are pooled: a backfill opens thousands of small files,
// and a fresh buffer per file is garbage that inflates the heap.
const readBufSize = 256 << 10

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufSize) }}

func newLineReader(r io.Reader, startOffset int64, maxLine int) *lineReader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return &lineReader{r: br, maxLine: maxLine, offset: startOffset}
}

// release returns the buffer to the pool; the reader must not be used after.
func (l *lineReader) release() {
	l.r.Reset(nil)
	readers.Put(l.r)
	l.r, l.buf = nil, nil
}

// next returns the next complete line without its newline. The slice is
// valid until the following call. io.EOF means no complete line is left.
// errOversized means a complete line was skipped; the offset moved past it.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	var consumed int64
	for {
		chunk, err := l.r.ReadSlice('\n')
		consumed += int64(len(chunk))
		switch {
		case err == nil:
			l.offset += consumed
			if consumed > int64(l.maxLine)+1 {
				return nil, errOversized
			}
			if len(l.buf) == 0 {
				// Fast path: the whole line sits in bufio's buffer.
				return bytes.TrimSuffix(chunk, []byte{'\n'}), nil
			}
			l.buf = append(l.buf, chunk...)
			return bytes.TrimSuffix(l.buf, []byte{'\n'}), nil
		case errors.Is(err, bufio.ErrBufferFull):
			if consumed <= int64(l.maxLine)+1 {
				l.buf = append(l.buf, chunk...)
			} else {
				l.buf = l.buf[:0] // too long: keep counting, stop copying
			}
		case errors.Is(err, io.EOF):
			return nil, io.EOF // partial last line: not consumed
		default:
			return nil, err
		}
	}
}
