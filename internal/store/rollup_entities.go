package store

// Entity types of analytics_entity_links, and the attribute keys each is
// read from (first present wins; point attributes before resource ones).
// The keys are the canonical correlation keys (DESIGN §4) plus the short
// names Claude Code's native metrics use (model, tool).
var entityAttributes = []struct {
	entity string
	keys   []string
}{
	{"model", []string{"gen_ai.request.model", "model", "gen_ai.response.model"}},
	{"project", []string{"project.id", "project"}},
	{"session", []string{"session.id", "gen_ai.conversation.id"}},
	{"root_session", []string{"ccdash.root_session.id"}},
	{"feature", []string{"ccdash.feature.id"}},
	{"task", []string{"ccdash.task.id"}},
	{"phase", []string{"ccdash.phase"}},
	{"commit", []string{"vcs.ref.head.revision"}},
	{"pull_request", []string{"ccdash.pr.number"}},
	{"tool", []string{"gen_ai.tool.name", "tool"}},
	{"agent", []string{"gen_ai.agent.name"}},
	{"skill", []string{"ccdash.skill.name"}},
	{"host", []string{"host.name"}},
	{"user", []string{"user.name"}},
}

// entityLinks lists the (entity type, id) pairs an entry is scoped to.
func entityLinks(resource, attrs map[string]string) [][2]string {
	var out [][2]string
	for _, ea := range entityAttributes {
		id := firstValue(attrs, ea.keys)
		if id == "" {
			id = firstValue(resource, ea.keys)
		}
		if id != "" {
			out = append(out, [2]string{ea.entity, id})
		}
	}
	return out
}

func firstValue(m map[string]string, keys []string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}
