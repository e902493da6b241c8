package rollupprocessor

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
)

// TestStateShards: a save writes the core and the changed day shards only;
// a load puts them back together; a state written before shards existed
// (windows in the core) loads, and its next save moves the windows out.
func TestStateShards(t *testing.T) {
	ctx := context.Background()
	ext := storagetest.NewFileBackedStorageExtension("rollup", t.TempDir())
	client, err := ext.GetClient(ctx, component.KindProcessor, component.MustNewID("rollup"), "")
	require.NoError(t, err)
	defer client.Close(ctx)

	w1 := &window{Metric: "m", Period: PeriodHourly, Start: day.UnixMilli(), End: day.UnixMilli() + 3600e3, Attributes: "{}", Int: 3}
	w2 := &window{Metric: "m", Period: PeriodHourly, Start: day.UnixMilli() + msPerDay, End: day.UnixMilli() + msPerDay + 3600e3,
		Attributes: "{}", Int: 4}
	legacy := newState()
	legacy.Windows = map[string]*window{"a": w1, "b": w2}
	legacy.Watermark = 42
	b, err := json.Marshal(legacy)
	require.NoError(t, err)
	require.NoError(t, client.Set(ctx, stateKey, b))

	st, err := load(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, legacy.Windows, st.Windows)
	assert.EqualValues(t, 42, st.Horizon, "horizon starts at the watermark")
	require.NoError(t, save(ctx, client, st))
	core, err := client.Get(ctx, stateKey)
	require.NoError(t, err)
	assert.NotContains(t, string(core), `"windows"`, "windows live in the shards")
	assert.Equal(t, []int64{dayOf(w1.Start), dayOf(w2.Start)}, st.Shards)

	// Drop one day's window: only its shard changes, and it is deleted.
	delete(st.Windows, "a")
	st.markWindow(w1)
	require.NoError(t, save(ctx, client, st))
	gone, err := client.Get(ctx, shardKey(dayOf(w1.Start)))
	require.NoError(t, err)
	assert.Nil(t, gone)

	again, err := load(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, map[string]*window{"b": w2}, again.Windows)
	assert.Equal(t, []int64{dayOf(w2.Start)}, again.Shards)
}
