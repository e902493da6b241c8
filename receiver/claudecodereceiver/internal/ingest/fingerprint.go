package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"strconv"
)

// fingerprintSize is how many leading bytes identify a file. Transcripts are
// append-only, so the first bytes never change unless the file is replaced.
const fingerprintSize = 1024

// fingerprint hashes up to n leading bytes of f (n ≤ fingerprintSize). A
// checkpoint stores the fingerprint of the bytes it had read, so comparing
// the same prefix length tells whether the file is still the same one.
func fingerprint(f *os.File, n int64) (string, error) {
	if n > fingerprintSize {
		n = fingerprintSize
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
		return "", err
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8]) + ":" + strconv.FormatInt(n, 10), nil
}
