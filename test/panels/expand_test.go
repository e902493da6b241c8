package panels

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// grafanaEnv is what Grafana would substitute when a dashboard is opened:
// the time range, intervals and variable values ("All" for every variable).
type grafanaEnv struct {
	From, To     time.Time
	Range        string // $__range, e.g. 1h
	Interval     string // $__interval, e.g. 1d
	RateInterval string // $__rate_interval
	Vars         map[string]string
}

// leftover finds variables or macros an expansion missed.
var leftover = regexp.MustCompile(`\$(\{[^}]*\}|__\w+|[a-zA-Z_]\w*)`)

// expand replaces Grafana variables and the SQL macros the dashboards use
// (Grafana's PostgreSQL macro semantics for unix-epoch columns) and fails on
// anything left over, so a dashboard cannot use a macro this test cannot run.
func expand(text string, env grafanaEnv) (string, error) {
	repl := []string{
		"$__rate_interval", env.RateInterval,
		"$__interval", env.Interval,
		"$__range", env.Range,
	}
	for name, v := range env.Vars {
		repl = append(repl, "${"+name+":regex}", v, "${"+name+"}", v, "$"+name, v)
	}
	out := strings.NewReplacer(repl...).Replace(text)
	from, to := env.From.Unix(), env.To.Unix()
	macros := map[string]func(args []string) (string, error){
		"$__unixEpochFilter": func(a []string) (string, error) {
			if len(a) != 1 {
				return "", fmt.Errorf("$__unixEpochFilter takes 1 argument, got %d", len(a))
			}
			return fmt.Sprintf("%s >= %d AND %s <= %d", a[0], from, a[0], to), nil
		},
		"$__unixEpochFrom": func(a []string) (string, error) { return fmt.Sprint(from), nil },
		"$__unixEpochTo":   func(a []string) (string, error) { return fmt.Sprint(to), nil },
		"$__unixEpochGroupAlias": func(a []string) (string, error) {
			if len(a) != 2 {
				return "", fmt.Errorf("$__unixEpochGroupAlias takes 2 arguments, got %d", len(a))
			}
			d, err := parseGrafanaDuration(strings.Trim(a[1], "' "))
			if err != nil {
				return "", err
			}
			s := int64(d / time.Second)
			return fmt.Sprintf(`floor((%s)/%d)*%d AS "time"`, a[0], s, s), nil
		},
	}
	for name, fn := range macros {
		for {
			i := strings.Index(out, name+"(")
			if i < 0 {
				break
			}
			args, end, err := macroArgs(out, i+len(name))
			if err != nil {
				return "", fmt.Errorf("%s: %w", name, err)
			}
			s, err := fn(args)
			if err != nil {
				return "", err
			}
			out = out[:i] + s + out[end:]
		}
	}
	if m := leftover.FindString(out); m != "" {
		return "", fmt.Errorf("unexpanded %s", m)
	}
	return out, nil
}

// macroArgs splits the parenthesised, comma-separated arguments starting
// at s[open] == '(' (nested parentheses allowed) and returns the index after
// the closing parenthesis.
func macroArgs(s string, open int) ([]string, int, error) {
	depth, start := 0, open+1
	var args []string
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				if a := strings.TrimSpace(s[start:i]); a != "" || len(args) > 0 {
					args = append(args, a)
				}
				return args, i + 1, nil
			}
		case ',':
			if depth == 1 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return nil, 0, fmt.Errorf("unbalanced parentheses")
}

// parseGrafanaDuration accepts Go durations plus Grafana's d and w units.
func parseGrafanaDuration(s string) (time.Duration, error) {
	for unit, d := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			var k int64
			if _, err := fmt.Sscan(n, &k); err != nil {
				return 0, fmt.Errorf("interval %q: %w", s, err)
			}
			return time.Duration(k) * d, nil
		}
	}
	return time.ParseDuration(s)
}

func TestExpand(t *testing.T) {
	env := grafanaEnv{
		From: time.Unix(1000, 0), To: time.Unix(2000, 0),
		Range: "1h", Interval: "1d", RateInterval: "4s",
		Vars: map[string]string{"model": ".*"},
	}
	tests := []struct {
		in, want, err string
	}{
		{in: `sum(rate(x{model=~"$model"}[$__rate_interval]))`, want: `sum(rate(x{model=~".*"}[4s]))`},
		{in: `increase(x[$__range])`, want: `increase(x[1h])`},
		{in: `WHERE $__unixEpochFilter(bucket) AND model ~ '^(${model:regex})$'`,
			want: `WHERE bucket >= 1000 AND bucket <= 2000 AND model ~ '^(.*)$'`},
		{in: `at >= $__unixEpochFrom() * 1000 AND at < ($__unixEpochTo() + 1) * 1000`,
			want: `at >= 1000 * 1000 AND at < (2000 + 1) * 1000`},
		{in: `SELECT $__unixEpochGroupAlias(started_ms / 1000, $__interval), x`,
			want: `SELECT floor((started_ms / 1000)/86400)*86400 AS "time", x`},
		{in: `SELECT $__unixEpochGroupAlias(f(a, b), '5m')`, want: `SELECT floor((f(a, b))/300)*300 AS "time"`},
		{in: `SELECT $__timeFilter(t)`, err: "unexpanded $__timeFilter"},
		{in: `x{a="$unknown"}`, err: "unexpanded $unknown"},
		{in: `SELECT $__unixEpochFilter(a, b)`, err: "takes 1 argument"},
	}
	for _, tt := range tests {
		got, err := expand(tt.in, env)
		if tt.err != "" {
			require.Error(t, err, tt.in)
			assert.Contains(t, err.Error(), tt.err)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got)
	}
}
