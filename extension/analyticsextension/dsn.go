package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"

import "net/url"

// redactDSN hides a password in a PostgreSQL URL before it is logged.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
