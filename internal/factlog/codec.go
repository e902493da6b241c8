// Package factlog converts facts to OTLP log records and back. Facts travel
// between collectors (agent → gateway) only inside log records, so the
// encoding must be lossless for every field the store uses: Decode(Encode(f))
// == f is tested for every field.
package factlog

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Encode appends f to lr. The record's timestamp is the event time and its
// body the fact's JSON payload.
func Encode(f *facts.Fact, lr plog.LogRecord) {
	lr.SetTimestamp(pcommon.NewTimestampFromTime(f.Time))
	lr.SetEventName(f.Event)
	if f.Payload != "" {
		lr.Body().SetStr(f.Payload)
	}
	a := lr.Attributes()
	a.EnsureCapacity(16)
	a.PutStr(AttrEventName, f.Event)
	a.PutStr(AttrFactKey, f.Key)
	putStr(a, AttrSessionID, f.SessionID)
	putStr(a, AttrParentSessionID, f.ParentSessionID)
	putStr(a, AttrRootSessionID, f.RootSessionID)
	putStr(a, AttrSessionType, f.SessionType)
	putStr(a, AttrAgentID, f.AgentID)
	putStr(a, AttrAgentType, f.AgentType)
	putStr(a, AttrProject, f.Project)
	putStr(a, AttrCwd, f.Cwd)
	putStr(a, AttrGitBranch, f.GitBranch)
	putStr(a, AttrVersion, f.Version)
	putStr(a, AttrSourceFile, f.SourceFile)

	if f.Model != "" {
		a.PutStr(AttrModel, f.Model)
		a.PutStr(AttrGenAIModel, f.Model)
	}
	putStr(a, AttrMessageID, f.MessageID)
	putStr(a, AttrRequestID, f.RequestID)
	if f.IsSidechain {
		a.PutBool(AttrIsSidechain, true)
	}
	putStr(a, AttrSpeed, f.Speed)
	if f.Event == facts.EventAPIRequest {
		a.PutInt(AttrInputTokens, f.Usage.Input)
		a.PutInt(AttrOutputTokens, f.Usage.Output)
		a.PutInt(AttrCacheRead, f.Usage.CacheRead)
		a.PutInt(AttrCacheCreation, f.Usage.CacheCreation())
		a.PutInt(AttrCacheCreate1h, f.Usage.CacheCreate1h)
		a.PutInt(AttrCostNanos, f.CostNanos)
		a.PutDouble(AttrCostUSD, float64(f.CostNanos)/1e9)
	}

	putStr(a, AttrToolName, f.ToolName)
	putStr(a, AttrToolUseID, f.ToolUseID)
	if f.IsError {
		a.PutBool(AttrIsError, true)
	}
	if f.ExitCode != nil {
		a.PutInt(AttrExitCode, *f.ExitCode)
	}
	putStr(a, AttrFailureClass, f.FailureClass)
	putInt(a, AttrDurationMs, f.DurationMs)
	putStr(a, AttrInputHash, f.InputHash)
	putStr(a, AttrCommandClass, f.CommandClass)

	putStr(a, AttrCommitSHA, f.CommitSHA)
	putInt(a, AttrPRNumber, f.PRNumber)
	putStr(a, AttrPRURL, f.PRURL)
	putStr(a, AttrFilePath, f.FilePath)
	putInt(a, AttrAdditions, f.Additions)
	putInt(a, AttrDeletions, f.Deletions)
	putStr(a, AttrSkillName, f.SkillName)
	putTime(a, AttrFirstTime, f.FirstTime)
	putTime(a, AttrLastTime, f.LastTime)
	putStr(a, AttrStatus, f.Status)

	putStr(a, AttrFeatureID, f.FeatureID)
	putStr(a, AttrTaskID, f.TaskID)
	putStr(a, AttrPhase, f.Phase)
	putStr(a, AttrTitle, f.Title)
	putStr(a, AttrLinkFromType, f.LinkFromType)
	putStr(a, AttrLinkFromID, f.LinkFromID)
	putStr(a, AttrLinkToType, f.LinkToType)
	putStr(a, AttrLinkToID, f.LinkToID)
	if f.Event == facts.EventLink {
		a.PutDouble(AttrConfidence, f.Confidence)
		a.PutDouble(AttrAmbiguity, f.Ambiguity)
	}
	putStr(a, AttrLinkSource, f.LinkSource)

	if p := f.IngestInfo; p != nil {
		a.PutStr(AttrIngestReporter, p.Reporter)
		a.PutBool(AttrIngestComplete, p.BackfillComplete)
		a.PutInt(AttrIngestFilesTotal, p.FilesTotal)
		a.PutInt(AttrIngestFilesDone, p.FilesCaughtUp)
		a.PutInt(AttrIngestLines, p.LinesRead)
		a.PutInt(AttrIngestBadLines, p.BadLines)
		a.PutInt(AttrIngestBytes, p.BytesRead)
		a.PutDouble(AttrIngestLag, p.LagSeconds)
	}
}

