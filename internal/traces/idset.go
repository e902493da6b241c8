package traces

// idSet remembers the most recent span ids emitted, up to max, evicting the
// oldest first. Copies of one span (streaming splits of a response that a
// batch boundary cut in two, agent_progress copies in the parent file, the
// several sources of one subagent link) arrive close together in the fact
// stream, so a bounded window is enough to emit each span once.
type idSet struct {
	m    map[SpanID]struct{}
	ring []SpanID
	max  int
	next int
}

func newIDSet(n int) *idSet { return &idSet{m: map[SpanID]struct{}{}, max: n} }

func (s *idSet) has(id SpanID) bool {
	_, ok := s.m[id]
	return ok
}

func (s *idSet) add(id SpanID) {
	if _, ok := s.m[id]; ok {
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, id)
	} else {
		delete(s.m, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % s.max
	}
	s.m[id] = struct{}{}
}
