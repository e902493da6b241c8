package rollupprocessor

import (
	"context"
	"encoding/json"
	"testing"
	"unsafe"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

func newTestClient(t *testing.T) storage.Client {
	t.Helper()
	ctx := context.Background()
	ext := storagetest.NewFileBackedStorageExtension("rollup", t.TempDir())
	client, err := ext.GetClient(ctx, component.KindProcessor, component.MustNewID("rollup"), "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close(ctx) })
	return client
}

// testWindows are two windows a day apart, keyed as the processor keys them.
func testWindows() (w1, w2 *window) {
	const msPerDay = 24 * msPerHour
	w1 = &window{Metric: "m", Period: PeriodHourly, Start: day.UnixMilli(), End: day.UnixMilli() + 3600e3, Attributes: "{}", Int: 3}
	w2 = &window{Metric: "m", Period: PeriodHourly, Start: day.UnixMilli() + msPerDay, End: day.UnixMilli() + msPerDay + 3600e3,
		Attributes: "{}", Int: 4}
	for _, w := range []*window{w1, w2} {
		w.key = windowKey(w.Metric, w.Period, w.Start, w.Resource, w.Attributes)
	}
	return w1, w2
}

// TestStateShards: a save writes the core and the changed hour shards only;
// a load puts them back together; a state written before shards existed
// (windows in the core) loads, and its next save moves the windows out.
func TestStateShards(t *testing.T) {
	ctx := context.Background()
	client := newTestClient(t)
	w1, w2 := testWindows()
	legacy := newState()
	legacy.Version = 1
	legacy.Windows = map[string]*window{w1.key: w1, w2.key: w2}
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
	assert.Equal(t, []int64{hourOf(w1.Start), hourOf(w2.Start)}, st.HourShards)

	// Drop one hour's window: only its shard changes, and it is deleted.
	st.dropWindow(w1.key, w1)
	assert.Equal(t, map[int64]bool{hourOf(w1.Start): true}, st.dirty)
	require.NoError(t, save(ctx, client, st))
	gone, err := client.Get(ctx, hourKey(hourOf(w1.Start)))
	require.NoError(t, err)
	assert.Nil(t, gone)

	again, err := load(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, map[string]*window{w2.key: w2}, again.Windows)
	assert.Equal(t, []int64{hourOf(w2.Start)}, again.HourShards)
	assert.Empty(t, again.dirty, "a loaded state has nothing to write")
}

// TestStateDayShardsMigrate: a version-1 state (windows and facts in day
// shards) loads whole; the next save writes hour shards and deletes the day
// shards.
func TestStateDayShardsMigrate(t *testing.T) {
	ctx := context.Background()
	client := newTestClient(t)
	w1, w2 := testWindows()
	e := &factEntry{Kind: factCount, At: w2.Start + 5, Until: w2.End, Metric: metaCommits.name}
	const msPerDay = 24 * msPerHour
	d1, d2 := w1.Start/msPerDay, w2.Start/msPerDay
	for _, sh := range []struct {
		day int64
		sd  shardData
	}{
		{d1, shardData{Windows: map[string]*window{w1.key: w1}}},
		{d2, shardData{Windows: map[string]*window{w2.key: w2}, Facts: map[string]*factEntry{"c": e}}},
	} {
		b, err := json.Marshal(&sh.sd)
		require.NoError(t, err)
		require.NoError(t, client.Set(ctx, shardKey(sh.day), b))
	}
	core := map[string]any{"version": 1, "watermark": 7, "shards": []int64{d1, d2}}
	b, err := json.Marshal(core)
	require.NoError(t, err)
	require.NoError(t, client.Set(ctx, stateKey, b))

	st, err := load(ctx, client)
	require.NoError(t, err)
	assert.Len(t, st.Windows, 2)
	assert.Equal(t, e, st.Facts["c"])
	require.NoError(t, save(ctx, client, st))
	for _, d := range []int64{d1, d2} {
		v, err := client.Get(ctx, shardKey(d))
		require.NoError(t, err)
		assert.Nil(t, v, "day shard %d deleted", d)
	}

	again, err := load(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, stateVersion, again.Version)
	assert.Equal(t, map[string]*window{w1.key: w1, w2.key: w2}, again.Windows)
	assert.Equal(t, map[string]*factEntry{"c": e}, again.Facts)
	assert.Equal(t, []int64{hourOf(w1.Start), hourOf(w2.Start)}, again.HourShards)
}

// TestFactEntrySize: a backfill holds one entry per API response and tool
// call of the whole history; keep it in the 128-byte size class.
func TestFactEntrySize(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(factEntry{}), uintptr(128))
}
