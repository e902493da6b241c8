package synth

import (
	"math/rand/v2"
	"time"
)

const (
	hexDigits    = "0123456789abcdef"
	base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// newUUID returns a random (version 4) UUID drawn from r, so that ids are
// reproducible for a seed.
func newUUID(r *rand.Rand) string {
	var b [36]byte
	hi, lo := r.Uint64(), r.Uint64()
	j := 0
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b[j] = '-'
			j++
		}
		var nib uint64
		if i < 16 {
			nib = hi >> (60 - 4*uint(i)) & 0xf
		} else {
			nib = lo >> (60 - 4*uint(i-16)) & 0xf
		}
		switch i {
		case 12:
			nib = 4 // version
		case 16:
			nib = 8 | nib&3 // variant
		}
		b[j] = hexDigits[nib]
		j++
	}
	return string(b[:])
}

func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// Anthropic id shapes as seen in transcripts.
func messageID(r *rand.Rand) string { return "msg_01" + randString(r, base62Digits, 22) }
func requestID(r *rand.Rand) string { return "req_011C" + randString(r, base62Digits, 20) }
func toolUseID(r *rand.Rand) string { return "toolu_01" + randString(r, base62Digits, 22) }
func agentID(r *rand.Rand) string   { return "a" + randString(r, hexDigits, 6) }
func shortSHA(r *rand.Rand) string  { return randString(r, hexDigits, 7) }
func signature(r *rand.Rand, n int) string {
	return "Eq" + randString(r, base62Digits+"+/", n)
}

// timestamp formats t like Claude Code: UTC, millisecond precision, Z.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
