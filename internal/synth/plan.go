package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"time"
)

// Model ids written by the generator.
const (
	ModelOpus46   = "claude-opus-4-6"
	ModelSonnet45 = "claude-sonnet-4-5-20250929"
	ModelHaiku45  = "claude-haiku-4-5-20251001"
	ModelSonnet4  = "claude-sonnet-4-20250514"
	ModelSynth    = "<synthetic>"
)

// Models lists every real model the generator uses.
var Models = []string{ModelOpus46, ModelSonnet45, ModelHaiku45, ModelSonnet4}

// mainModels are drawn for main sessions with these weights; subagents
// mostly run on Haiku or Sonnet (as in the corpus: Opus parent, Sonnet 4.5 /
// Haiku 4.5 agents).
var mainModels = []struct {
	model  string
	weight float64
}{{ModelOpus46, 0.5}, {ModelSonnet45, 0.25}, {ModelSonnet4, 0.15}, {ModelHaiku45, 0.10}}

var versions = []string{"2.1.38", "2.1.39", "2.1.41", "2.1.44"}

// userUTCOffset places the simulated developer in UTC-7: a working day
// (08:00-21:00 local) crosses UTC midnight, so daily buckets depend on the
// time zone asked for, as they do for real users.
const userUTCOffset = -7 * time.Hour

var projectNames = []string{"api-gateway", "web-dashboard", "billing-service", "infra-terraform",
	"mobile-app", "data-pipeline", "auth-service", "docs-site", "cli-tools", "ml-experiments",
	"payments", "search-indexer"}

type hookSet struct {
	sessionStart []string
	preToolUse   []string
	postToolUse  []string
	stop         []string
}

type project struct {
	name  string
	root  string // main checkout
	repo  string // owner/name on GitHub
	ext   string // dominant source extension
	files []string
	hooks hookSet
}

type sessionPlan struct {
	index       int
	id          string
	proj        *project
	cwd         string
	branch      string
	slug        string // human-readable session slug ("amber-rowing-otter")
	start       time.Time
	model       string
	version     string
	target      int64 // bytes to write for this session, subagents included
	ttlMode     int   // 0: 1h writes, 1: 5m writes, 2: both
	compactAt   int64 // context size that triggers auto-compaction
	prBase      int   // first PR number this session may open
	seedA       uint64
	seedB       uint64
	maxThinking int
}

var nonAlnum = regexp.MustCompile(`[^a-zA-Z0-9]`)

// projectDirName is Claude Code's folder name for a cwd under projects/.
func projectDirName(cwd string) string { return nonAlnum.ReplaceAllString(cwd, "-") }

func makeProjects(r *rand.Rand, n int) []*project {
	ps := make([]*project, n)
	for i := range ps {
		name := projectNames[i%len(projectNames)]
		if i >= len(projectNames) {
			name = fmt.Sprintf("%s-%d", name, i/len(projectNames))
		}
		p := &project{
			name: name,
			root: "/home/dev/code/" + name,
			repo: "acme/" + name,
			ext:  exts[r.IntN(4)],
		}
		dirs := []string{"internal/" + pick(r, nouns), "internal/" + pick(r, nouns), "cmd/" + name, "pkg/" + pick(r, nouns), "src/" + pick(r, nouns), "test"}
		for range 30 + r.IntN(60) {
			p.files = append(p.files, filepath.Join(pick(r, dirs), pick(r, nouns)+"_"+pick(r, verbs)+p.ext))
		}
		p.files = append(p.files, "README.md", "Makefile", "go.mod", "package.json", ".github/workflows/ci.yaml")
		p.hooks = hookSet{
			sessionStart: []string{"/home/dev/.claude/hooks/tmux-status.sh clear"},
			preToolUse:   []string{"${CLAUDE_PLUGIN_ROOT}/hooks/guard-bash.sh"},
			postToolUse:  []string{"${CLAUDE_PLUGIN_ROOT}/scripts/log-tool-call.sh", "/home/dev/.claude/hooks/format-on-save.sh"},
			stop:         []string{"/home/dev/.claude/hooks/tmux-status.sh mark", "${CLAUDE_PLUGIN_ROOT}/hooks/on-stop.sh"},
		}
		// Hook counts vary per project: hook_progress lines are the bulk of
		// the lines of real 2.1.x transcripts.
		if r.IntN(2) == 0 {
			p.hooks.postToolUse = append(p.hooks.postToolUse, "cd ${CLAUDE_PLUGIN_ROOT}/hooks && node ./dist/post-tool.mjs")
			p.hooks.sessionStart = append(p.hooks.sessionStart, "${CLAUDE_PLUGIN_ROOT}/hooks/session-start.sh")
		}
		if r.IntN(3) == 0 {
			p.hooks.preToolUse = append(p.hooks.preToolUse, "/home/dev/.claude/hooks/audit-log.sh")
			p.hooks.stop = append(p.hooks.stop, "cd ${CLAUDE_PLUGIN_ROOT}/hooks && node ./dist/after-stop.mjs")
		}
		ps[i] = p
	}
	return ps
}

