package correlate

import "github.com/ccdash/otelcol-ccdash/internal/facts"

// sessionState is what the engine remembers about one session. It is
// persisted as JSON, so field names are part of the storage format.
type sessionState struct {
	Project string `json:"project,omitempty"`
	Root    string `json:"root,omitempty"`
	Branch  string `json:"branch,omitempty"`
	// BranchTasks are the task ids in Branch.
	BranchTasks []string `json:"branch_tasks,omitempty"`

	// The best-supported feature and task so far (highest confidence; the
	// first one on a tie), used for the keys put on the session's records.
	Feature     string  `json:"feature,omitempty"`
	FeatureConf float64 `json:"feature_conf,omitempty"`
	Task        string  `json:"task,omitempty"`
	TaskConf    float64 `json:"task_conf,omitempty"`

	// Commits and PRs made in the session (the latest maxCommits / maxPRs),
	// for commit→PR links; PRNumber is the latest PR's number.
	Commits  []commitRef `json:"commits,omitempty"`
	PRs      []prRef     `json:"prs,omitempty"`
	PRNumber int64       `json:"pr_number,omitempty"`

	// Emitted maps a link key to the best evidence emitted for it and the
	// earliest evidence time, so a link is emitted again only when evidence
	// arrives that the store would keep (see emitted.better).
	Emitted map[string]emitted `json:"emitted,omitempty"`
}

type commitRef struct {
	SHA    string `json:"sha"`
	Branch string `json:"branch,omitempty"`
	AtMs   int64  `json:"at,omitempty"` // when it was made (unix ms)
}

// taskState is what the engine remembers about a task (from progress files
// and edits of them).
type taskState struct {
	Feature     string             `json:"feature,omitempty"`
	FeatureConf float64            `json:"feature_conf,omitempty"`
	Phase       string             `json:"phase,omitempty"`
	Emitted     map[string]emitted `json:"emitted,omitempty"`
}

const (
	// maxCommits and maxPRs bound the commits and PRs remembered per session.
	maxCommits = 64
	maxPRs     = 16
	// maxEmitted bounds the emitted-link memory per entry; past it links are
	// simply emitted again (harmless: the store de-duplicates them).
	maxEmitted = 1024
)

// addCommit remembers a commit and reports whether it was new.
func (s *sessionState) addCommit(c commitRef) bool {
	for _, old := range s.Commits {
		if old.SHA == c.SHA {
			return false
		}
	}
	s.Commits = append(s.Commits, c)
	if len(s.Commits) > maxCommits {
		s.Commits = append(s.Commits[:0], s.Commits[len(s.Commits)-maxCommits:]...)
	}
	return true
}

type prRef struct {
	ID     string `json:"id"`
	Branch string `json:"branch,omitempty"`
	AtMs   int64  `json:"at,omitempty"` // when it was opened (unix ms)
}

// addPR remembers a PR (the first branch it was seen on) and reports
// whether it was new.
func (s *sessionState) addPR(p prRef) bool {
	for _, old := range s.PRs {
		if old.ID == p.ID {
			return false
		}
	}
	s.PRs = append(s.PRs, p)
	if len(s.PRs) > maxPRs {
		s.PRs = append(s.PRs[:0], s.PRs[len(s.PRs)-maxPRs:]...)
	}
	return true
}

// emitted is what was emitted for one link: its best evidence (confidence,
// source, ambiguity) and its earliest evidence time (unix ms).
type emitted struct {
	Conf   float64 `json:"c"`
	Source string  `json:"s,omitempty"`
	Amb    float64 `json:"a,omitempty"`
	AtMs   int64   `json:"t"`
	// Evidence names the rule behind the best evidence.
	Evidence string `json:"e,omitempty"`
}

// better orders evidence exactly as the store keeps it (store.linkRow.better):
// higher confidence, then explicit over inferred, then the larger ambiguity
// share. Emitting whatever the store would keep — better evidence or an
// earlier time — makes the stored link independent of arrival order.
func (e emitted) better(old emitted) bool {
	if e.Conf != old.Conf {
		return e.Conf > old.Conf
	}
	if ex, ox := e.Source == facts.LinkExplicit, old.Source == facts.LinkExplicit; ex != ox {
		return ex
	}
	if e.Source != old.Source {
		return e.Source > old.Source
	}
	return e.Amb > old.Amb
}
