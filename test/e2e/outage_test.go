//go:build e2e

package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/processtest"
)

// tcpProxy forwards a local port to PostgreSQL and can cut every
// connection to simulate a database outage.
type tcpProxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target}
	p.addr = "127.0.0.1:" + itoa(processtest.FreePorts(t, 1)[0])
	p.up()
	t.Cleanup(p.down)
	return p
}

func (p *tcpProxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	require.NoError(p.t, err)
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// down refuses new connections and breaks the open ones.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// statusTolerant polls status but accepts errors while the DB is down.
func (c *collector) statusTolerant() (st struct {
	BackfillComplete bool  `json:"backfill_complete"`
	EventsStored     int64 `json:"events_stored"`
}, ok bool) {
	resp, err := http.Get(c.api + "/api/analytics/status")
	if err != nil {
		return st, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, false
	}
	return st, json.NewDecoder(resp.Body).Decode(&st) == nil
}

// TestPostgresOutageDuringBackfill cuts the database off mid-backfill and
// requires, once it is back, the same answers as an undisturbed run.
func TestPostgresOutageDuringBackfill(t *testing.T) {
	dsn := os.Getenv("CCDASH_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("CCDASH_TEST_POSTGRES_DSN not set: skipping PostgreSQL outage test (CI sets it)")
	}
	tree := synthTree(t, 100<<20)
	want := referenceSnapshot(t, tree)

	cfg, err := pgx.ParseConfig(freshDatabase(t, dsn))
	require.NoError(t, err)
	proxy := newProxy(t, net.JoinHostPort(cfg.Host, itoa(int(cfg.Port))))
	viaProxy := "postgres://" + cfg.User + "@" + proxy.addr + "/" + cfg.Database + "?sslmode=disable"

	c := startCollector(t, collectorEnv{ClaudeConfigDir: tree, DataDir: t.TempDir(), Driver: "postgres", DSN: viaProxy})
	// Cut the database as soon as the API is up: the backfill has at most
	// begun, so most of it meets the outage.
	st, ok := c.statusTolerant()
	require.True(t, ok)
	require.False(t, st.BackfillComplete, "backfill finished before the outage: use a bigger tree")
	proxy.down()
	t.Log("database cut off")
	time.Sleep(3 * time.Second)
	proxy.up()
	t.Log("database back")

	require.Eventually(t, func() bool {
		st, ok := c.statusTolerant()
		return ok && st.BackfillComplete
	}, 5*time.Minute, 100*time.Millisecond, "backfill must resume after the outage:\n%s", c.Log())
	assert.Equal(t, want, c.snapshot("UTC"), "an outage must not lose or double anything")
	mustContain(t, c.Log(), "retry")
}
