package correlate

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// edge is one link to emit.
type edge struct {
	fromType, fromID, toType, toID string
	conf                           float64
	source                         string
	ambiguity                      float64
	evidence                       string
	// atMs overrides the evidence time (unix ms) when the evidence is a
	// pair of facts; 0 means the time of the fact being observed.
	atMs int64
}

// emitter collects the links found for one evidence fact.
type emitter struct {
	e   *Engine
	src int
	f   *facts.Fact
	out []Link
}

// emit appends the link unless the owner already emitted it with evidence
// at least as good and as early. emitted is the owner's memory (a
// session's or a task's).
func (em *emitter) emit(mem *map[string]emitted, l edge) bool {
	if l.fromID == "" || l.toID == "" {
		return false
	}
	if l.ambiguity <= 0 || l.ambiguity > 1 {
		l.ambiguity = 1
	}
	key := linkKey(l.fromType, l.fromID, l.toType, l.toID)
	at := l.atMs
	if at == 0 {
		at = em.f.Time.UnixMilli()
	}
	cur := emitted{Conf: l.conf, Source: l.source, Amb: l.ambiguity, Evidence: l.evidence, AtMs: at}
	prev, seen := (*mem)[key]
	if seen && !cur.better(prev) && cur.AtMs >= prev.AtMs {
		return false
	}
	next := cur
	if seen {
		if !cur.better(prev) {
			next.Conf, next.Source, next.Amb, next.Evidence = prev.Conf, prev.Source, prev.Amb, prev.Evidence
		}
		next.AtMs = min(prev.AtMs, cur.AtMs)
	}
	if *mem == nil {
		*mem = make(map[string]emitted)
	}
	if seen || len(*mem) < maxEmitted {
		(*mem)[key] = next
	}
	// The record carries everything emitted for the link so far, merged as
	// the store merges it, so the last record of a key — what
	// telemetry_events keeps — does not depend on arrival order either. It
	// carries no project for the same reason: evidence from progress files
	// and from sessions may disagree on it.
	payload, _ := json.Marshal(struct {
		Evidence string `json:"evidence"`
	}{next.Evidence})
	lf := facts.Fact{
		Key:          "link:" + key,
		Event:        facts.EventLink,
		Time:         time.UnixMilli(next.AtMs).UTC(),
		LinkFromType: l.fromType,
		LinkFromID:   l.fromID,
		LinkToType:   l.toType,
		LinkToID:     l.toID,
		Confidence:   next.Conf,
		LinkSource:   next.Source,
		Ambiguity:    next.Amb,
		Payload:      string(payload),
	}
	switch {
	case l.fromType == facts.EntityFeature && l.toType == facts.EntityTask:
		lf.FeatureID, lf.TaskID = l.fromID, l.toID
	case l.fromType == facts.EntityFeature:
		lf.FeatureID = l.fromID
	case l.fromType == facts.EntityTask:
		lf.TaskID = l.fromID
	}
	em.out = append(em.out, Link{Fact: lf, Source: em.src})
	return true
}

// sessionLink emits a link owned by session sid and keeps the session's best
// task/feature up to date.
func (em *emitter) sessionLink(sid string, s *sessionState, l edge) {
	if !em.emit(&s.Emitted, l) {
		return
	}
	em.e.markSession(sid)
	switch {
	case l.fromType == facts.EntityTask && l.toType == facts.EntitySession && l.toID == sid && l.conf > s.TaskConf:
		s.Task, s.TaskConf = l.fromID, l.conf
	case l.fromType == facts.EntityFeature && l.toType == facts.EntitySession && l.toID == sid && l.conf > s.FeatureConf:
		s.Feature, s.FeatureConf = l.fromID, l.conf
	}
}

// featureTask emits feature→task, owned by the task.
func (em *emitter) featureTask(ctx context.Context, feature, taskID string, conf float64, evidence string) {
	t := em.e.task(ctx, taskID, true)
	if conf > t.FeatureConf {
		t.Feature, t.FeatureConf = feature, conf
		em.e.markTask(taskID)
	}
	if em.emit(&t.Emitted, edge{facts.EntityFeature, feature, facts.EntityTask, taskID, conf, facts.LinkExplicit, 1, evidence, 0}) {
		em.e.markTask(taskID)
	}
}

func share(n int) float64 {
	if n <= 1 {
		return 1
	}
	return 1 / float64(n)
}

