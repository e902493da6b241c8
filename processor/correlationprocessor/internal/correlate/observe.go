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
func (em *emitter) emit(mem *map[string]emitted, project string, l edge) bool {
	if l.fromID == "" || l.toID == "" {
		return false
	}
	if l.ambiguity <= 0 || l.ambiguity > 1 {
		l.ambiguity = 1
	}
	key := linkKey(l.fromType, l.fromID, l.toType, l.toID)
	cur := emitted{Conf: l.conf, Source: l.source, Amb: l.ambiguity, Evidence: l.evidence, AtMs: em.f.Time.UnixMilli()}
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
	// telemetry_events keeps — does not depend on arrival order either.
	payload, _ := json.Marshal(struct {
		Evidence string `json:"evidence"`
	}{next.Evidence})
	lf := facts.Fact{
		Key:          "link:" + key,
		Event:        facts.EventLink,
		Time:         time.UnixMilli(next.AtMs).UTC(),
		Project:      project,
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
	if !em.emit(&s.Emitted, s.Project, l) {
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
func (em *emitter) featureTask(ctx context.Context, feature, taskID string, conf float64, evidence, project string) {
	t := em.e.task(ctx, taskID, true)
	if conf > t.FeatureConf {
		t.Feature, t.FeatureConf = feature, conf
		em.e.markTask(taskID)
	}
	if em.emit(&t.Emitted, project, edge{facts.EntityFeature, feature, facts.EntityTask, taskID, conf, facts.LinkExplicit, 1, evidence}) {
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
			s.Branch = f.GitBranch
			e.markSession(sid)
			ids := e.m.taskIDs(f.GitBranch)
			for _, id := range ids {
				em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfExplicit, facts.LinkExplicit, share(len(ids)), evBranch})
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
				em.sessionLink(sid, s, edge{facts.EntityFeature, feat, facts.EntitySession, sid, ConfExplicit, facts.LinkExplicit, share(len(feats)), evProgressEdit})
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
		em.featureTask(ctx, feature, id, ConfDeclared, evTaskFile, f.Project)
	}
	for _, sid := range e.declared(f) {
		s := e.session(ctx, sid, true)
		em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfDeclared, facts.LinkExplicit, 1, evFrontMatter})
	}
}

func (e *Engine) observeFeature(ctx context.Context, em *emitter, f *facts.Fact) {
	feature := f.FeatureID
	if feature == "" {
		return
	}
	for _, sid := range e.declared(f) {
		s := e.session(ctx, sid, true)
		em.sessionLink(sid, s, edge{facts.EntityFeature, feature, facts.EntitySession, sid, ConfDeclared, facts.LinkExplicit, 1, evFrontMatter})
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
	n := len(s.Commits)
	s.addCommit(commitRef{SHA: sha, Branch: branch})
	if len(s.Commits) != n {
		e.markSession(sid)
	}
	em.sessionLink(sid, s, edge{facts.EntitySession, sid, facts.EntityCommit, sha, ConfDeclared, facts.LinkExplicit, 1, evMadeIn})

	if ids := e.m.taskIDs(p.Subject); len(ids) > 0 {
		for _, id := range ids {
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntityCommit, sha, ConfCommitSubject, facts.LinkExplicit, share(len(ids)), evCommitSubject})
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfCommitSubject, facts.LinkExplicit, share(len(ids)), evCommitSubject})
		}
		return
	}
	if ids := e.m.taskIDs(branch); len(ids) > 0 {
		for _, id := range ids {
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntityCommit, sha, ConfExplicit, facts.LinkExplicit, share(len(ids)), evBranch})
		}
		return
	}
	if s.Task != "" && s.TaskConf >= ConfExplicit {
		em.sessionLink(sid, s, edge{facts.EntityTask, s.Task, facts.EntityCommit, sha, ConfSessionTask, facts.LinkInferred, 1, evSessionTask})
	}
}

func (e *Engine) observePR(em *emitter, f *facts.Fact, sid string, s *sessionState) {
	pr := prID(f.PRURL, f.PRNumber)
	if pr == "" {
		return
	}
	if f.PRNumber != 0 && (s.PRNumber != f.PRNumber || s.PRURL != f.PRURL) {
		s.PRNumber, s.PRURL = f.PRNumber, f.PRURL
		e.markSession(sid)
	}
	em.sessionLink(sid, s, edge{facts.EntitySession, sid, facts.EntityPullRequest, pr, ConfDeclared, facts.LinkExplicit, 1, evMadeIn})
	branch := f.GitBranch
	if branch == "" {
		branch = s.Branch
	}
	for _, c := range s.Commits {
		switch {
		case c.Branch != "" && branch != "" && c.Branch == branch:
			em.sessionLink(sid, s, edge{facts.EntityCommit, c.SHA, facts.EntityPullRequest, pr, ConfExplicit, facts.LinkExplicit, 1, evPRBranch})
		case c.Branch == "" || branch == "":
			em.sessionLink(sid, s, edge{facts.EntityCommit, c.SHA, facts.EntityPullRequest, pr, ConfPrompt, facts.LinkInferred, 1, evPRSession})
		}
	}
}

func (e *Engine) observeToolUse(ctx context.Context, em *emitter, f *facts.Fact, sid string, s *sessionState) {
	if f.Payload == "" {
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
			em.featureTask(ctx, feats[0], id, ConfExplicit, evProgressEdit, s.Project)
			em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfExplicit, facts.LinkExplicit, share(len(ids)), evProgressEdit})
		}
		return
	}
	feats := e.m.features(strings.Join(allStrings(in.Input, nil), "\n"))
	for _, feat := range feats {
		em.sessionLink(sid, s, edge{facts.EntityFeature, feat, facts.EntitySession, sid, ConfRead, facts.LinkInferred, share(len(feats)), evRead})
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
		em.sessionLink(sid, s, edge{facts.EntityTask, id, facts.EntitySession, sid, ConfPrompt, facts.LinkInferred, share(len(known)), evPrompt})
	}
}
