package transcript

import (
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Claude Code 1.x wrote subagent conversations inline in the parent file:
// isSidechain:true, no agentId. A sidechain starts at a root line
// (parentUuid null) whose user text is the prompt of the Task tool_use that
// spawned it (verified 5/5 in corpus fe5e1c67); every later line points to
// its predecessor through parentUuid. So: match roots to pending Task
// prompts, then follow parentUuid through a uuid -> entity map.

// Bounds of the per-file maps.
const (
	maxSidechainUUIDs = 200_000
	maxPendingTasks   = 1024
)

// rememberTaskPrompt records a Task/Agent tool_use so a later sidechain root
// with the same prompt text can be attributed to it. Claude Code >= 2.0
// writes subagents to their own files, so their prompts are not kept.
func (e *Extractor) rememberTaskPrompt(prompt, toolUseID, version string) {
	if prompt == "" || e.fi.Kind != Main || e.nPendingTasks >= maxPendingTasks ||
		(version != "" && !strings.HasPrefix(version, "0.") && !strings.HasPrefix(version, "1.")) {
		return
	}
	e.pendingTasks[prompt] = append(e.pendingTasks[prompt], toolUseID)
	e.nPendingTasks++
}

func (e *Extractor) sidechainEntity(main *entity, l *Line, blocks []Block) *entity {
	var ent *entity
	if l.ParentUUID == "" {
		ent = e.sidechainRoot(main, l, blocks)
	} else if known, ok := e.sidechainUUIDs[l.ParentUUID]; ok {
		ent = known
	} else {
		// The root was not seen (e.g. the extractor started mid-file): keep
		// the line's chain together under its nearest known ancestor id.
		ent = e.sidechainByKey(main, l.ParentUUID, "")
	}
	if l.UUID != "" && len(e.sidechainUUIDs) < maxSidechainUUIDs {
		e.sidechainUUIDs[l.UUID] = ent
	}
	return ent
}

func (e *Extractor) sidechainRoot(main *entity, l *Line, blocks []Block) *entity {
	prompt := ""
	if l.Type == "user" {
		prompt = joinText(blocks)
	}
	if ids := e.pendingTasks[prompt]; prompt != "" && len(ids) > 0 {
		toolUseID := ids[0]
		e.nPendingTasks--
		if len(ids) == 1 {
			delete(e.pendingTasks, prompt)
		} else {
			e.pendingTasks[prompt] = ids[1:]
		}
		agentType := ""
		if c, ok := e.tools.get(toolUseID); ok {
			agentType = c.subagentType
		}
		ent := e.sidechainByKey(main, toolUseID, agentType)
		e.pendingLinks = append(e.pendingLinks, pendingLink{parent: main, child: ent, toolUseID: toolUseID})
		return ent
	}
	key := l.UUID
	if key == "" {
		key = "root"
	}
	return e.sidechainByKey(main, key, "")
}

func (e *Extractor) sidechainByKey(main *entity, key, agentType string) *entity {
	id := main.id + "/sidechain-" + key
	if ent, ok := e.entities[id]; ok {
		return ent
	}
	ent := &entity{id: id, parent: main.id, root: main.root, typ: facts.SessionSidechain, agentType: agentType}
	e.entities[id] = ent
	return ent
}