func (e *Engine) observe(ctx context.Context, i int, f *facts.Fact, out []Link) []Link {
	em := &emitter{e: e, src: i, f: f, out: out}
	sid := f.SessionID
	var s *sessionState
	if sid != "" && f.Event != facts.EventLink {
		s = e.session(ctx, sid, true)
		if f.Project != "" && s.Project != f.Project && s.Project == "" {
			s.Project = f.Project
			e.markSession(sid)
		}
		if f.RootSessionID != "" && s.Root != f.RootSessionID {
			s.Root = f.RootSessionID
			e.markSession(sid)
		}
		if f.GitBranch != "" && f.GitBranch != s.Branch {
			s.Branch, s.BranchTasks = f.GitBranch, e.m.taskIDs(f.GitBranch)
			e.markSession(sid)
		}
		// Every fact on the branch is evidence (emit keeps only what is new:
		// better, or earlier than what was emitted).
		if f.GitBranch != "" {
			for _, id := range s.BranchTasks {
				em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfExplicit, facts.LinkExplicit, share(len(s.BranchTasks)), evBranch, 0})
			}
		}
	}

	switch f.Event {
	case facts.EventTaskStatus:
		e.observeTask(ctx, em, f)
	case facts.EventFeature:
		e.observeFeature(ctx, em, f)
	case facts.EventCommit:
		if s != nil {
			e.observeCommit(em, f, sid, s)
		}
	case facts.EventPullRequest:
		if s != nil {
			e.observePR(em, f, sid, s)
		}
	case facts.EventFileUpdate:
		if s != nil {
			feats := e.m.features(f.FilePath)
			for _, feat := range feats {
				em.sessionLink(sid, s, edge{facts.EntityFeature, feat, facts.EntitySession, sid, ConfExplicit, facts.LinkExplicit, share(len(feats)), evProgressEdit, 0})
			}
		}
	case facts.EventToolUse:
		if s != nil {
			e.observeToolUse(ctx, em, f, sid, s)
		}
	case facts.EventUserPrompt:
		if s != nil {
			e.observePrompt(ctx, em, f, sid, s)
		}
	}
	return em.out
}

func (e *Engine) observeTask(ctx context.Context, em *emitter, f *facts.Fact) {
	id := f.TaskID
	if id == "" {
		return
	}
	feature := f.FeatureID
	if feature == "" {
		if feats := e.m.features(f.FilePath); len(feats) == 1 {
			feature = feats[0]
		}
	}
	t := e.task(ctx, id, true)
	if f.Phase != "" && f.Phase != t.Phase {
		t.Phase = f.Phase
		e.markTask(id)
	}
	if feature != "" {
		em.featureTask(ctx, feature, id, ConfDeclared, evTaskFile)
	}
	for _, sid := range e.declared(f) {
		s := e.session(ctx, sid, true)
		em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfDeclared, facts.LinkExplicit, 1, evFrontMatter, 0})
	}
}

func (e *Engine) observeFeature(ctx context.Context, em *emitter, f *facts.Fact) {
	feature := f.FeatureID
	if feature == "" {
		return
	}
	for _, sid := range e.declared(f) {
		s := e.session(ctx, sid, true)
		em.sessionLink(sid, s, edge{facts.EntityFeature, feature, facts.EntitySession, sid, ConfDeclared, facts.LinkExplicit, 1, evFrontMatter, 0})
	}
}

// declared lists the sessions a task/feature fact names: its front matter's
// session ids (payload) and the fact's own session, if the reader set one.
func (e *Engine) declared(f *facts.Fact) []string {
	ids := declaredSessions(f.Payload)
	if f.SessionID != "" && !contains(ids, f.SessionID) {
		ids = append(ids, f.SessionID)
	}
	return ids
}

func (e *Engine) observeCommit(em *emitter, f *facts.Fact, sid string, s *sessionState) {
	sha := f.CommitSHA
	if sha == "" {
		return
	}
	var p commitPayload
	_ = json.Unmarshal([]byte(f.Payload), &p)
	branch := p.Branch
	if branch == "" {
		branch = s.Branch
	}
	ref := commitRef{SHA: sha, Branch: branch, AtMs: f.Time.UnixMilli()}
	if s.addCommit(ref) {
		e.markSession(sid)
	}
	em.sessionLink(sid, s, edge{facts.EntitySession, sid, facts.EntityCommit, sha, ConfDeclared, facts.LinkExplicit, 1, evMadeIn, 0})
	for _, p := range s.PRs {
		em.commitPR(sid, s, ref, p)
	}

	if ids := e.m.taskIDs(p.Subject); len(ids) > 0 {
		for _, id := range ids {
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntityCommit, sha, ConfCommitSubject, facts.LinkExplicit, share(len(ids)), evCommitSubject, 0})
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfCommitSubject, facts.LinkExplicit, share(len(ids)), evCommitSubject, 0})
		}
		return
	}
	if ids := e.m.taskIDs(branch); len(ids) > 0 {
		for _, id := range ids {
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntityCommit, sha, ConfExplicit, facts.LinkExplicit, share(len(ids)), evBranch, 0})
		}
		return
	}
	if s.Task != "" && s.TaskConf >= ConfExplicit {
		em.sessionLink(sid, s, edge{facts.EntityTask, s.Task, facts.EntityCommit, sha, ConfSessionTask, facts.LinkInferred, 1, evSessionTask, 0})
	}
}

