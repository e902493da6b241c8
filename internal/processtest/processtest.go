// Package processtest runs child processes for end-to-end tests: the built
// bin/otelcol-ccdash, Prometheus, ... with their output kept for failure
// messages, free ports to give them, and a clean stop (SIGTERM, then SIGKILL
// after a grace period) registered with the test.
package processtest

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stopGrace is how long Stop waits after SIGTERM before it kills.
const stopGrace = 30 * time.Second

// RepoRoot is the repository root for tests in test/<package> (go test runs
// in the package directory).
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(tb, err)
	return root
}

// Binary is the path of bin/otelcol-ccdash; the test fails when it is
// missing.
func Binary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(RepoRoot(tb), "bin", "otelcol-ccdash")
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("%s not found: run `make build` (the make targets of the e2e tests do)", bin)
	}
	return bin
}

// FreePorts returns n distinct free ports on 127.0.0.1. The listeners stay
// open until all are chosen, so the kernel cannot hand out one port twice.
func FreePorts(tb testing.TB, n int) []int {
	tb.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(tb, err)
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// Process is a started child process.
type Process struct {
	Name   string
	Cmd    *exec.Cmd
	log    syncBuffer
	exited chan struct{}
}

// Start starts cmd with its output captured. The process is stopped when the
// test ends, and the tail of its output is logged if the test failed.
func Start(tb testing.TB, name string, cmd *exec.Cmd) *Process {
	tb.Helper()
	p := &Process{Name: name, Cmd: cmd, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &p.log, &p.log
	require.NoError(tb, cmd.Start(), name)
	go func() { _ = cmd.Wait(); close(p.exited) }()
	tb.Cleanup(p.Stop)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("--- %s output (tail) ---\n%s", name, tail(p.Log(), 40))
		}
	})
	return p
}

// Log is everything the process wrote so far.
func (p *Process) Log() string { return p.log.String() }

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Running tells whether the process has not exited yet.
func (p *Process) Running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Stop ends the process gracefully (SIGTERM) if it still runs, and kills it
// if it has not exited after a grace period.
func (p *Process) Stop() {
	if !p.Running() {
		return
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		p.Kill()
	}
}

// Kill ends the process with SIGKILL (no shutdown hooks run) and waits for it.
func (p *Process) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.exited
}

// WaitFor polls ok until it is true; it fails the test with the process
// output when the process exits first or the timeout passes.
func (p *Process) WaitFor(tb testing.TB, what string, timeout time.Duration, ok func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		select {
		case <-p.exited:
			tb.Fatalf("%s exited while waiting for %s:\n%s", p.Name, what, p.Log())
		case <-time.After(100 * time.Millisecond):
		}
	}
	tb.Fatalf("%s: timed out after %s waiting for %s:\n%s", p.Name, timeout, what, p.Log())
}

// WaitHTTP waits until url answers (any status): the process is listening.
func (p *Process) WaitHTTP(tb testing.TB, url string, timeout time.Duration) {
	tb.Helper()
	p.WaitFor(tb, url, timeout, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
}

// syncBuffer is written by the process's output copiers and read by tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(b)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
