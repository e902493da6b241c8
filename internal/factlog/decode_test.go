package factlog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// decodeByGet is the field-by-field Decode this package had before the
// one-pass one: the reference the one-pass Decode must agree with.
func decodeByGet(lr plog.LogRecord) (f facts.Fact, ok bool) {
	a := lr.Attributes()
	f.Key = getStr(a, AttrFactKey)
	if f.Key == "" {
		return f, false
	}
	f.Event = lr.EventName()
	if f.Event == "" {
		f.Event = getStr(a, AttrEventName)
	}
	f.Time = lr.Timestamp().AsTime().UTC()
	if lr.Body().Type() == pcommon.ValueTypeStr {
		f.Payload = lr.Body().Str()
	}
	f.SessionID = getStr(a, AttrSessionID)
	f.ParentSessionID = getStr(a, AttrParentSessionID)
	f.RootSessionID = getStr(a, AttrRootSessionID)
	f.SessionType = getStr(a, AttrSessionType)
	f.AgentID = getStr(a, AttrAgentID)
	f.AgentType = getStr(a, AttrAgentType)
	f.Project = getStr(a, AttrProject)
	f.Cwd = getStr(a, AttrCwd)
	f.GitBranch = getStr(a, AttrGitBranch)
	f.Version = getStr(a, AttrVersion)
	f.SourceFile = getStr(a, AttrSourceFile)

	f.Model = getStr(a, AttrModel)
	f.MessageID = getStr(a, AttrMessageID)
	f.RequestID = getStr(a, AttrRequestID)
	f.IsSidechain = getBool(a, AttrIsSidechain)
	f.Speed = getStr(a, AttrSpeed)
	f.Usage.Input = getInt(a, AttrInputTokens)
	f.Usage.Output = getInt(a, AttrOutputTokens)
	f.Usage.CacheRead = getInt(a, AttrCacheRead)
	f.Usage.CacheCreate1h = getInt(a, AttrCacheCreate1h)
	f.Usage.CacheCreate5m = getInt(a, AttrCacheCreation) - f.Usage.CacheCreate1h
	f.CostNanos = getInt(a, AttrCostNanos)

	f.ToolName = getStr(a, AttrToolName)
	f.ToolUseID = getStr(a, AttrToolUseID)
	f.IsError = getBool(a, AttrIsError)
	if v, ok := a.Get(AttrExitCode); ok {
		code := v.Int()
		f.ExitCode = &code
	}
	f.FailureClass = getStr(a, AttrFailureClass)
	f.DurationMs = getInt(a, AttrDurationMs)
	f.InputHash = getStr(a, AttrInputHash)
	f.CommandClass = getStr(a, AttrCommandClass)

	f.CommitSHA = getStr(a, AttrCommitSHA)
	f.PRNumber = getInt(a, AttrPRNumber)
	f.PRURL = getStr(a, AttrPRURL)
	f.FilePath = getStr(a, AttrFilePath)
	f.Additions = getInt(a, AttrAdditions)
	f.Deletions = getInt(a, AttrDeletions)
	f.SkillName = getStr(a, AttrSkillName)
	f.FirstTime = getTime(a, AttrFirstTime)
	f.LastTime = getTime(a, AttrLastTime)
	f.Status = getStr(a, AttrStatus)

	f.FeatureID = getStr(a, AttrFeatureID)
	f.TaskID = getStr(a, AttrTaskID)
	f.Phase = getStr(a, AttrPhase)
	f.Title = getStr(a, AttrTitle)
	f.LinkFromType = getStr(a, AttrLinkFromType)
	f.LinkFromID = getStr(a, AttrLinkFromID)
	f.LinkToType = getStr(a, AttrLinkToType)
	f.LinkToID = getStr(a, AttrLinkToID)
	f.Confidence = getDouble(a, AttrConfidence)
	f.Ambiguity = getDouble(a, AttrAmbiguity)
	f.LinkSource = getStr(a, AttrLinkSource)

	if rep := getStr(a, AttrIngestReporter); rep != "" {
		f.IngestInfo = &facts.IngestProgress{
			Reporter:         rep,
			BackfillComplete: getBool(a, AttrIngestComplete),
			FilesTotal:       getInt(a, AttrIngestFilesTotal),
			FilesCaughtUp:    getInt(a, AttrIngestFilesDone),
			LinesRead:        getInt(a, AttrIngestLines),
			BadLines:         getInt(a, AttrIngestBadLines),
			BytesRead:        getInt(a, AttrIngestBytes),
			LagSeconds:       getDouble(a, AttrIngestLag),
		}
	}
	return f, true
}

