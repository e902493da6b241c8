package traces

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIDsAreStableAndNamespaced(t *testing.T) {
	// Pinned values: changing the derivation re-keys every stored trace.
	assert.Equal(t, "c15892fa515c5435", LLMRequestSpanID("msg_M3").String())
	assert.Equal(t, "fd689b04f90b0939", ToolSpanID("toolu_taskA").String())
	assert.Len(t, TraceIDFor("s").String(), 32)

	ids := map[SpanID]string{}
	for name, id := range map[string]SpanID{
		"interaction": InteractionSpanID("x"),
		"llm":         LLMRequestSpanID("x"),
		"apierr":      APIErrorSpanID("x"),
		"tool":        ToolSpanID("x"),
		"agent":       AgentSpanID("x"),
		"compaction":  CompactionSpanID("x"),
	} {
		assert.False(t, id.IsEmpty(), name)
		prev, dup := ids[id]
		assert.False(t, dup, "%s and %s share an id", name, prev)
		ids[id] = name
	}
	assert.Equal(t, TraceIDFor("s"), TraceIDFor("s"))
	assert.NotEqual(t, TraceIDFor("s"), TraceIDFor("t"))
}

func TestIDSetEvictsOldest(t *testing.T) {
	s := newIDSet(2)
	a, b, c := ToolSpanID("a"), ToolSpanID("b"), ToolSpanID("c")
	s.add(a)
	s.add(b)
	s.add(b)
	assert.True(t, s.has(a))
	s.add(c)
	assert.False(t, s.has(a))
	assert.True(t, s.has(b))
	assert.True(t, s.has(c))
}
