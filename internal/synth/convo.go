package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// convo writes one transcript file: the main session or one subagent. Both
// share the session's random stream and clock.
type convo struct {
	s        *sessionGen
	env      envelope
	path     string
	f        *os.File
	w        *bufio.Writer
	last     string // uuid of the last line, the next line's parentUuid
	model    string
	main     bool  // main thread (tool_use blocks carry caller, results carry toolUseResult)
	ctx      int64 // tokens in the cached prompt prefix
	pending  int64 // tokens added since the last response (become cache writes)
	cold     bool  // cache expired (session resumed): the next response rewrites it
	started  bool  // at least one response written
	mirror   *mirror
	toolUses int
	lastFin  *usageFinal
}

// mirror is how a subagent's messages are copied into its parent transcript
// as agent_progress lines.
type mirror struct {
	parent          *convo
	toolUseID       string // "agent_msg_<parent message id>"
	parentToolUseID string // the Task tool_use id
	prompt          string
	agentID         string
}

func (s *sessionGen) openConvo(path string, env envelope, model string, main bool) (*convo, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s.stats.Files++
	return &convo{s: s, env: env, path: path, f: f, w: bufio.NewWriterSize(f, 256<<10), model: model, main: main}, nil
}

func (c *convo) close() error {
	if err := c.w.Flush(); err != nil {
		c.f.Close()
		return err
	}
	if err := c.f.Close(); err != nil {
		return err
	}
	// Like a real history, the file was last written when the session's
	// clock stopped, not when the generator ran: readers that treat old
	// files as finished see them as such.
	return os.Chtimes(c.path, c.s.now, c.s.now)
}

// parent returns the envelope for a new line chained to the previous one.
func (c *convo) chained() envelope {
	e := c.env
	if c.last != "" {
		p := c.last
		e.ParentUUID = &p
	}
	return e
}

// emit writes one JSON line. kind is the stats key (line type).
func (c *convo) emit(kind string, v any) {
	s := c.s
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if err := s.enc.Encode(v); err != nil { // Encode appends the newline
		s.err = fmt.Errorf("synth: encoding %s line: %w", kind, err)
		return
	}
	n, err := c.w.Write(s.buf.Bytes())
	if err != nil {
		s.err = err
		return
	}
	s.bytes += int64(n)
	s.stats.Bytes += int64(n)
	s.stats.Lines++
	s.stats.LinesByType[kind]++
}

// advance moves the session clock by a random duration in [lo, hi).
func (s *sessionGen) advance(lo, hi time.Duration) time.Time {
	s.now = s.now.Add(lo + time.Duration(s.r.Int64N(int64(hi-lo)+1)))
	return s.now
}

func (s *sessionGen) ts() string { return timestamp(s.now) }

func newEncoder(buf *bytes.Buffer) *json.Encoder {
	enc := json.NewEncoder(buf)
	// Claude Code writes with JSON.stringify, which leaves <, > and &
	// alone (`<command-name>` is literal in real files).
	enc.SetEscapeHTML(false)
	return enc
}
