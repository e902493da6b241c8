package api

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// params reads query parameters, remembering the first problem so handlers
// can read everything and check once.
type params struct {
	values url.Values
	err    error
}

func parseQuery(r *http.Request) (*params, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badParam("query", "malformed query string: %v", err)
	}
	return &params{values: v}, nil
}

// one returns a single-valued parameter; giving it twice is an error, since
// silently picking one would answer a different question than was asked.
func (p *params) one(name string) string {
	vs := p.values[name]
	if len(vs) > 1 && p.err == nil {
		p.err = badParam(name, "given %d times; give it once", len(vs))
	}
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[0])
}

// list returns a list parameter given as a comma list, repeated, or both.
func (p *params) list(name string) []string {
	var out []string
	for _, v := range p.values[name] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// location resolves tz (an IANA name; default UTC). "Local" is refused: the
// answer must not depend on the server's configuration.
func (p *params) location() (*time.Location, error) {
	name := p.one("tz")
	if name == "" {
		return time.UTC, nil
	}
	if strings.EqualFold(name, "Local") {
		return nil, badParam("tz", "unknown time zone %q: use an IANA name such as Europe/Paris", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, badParam("tz", "unknown time zone %q: use an IANA name such as Europe/Paris", name)
	}
	return loc, nil
}

// window resolves start and end. Each is RFC 3339 (an instant) or
// YYYY-MM-DD (a local date in loc). A start date means its first instant;
// an end date is inclusive, so it means the first instant of the next day.
// The window is [start, end).
func (p *params) window(loc *time.Location) (start, end time.Time, err error) {
	if start, err = parseBound("start", p.one("start"), loc, false); err != nil {
		return
	}
	if end, err = parseBound("end", p.one("end"), loc, true); err != nil {
		return
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		err = badParam("end", "must be after start")
	}
	return
}

func parseBound(name, v string, loc *time.Location, isEnd bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if len(v) == len("2006-01-02") {
		d, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return time.Time{}, badParam(name, "bad date %q: want YYYY-MM-DD or RFC 3339", v)
		}
		if isEnd {
			d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		}
		return d, nil
	}
	// An unescaped '+' in a query string arrives as a space.
	t, err := time.Parse(time.RFC3339, strings.Replace(v, " ", "+", 1))
	if err != nil {
		return time.Time{}, badParam(name, "bad time %q: want YYYY-MM-DD or RFC 3339", v)
	}
	return t, nil
}

func formatBound(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// scope resolves tz, then start/end in it, then any earlier parameter error:
// the common part of every windowed endpoint.
func (p *params) scope() (loc *time.Location, start, end time.Time, err error) {
	if loc, err = p.location(); err == nil {
		start, end, err = p.window(loc)
	}
	if err == nil {
		err = p.err
	}
	return loc, start, end, err
}

// maxLimit bounds limit on every paged endpoint.
const maxLimit = 10000

// filters reads the dimension filters (store.Filters): each a comma list,
// repeated or both. An empty value is an error, not "no filter".
func (p *params) filters() store.Filters {
	var f store.Filters
	for _, d := range store.AllDimensions() {
		vs, given := p.values[d]
		if !given {
			continue
		}
		list := p.list(d)
		if len(list) == 0 && p.err == nil {
			p.err = badParam(d, "empty filter value (got %q)", strings.Join(vs, ","))
		}
		if f == nil {
			f = store.Filters{}
		}
		f[d] = list
	}
	return f
}

// page reads limit (0: all; at most maxLimit) and offset.
func (p *params) page() (limit, offset int) {
	return p.intParam("limit", 1, maxLimit), p.intParam("offset", 0, math.MaxInt32)
}

// intParam reads an optional integer in [lo, hi]; 0 when absent.
func (p *params) intParam(name string, lo, hi int) int {
	v := p.one(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		if p.err == nil {
			p.err = badParam(name, "not an integer: %q", v)
		}
		return 0
	}
	if (n < lo || n > hi) && p.err == nil {
		p.err = badParam(name, "must be between %d and %d, got %d", lo, hi, n)
	}
	return n
}