// Decode reads a fact from lr. ok is false for records that are not facts
// (no fact key), e.g. native Claude Code events from the otlp receiver.
//
// It reads the attributes in one pass: a record carries a few dozen of
// them, and looking each field up by key (a linear scan per field) made
// decoding a hot spot of the pipeline, which decodes every record twice
// (correlation processor and exporter). OTLP attribute keys are unique; were
// one repeated, its last value would win here.
func Decode(lr plog.LogRecord) (f facts.Fact, ok bool) {
	var (
		eventAttr     string
		cacheCreation int64
		ingest        facts.IngestProgress
	)
	lr.Attributes().Range(func(k string, v pcommon.Value) bool {
		switch k {
		case AttrFactKey:
			f.Key = v.AsString()
		case AttrEventName:
			eventAttr = v.AsString()
		case AttrSessionID:
			f.SessionID = v.AsString()
		case AttrParentSessionID:
			f.ParentSessionID = v.AsString()
		case AttrRootSessionID:
			f.RootSessionID = v.AsString()
		case AttrSessionType:
			f.SessionType = v.AsString()
		case AttrAgentID:
			f.AgentID = v.AsString()
		case AttrAgentType:
			f.AgentType = v.AsString()
		case AttrProject:
			f.Project = v.AsString()
		case AttrCwd:
			f.Cwd = v.AsString()
		case AttrGitBranch:
			f.GitBranch = v.AsString()
		case AttrVersion:
			f.Version = v.AsString()
		case AttrSourceFile:
			f.SourceFile = v.AsString()
		case AttrModel:
			f.Model = v.AsString()
		case AttrMessageID:
			f.MessageID = v.AsString()
		case AttrRequestID:
			f.RequestID = v.AsString()
		case AttrIsSidechain:
			f.IsSidechain = boolOf(v)
		case AttrSpeed:
			f.Speed = v.AsString()
		case AttrInputTokens:
			f.Usage.Input = intOf(v)
		case AttrOutputTokens:
			f.Usage.Output = intOf(v)
		case AttrCacheRead:
			f.Usage.CacheRead = intOf(v)
		case AttrCacheCreate1h:
			f.Usage.CacheCreate1h = intOf(v)
		case AttrCacheCreation:
			cacheCreation = intOf(v)
		case AttrCostNanos:
			f.CostNanos = intOf(v)
		case AttrToolName:
			f.ToolName = v.AsString()
		case AttrToolUseID:
			f.ToolUseID = v.AsString()
		case AttrIsError:
			f.IsError = boolOf(v)
		case AttrExitCode:
			code := v.Int()
			f.ExitCode = &code
		case AttrFailureClass:
			f.FailureClass = v.AsString()
		case AttrDurationMs:
			f.DurationMs = intOf(v)
		case AttrInputHash:
			f.InputHash = v.AsString()
		case AttrCommandClass:
			f.CommandClass = v.AsString()
		case AttrCommitSHA:
			f.CommitSHA = v.AsString()
		case AttrPRNumber:
			f.PRNumber = intOf(v)
		case AttrPRURL:
			f.PRURL = v.AsString()
		case AttrFilePath:
			f.FilePath = v.AsString()
		case AttrAdditions:
			f.Additions = intOf(v)
		case AttrDeletions:
			f.Deletions = intOf(v)
		case AttrSkillName:
			f.SkillName = v.AsString()
		case AttrFirstTime:
			f.FirstTime = timeOf(v)
		case AttrLastTime:
			f.LastTime = timeOf(v)
		case AttrStatus:
			f.Status = v.AsString()
		case AttrFeatureID:
			f.FeatureID = v.AsString()
		case AttrTaskID:
			f.TaskID = v.AsString()
		case AttrPhase:
			f.Phase = v.AsString()
		case AttrTitle:
			f.Title = v.AsString()
		case AttrLinkFromType:
			f.LinkFromType = v.AsString()
		case AttrLinkFromID:
			f.LinkFromID = v.AsString()
		case AttrLinkToType:
			f.LinkToType = v.AsString()
		case AttrLinkToID:
			f.LinkToID = v.AsString()
		case AttrConfidence:
			f.Confidence = doubleOf(v)
		case AttrAmbiguity:
			f.Ambiguity = doubleOf(v)
		case AttrLinkSource:
			f.LinkSource = v.AsString()
		case AttrIngestReporter:
			ingest.Reporter = v.AsString()
		case AttrIngestComplete:
			ingest.BackfillComplete = boolOf(v)
		case AttrIngestFilesTotal:
			ingest.FilesTotal = intOf(v)
		case AttrIngestFilesDone:
			ingest.FilesCaughtUp = intOf(v)
		case AttrIngestLines:
			ingest.LinesRead = intOf(v)
		case AttrIngestBadLines:
			ingest.BadLines = intOf(v)
		case AttrIngestBytes:
			ingest.BytesRead = intOf(v)
		case AttrIngestLag:
			ingest.LagSeconds = doubleOf(v)
		}
		return true
	})
	if f.Key == "" {
		return facts.Fact{}, false
	}
	f.Event = lr.EventName()
	if f.Event == "" {
		f.Event = eventAttr
	}
	f.Time = lr.Timestamp().AsTime().UTC()
	if lr.Body().Type() == pcommon.ValueTypeStr {
		f.Payload = lr.Body().Str()
	}
	f.Usage.CacheCreate5m = cacheCreation - f.Usage.CacheCreate1h
	if ingest.Reporter != "" {
		f.IngestInfo = &ingest
	}
	return f, true
}