func (e *Engine) observePR(em *emitter, f *facts.Fact, sid string, s *sessionState) {
	pr := prID(f.PRURL, f.PRNumber)
	if pr == "" {
		return
	}
	if f.PRNumber != 0 && s.PRNumber != f.PRNumber {
		s.PRNumber = f.PRNumber
		e.markSession(sid)
	}
	em.sessionLink(sid, s, edge{facts.EntitySession, sid, facts.EntityPullRequest, pr, ConfDeclared, facts.LinkExplicit, 1, evMadeIn, 0})
	branch := f.GitBranch
	if branch == "" {
		branch = s.Branch
	}
	ref := prRef{ID: pr, Branch: branch, AtMs: f.Time.UnixMilli()}
	if s.addPR(ref) {
		e.markSession(sid)
	}
	for _, c := range s.Commits {
		em.commitPR(sid, s, c, ref)
	}
}

// commitPR links a commit and a PR of the same session: explicit when both
// are on the same branch (the PR is opened from it, or the commit pushed to
// it), inferred when either branch is unknown, not at all when they differ.
// Called from both sides, so the order they arrive in does not matter.
// The evidence time is the later of the two: when both were known.
func (em *emitter) commitPR(sid string, s *sessionState, c commitRef, p prRef) {
	at := max(c.AtMs, p.AtMs)
	switch {
	case c.Branch != "" && p.Branch != "" && c.Branch == p.Branch:
		em.sessionLink(sid, s, edge{facts.EntityCommit, c.SHA, facts.EntityPullRequest, p.ID, ConfExplicit, facts.LinkExplicit, 1, evPRBranch, at})
	case c.Branch == "" || p.Branch == "":
		em.sessionLink(sid, s, edge{facts.EntityCommit, c.SHA, facts.EntityPullRequest, p.ID, ConfPrompt, facts.LinkInferred, 1, evPRSession, at})
	}
}

func (e *Engine) observeToolUse(ctx context.Context, em *emitter, f *facts.Fact, sid string, s *sessionState) {
	// Both kinds of evidence below start from a progress path in the input.
	if f.Payload == "" || !e.m.mayNameFeature(f.Payload) {
		return
	}
	var in toolInput
	if json.Unmarshal([]byte(f.Payload), &in) != nil || len(in.Input) == 0 {
		return
	}
	if editTools[f.ToolName] {
		path, _ := in.Input["file_path"].(string)
		if path == "" {
			path, _ = in.Input["notebook_path"].(string)
		}
		feats := e.m.features(path)
		if len(feats) != 1 {
			return
		}
		// Task ids in the edit of a feature's progress file: the file lists
		// the task, and the session is updating it.
		var content []string
		for _, k := range sortedKeys(in.Input) {
			if k != "file_path" && k != "notebook_path" {
				content = allStrings(in.Input[k], content)
			}
		}
		ids := e.m.taskIDs(strings.Join(content, "\n"))
		for _, id := range ids {
			em.featureTask(ctx, feats[0], id, ConfExplicit, evProgressEdit)
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfExplicit, facts.LinkExplicit, share(len(ids)), evProgressEdit, 0})
		}
		return
	}
	feats := e.m.features(strings.Join(allStrings(in.Input, nil), "\n"))
	for _, feat := range feats {
		em.sessionLink(sid, s, edge{facts.EntityFeature, feat, facts.EntitySession, sid, ConfRead, facts.LinkInferred, share(len(feats)), evRead, 0})
	}
}

func (e *Engine) observePrompt(ctx context.Context, em *emitter, f *facts.Fact, sid string, s *sessionState) {
	if f.Payload == "" {
		return
	}
	var p promptPayload
	if json.Unmarshal([]byte(f.Payload), &p) != nil {
		return
	}
	// Only tasks known from progress files count: a bare pattern match in
	// prose ("UTF-8", "SHA-256") is not evidence of anything.
	var known []string
	for _, id := range e.m.taskIDs(p.Text) {
		if e.task(ctx, id, false) != nil {
			known = append(known, id)
		}
	}
	for _, id := range known {
		em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfPrompt, facts.LinkInferred, share(len(known)), evPrompt, 0})
	}
}