func getInt(a pcommon.Map, k string) int64 {
	if v, ok := a.Get(k); ok {
		return intOf(v)
	}
	return 0
}

func getDouble(a pcommon.Map, k string) float64 {
	if v, ok := a.Get(k); ok {
		return doubleOf(v)
	}
	return 0
}

func getBool(a pcommon.Map, k string) bool {
	v, ok := a.Get(k)
	return ok && boolOf(v)
}

func getTime(a pcommon.Map, k string) time.Time {
	if v, ok := a.Get(k); ok {
		return timeOf(v)
	}
	return time.Time{}
}

// TestDecodeAgreesWithFieldByFieldDecode covers what a record that crossed
// other collectors may look like: numbers as doubles or strings, booleans
// as strings, the event name only as an attribute, foreign records.
func TestDecodeAgreesWithFieldByFieldDecode(t *testing.T) {
	code := int64(2)
	ts := time.Date(2026, 10, 1, 12, 30, 0, 0, time.UTC)
	base := []facts.Fact{
		{Key: "req:1", Event: facts.EventAPIRequest, Time: ts, SessionID: "s", Model: "m",
			Usage: facts.Usage{Input: 1, Output: 2, CacheCreate5m: 3, CacheCreate1h: 4, CacheRead: 5}, CostNanos: 6, IsSidechain: true},
		{Key: "toolres:t", Event: facts.EventToolResult, Time: ts, ToolUseID: "t", IsError: true, ExitCode: &code, DurationMs: 7},
		{Key: "session:s", Event: facts.EventSession, Time: ts, FirstTime: ts, LastTime: ts.Add(time.Minute)},
		{Key: "link:x", Event: facts.EventLink, Time: ts, Confidence: 0.9, Ambiguity: 0.5, LinkFromID: "a", LinkToID: "b"},
		{Key: "ingest:h", Event: facts.EventIngestProgress, Time: ts, IngestInfo: &facts.IngestProgress{
			Reporter: "h", BackfillComplete: true, FilesTotal: 1, LinesRead: 2, LagSeconds: 0.5}},
	}
	mutations := map[string]func(lr plog.LogRecord){
		"as encoded": func(plog.LogRecord) {},
		"numbers as doubles": func(lr plog.LogRecord) {
			lr.Attributes().Range(func(_ string, v pcommon.Value) bool {
				if v.Type() == pcommon.ValueTypeInt {
					v.SetDouble(float64(v.Int()))
				}
				return true
			})
		},
		"everything as strings": func(lr plog.LogRecord) {
			lr.Attributes().Range(func(_ string, v pcommon.Value) bool {
				v.SetStr(v.AsString())
				return true
			})
		},
		"event name as attribute only": func(lr plog.LogRecord) { lr.SetEventName("") },
		"foreign record":               func(lr plog.LogRecord) { lr.Attributes().Remove(AttrFactKey) },
	}
	for name, mutate := range mutations {
		for _, f := range base {
			t.Run(name+"/"+f.Key, func(t *testing.T) {
				lr := plog.NewLogRecord()
				Encode(&f, lr)
				mutate(lr)
				want, wantOK := decodeByGet(lr)
				got, gotOK := Decode(lr)
				assert.Equal(t, wantOK, gotOK)
				if wantOK {
					assert.Equal(t, want, got)
				}
			})
		}
	}
}