func putStr(a pcommon.Map, k, v string) {
	if v != "" {
		a.PutStr(k, v)
	}
}

func putInt(a pcommon.Map, k string, v int64) {
	if v != 0 {
		a.PutInt(k, v)
	}
}

func putTime(a pcommon.Map, k string, t time.Time) {
	if !t.IsZero() {
		a.PutInt(k, t.UnixMilli())
	}
}

func getStr(a pcommon.Map, k string) string {
	if v, ok := a.Get(k); ok {
		return v.AsString()
	}
	return ""
}

// intOf accepts ints and doubles: a record that crossed an OTLP/JSON hop may
// carry numbers as either.
func intOf(v pcommon.Value) int64 {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return int64(v.Double())
	}
	return 0
}

func doubleOf(v pcommon.Value) float64 {
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double()
	case pcommon.ValueTypeInt:
		return float64(v.Int())
	}
	return 0
}

func boolOf(v pcommon.Value) bool {
	return v.Type() == pcommon.ValueTypeBool && v.Bool()
}

func timeOf(v pcommon.Value) time.Time {
	if ms := intOf(v); ms != 0 {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}

// DecodeAll returns the facts carried by ld, in order, with Host taken from
// the resource's host.name, and how many log records carried none (foreign records, e.g. native Claude Code events).
func DecodeAll(ld plog.Logs) (out []facts.Fact, skipped int) {
	out = make([]facts.Fact, 0, ld.LogRecordCount())
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		host := getStr(rls.At(i).Resource().Attributes(), AttrHostName)
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if f, ok := Decode(lrs.At(k)); ok {
					f.Host = host
					out = append(out, f)
				} else {
					skipped++
				}
			}
		}
	}
	return out, skipped
}
