package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/correlate"
)

// attrConversationID is the GenAI name of a session id, used on spans.
const attrConversationID = "gen_ai.conversation.id"

// annotate puts the known correlation keys on attrs, never overwriting a
// key already there. The session is looked up in attrs, then in the
// resource attributes; without one, a task id still gives its feature.
//
// withRevision adds the session's latest commit and PR. It is false for
// fact records: on a fact, vcs.ref.head.revision and ccdash.pr.number are
// the fact's own commit and PR (factlog decodes them into the stored fact),
// so they must stay the fact's.
func annotate(ctx context.Context, e *correlate.Engine, attrs, resource pcommon.Map, withRevision bool) {
	sid := lookup(attrs, resource, factlog.AttrSessionID)
	if sid == "" {
		sid = lookup(attrs, resource, attrConversationID)
	}
	var (
		k  correlate.Keys
		ok bool
	)
	if sid != "" {
		k, ok = e.Keys(ctx, sid)
	}
	if !ok {
		task := lookup(attrs, resource, factlog.AttrTaskID)
		if task == "" {
			return
		}
		if k, ok = e.TaskKeys(ctx, task); !ok {
			return
		}
	}
	putMissing(attrs, resource, factlog.AttrProject, k.Project)
	putMissing(attrs, resource, factlog.AttrRootSessionID, k.Root)
	putMissing(attrs, resource, factlog.AttrFeatureID, k.Feature)
	putMissing(attrs, resource, factlog.AttrTaskID, k.Task)
	putMissing(attrs, resource, factlog.AttrPhase, k.Phase)
	if withRevision {
		putMissing(attrs, resource, factlog.AttrCommitSHA, k.Commit)
		if _, ok := attrs.Get(factlog.AttrPRNumber); ok || k.PRNumber == 0 {
			return
		}
		if _, ok := resource.Get(factlog.AttrPRNumber); !ok {
			attrs.PutInt(factlog.AttrPRNumber, k.PRNumber)
		}
	}
}

func lookup(attrs, resource pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok {
		return v.AsString()
	}
	if v, ok := resource.Get(key); ok {
		return v.AsString()
	}
	return ""
}

func putMissing(attrs, resource pcommon.Map, key, value string) {
	if value == "" {
		return
	}
	if _, ok := attrs.Get(key); ok {
		return
	}
	if _, ok := resource.Get(key); ok {
		return
	}
	attrs.PutStr(key, value)
}
