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
func Decode(lr plog.LogRecord) (f facts.Fact, ok bool) {
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

// getInt accepts ints and doubles: a record that crossed an OTLP/JSON hop may
// carry numbers as either.
func getInt(a pcommon.Map, k string) int64 {
	v, ok := a.Get(k)
	if !ok {
		return 0
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int()
	case pcommon.ValueTypeDouble:
		return int64(v.Double())
	}
	return 0
}

func getDouble(a pcommon.Map, k string) float64 {
	v, ok := a.Get(k)
	if !ok {
		return 0
	}
	switch v.Type() {
	case pcommon.ValueTypeDouble:
		return v.Double()
	case pcommon.ValueTypeInt:
		return float64(v.Int())
	}
	return 0
}

func getBool(a pcommon.Map, k string) bool {
	v, ok := a.Get(k)
	return ok && v.Type() == pcommon.ValueTypeBool && v.Bool()
}

func getTime(a pcommon.Map, k string) time.Time {
	if ms := getInt(a, k); ms != 0 {
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