var slugWords = [3][]string{
	{"amber", "breezy", "cosmic", "dapper", "eager", "frosty", "jolly", "mellow", "nimble", "rustic"},
	{"baking", "climbing", "dancing", "folding", "gliding", "knitting", "painting", "rowing", "skating"},
	{"otter", "falcon", "maple", "comet", "harbor", "meadow", "pebble", "lantern", "walrus", "quokka"},
}

// plan draws every session up front from one random stream, so the set of
// sessions, their ids and start times depend only on the seed and size, not
// on how many workers write them.
func plan(cfg Config) ([]*sessionPlan, []*project) {
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	nProj := int(min(12, 3+cfg.Size/(100<<20)))
	projects := makeProjects(r, nProj)

	// Session sizes: log-normal around 1 MiB like real 2.1.x sessions, capped
	// so that even a small history has several sessions (and every model).
	maxTarget := max(int64(40<<10), cfg.Size/4)
	windowStart := cfg.End.Add(-time.Duration(cfg.Days) * 24 * time.Hour)
	var plans []*sessionPlan
	var total int64
	for i := 0; total < cfg.Size; i++ {
		target := int64(math.Exp(r.NormFloat64()*0.9 + math.Log(1<<20)))
		target = min(max(target, 40<<10), 12<<20, maxTarget, max(40<<10, cfg.Size-total))
		total += target

		p := projects[weightedProject(r, len(projects))]
		sp := &sessionPlan{
			index:       i,
			id:          newUUID(r),
			proj:        p,
			cwd:         p.root,
			branch:      "main",
			slug:        pick(r, slugWords[0]) + "-" + pick(r, slugWords[1]) + "-" + pick(r, slugWords[2]),
			target:      target,
			ttlMode:     r.IntN(3),
			compactAt:   140_000 + r.Int64N(20_000),
			prBase:      100 + i*10,
			seedA:       r.Uint64(),
			seedB:       r.Uint64(),
			maxThinking: 31999,
		}
		sp.model = pickModel(r)
		if i < len(Models) {
			// Small histories still contain every model.
			sp.model = []string{ModelOpus46, ModelSonnet45, ModelSonnet4, ModelHaiku45}[i]
		}
		if r.IntN(3) == 0 {
			// A worktree session: its own cwd, so its own projects/ folder.
			sp.branch = fmt.Sprintf("%s-%s", p.name[:3], randString(r, "0123456789abcdefghijklmnopqrstuvwxyz", 3))
			sp.cwd = p.root + "-worktrees/" + sp.branch
		} else if r.IntN(2) == 0 {
			sp.branch = "feat/" + pick(r, verbs) + "-" + pick(r, nouns)
		}
		// 1M-context sessions grow past 200k tokens of context before
		// compacting, which exercises ccusage's >200k pricing tiers.
		if (sp.model == ModelOpus46 && r.IntN(5) == 0) || (sp.model == ModelSonnet45 && r.IntN(10) == 0) {
			sp.compactAt = 300_000 + r.Int64N(200_000)
		}
		day := r.IntN(max(1, cfg.Days))
		localHour := 8 + r.Float64()*13
		sp.start = windowStart.Add(time.Duration(day)*24*time.Hour +
			time.Duration(localHour*float64(time.Hour)) - userUTCOffset).Truncate(time.Millisecond)
		// Claude Code upgrades over the window, as it does on a real machine.
		sp.version = versions[day*len(versions)/max(1, cfg.Days)]
		plans = append(plans, sp)
	}
	return plans, projects
}

// weightedProject favours the first projects (a few repositories get most
// of the work).
func weightedProject(r *rand.Rand, n int) int {
	i := int(math.Abs(r.NormFloat64()) * float64(n) / 2.5)
	return min(i, n-1)
}

func pickModel(r *rand.Rand) string {
	x := r.Float64()
	for _, m := range mainModels {
		if x < m.weight {
			return m.model
		}
		x -= m.weight
	}
	return ModelOpus46
}

// subagentModel maps the Task tool's `model` alias to a model id.
func subagentModel(alias, parent string) string {
	switch alias {
	case "haiku":
		return ModelHaiku45
	case "sonnet":
		return ModelSonnet45
	}
	return parent
}
