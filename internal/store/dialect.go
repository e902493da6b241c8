package store

import (
	"strconv"
	"strings"
)

// dialect names the SQL flavour a Store talks to. Almost all SQL is shared:
// both databases accept the same DDL types used here, INSERT ... ON CONFLICT
// DO UPDATE with excluded.*, CAST and CASE. What differs is the placeholder
// syntax, locking and the driver.
type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

func (d dialect) String() string {
	if d == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns the '?' placeholders the queries are written with into
// PostgreSQL's $n. The SQL in this package never contains a literal '?'.
func (d dialect) rebind(query string) string {
	if d != dialectPostgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + len(query)/4)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// placeholders returns "?, ?, ..., ?" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
