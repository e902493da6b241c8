package correlate

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mayNameFeature must never rule out a payload in which features finds
// something: compare it with decoding and matching for payloads that do
// and do not name a feature, including escaped and Windows paths.
func TestMayNameFeatureNeverRulesOutAMatch(t *testing.T) {
	m, err := newMatcher(nil, ".claude/progress")
	require.NoError(t, err)
	tests := []struct {
		name    string
		raw     string
		match   bool // features finds a feature in the decoded strings
		ruleOut bool // mayNameFeature may say no
	}{
		{"plain path", `{"input":{"file_path":"/w/.claude/progress/auth/tasks.md"}}`, true, false},
		{"escaped slashes", `{"input":{"file_path":"\/w\/.claude\/progress\/auth\/tasks.md"}}`, true, false},
		{"windows path", `{"input":{"file_path":"C:\\w\\.claude\\progress\\auth\\tasks.md"}}`, true, false},
		{"unicode escape", `{"input":{"file_path":"/w/.claude/pr\u006fgress/auth/tasks.md"}}`, true, false},
		{"other path", `{"input":{"file_path":"/w/src/main.go"}}`, false, true},
		{"one segment only", `{"input":{"command":"ls progress/"}}`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in toolInput
			require.NoError(t, json.Unmarshal([]byte(tt.raw), &in))
			text := ""
			for _, s := range allStrings(in.Input, nil) {
				text += s + "\n"
			}
			assert.Equal(t, tt.match, len(m.features(text)) > 0, "features")
			may := m.mayNameFeature(tt.raw)
			if tt.match {
				assert.True(t, may, "a payload naming a feature must not be ruled out")
			}
			assert.Equal(t, !tt.ruleOut, may)
		})
	}
}

func TestMayNameFeatureWithoutSafeNeedles(t *testing.T) {
	m, err := newMatcher(nil, `odd"dir`)
	require.NoError(t, err)
	assert.Empty(t, m.needles)
	assert.True(t, m.mayNameFeature(`{"input":{}}`))
}
