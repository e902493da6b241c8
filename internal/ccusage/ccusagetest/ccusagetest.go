// Package ccusagetest gives tests a ccusage binary, or skips them when one
// cannot be had on this machine.
package ccusagetest

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/ccusage"
)

// EnvRequire, when set to 1, turns "cannot install ccusage" into a test
// failure instead of a skip (for CI, where npm is known to work).
const EnvRequire = "CCDASH_REQUIRE_CCUSAGE"

// Binary returns the ccusage executable, installing it on first use (about
// 2 s with a reachable npm registry). It skips the test when npm is missing
// or the install fails, unless $CCDASH_REQUIRE_CCUSAGE=1.
func Binary(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin, err := ccusage.Ensure(ctx, "")
	if err == nil {
		return bin
	}
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatalf("ccusage required ($%s=1) but unavailable: %v", EnvRequire, err)
	}
	if errors.Is(err, ccusage.ErrNPMUnavailable) {
		tb.Skipf("skipping: ccusage is not installed and npm is not in PATH (%v)", err)
	}
	tb.Skipf("skipping: could not install ccusage@%s with npm: %v", ccusage.Version, err)
	return ""
}
