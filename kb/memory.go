package kb

import (
	"slices"

	"github.com/faqbot/faqbot/library"
)

// Estimated costs of a loaded library, in bytes, beyond its vectors
// (4 bytes a dimension). Fitted to `faqbot bench --tenancy` when indexes
// were held on the heap (1,000 servers of 24 passages: 158 KiB each; 20
// of 2,012: 9.2 MiB each, with 512-dimension vectors): the passages' text
// is held about twice over, each passage costs a few hundred bytes of
// maps, IDs and postings, and each library a fixed amount for its
// collection and folder handles. Since the index files are mapped, the
// bench measures about a third of the estimate on the heap and about 0.6
// of it resident (heap plus mapped pages): erring high keeps the process
// under the budget.
const (
	textCopies      = 2
	perPassageBytes = 600
	perTermBytes    = 64
	perLibraryBytes = 48 << 10
)

// Estimate is the memory a loaded library holds, in bytes: what the
// memory budget counts.
func Estimate(l *library.Library) int64 {
	if l == nil {
		return 0
	}
	ix := l.Index()
	if ix == nil {
		return perLibraryBytes
	}
	// Counted from the index's statistics: copying the passages out
	// (Library.Corpus) to measure them would hold them twice.
	st := ix.Stats()
	n := perLibraryBytes + textCopies*st.TextBytes + perPassageBytes*int64(st.Passages)
	n += int64(st.Vectors)*int64(st.Dim)*4 + perTermBytes*int64(st.Terms)
	return n
}

// evict drops the libraries of the least recently used servers, other
// than keep, until the loaded libraries fit the memory budget. A server
// whose library is being loaded or changed is skipped; searches already
// running keep the library they hold, and the next question loads it
// again from its saved index.
func (m *Manager) evict(keep *guildKB) {
	budget := m.opts.MemoryBudget
	if budget <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	total := m.baseBytes
	var loaded []*guildKB
	for _, k := range m.kbs {
		if k.lib.Load() != nil {
			total += k.size.Load()
			if k != keep {
				loaded = append(loaded, k)
			}
		}
	}
	if total <= budget {
		return
	}
	slices.SortFunc(loaded, func(a, b *guildKB) int {
		switch ua, ub := a.used.Load(), b.used.Load(); {
		case ua < ub:
			return -1
		case ua > ub:
			return 1
		}
		return 0
	})
	for _, k := range loaded {
		if total <= budget {
			break
		}
		if !k.mu.TryLock() {
			continue
		}
		if k.lib.Load() != nil {
			total -= k.size.Load()
			k.lib.Store(nil)
			k.size.Store(0)
			// Its aliases hold the index they were made for.
			k.taught.invalidate()
			m.evictions.Add(1)
			m.lg.Debug("knowledge base evicted", "guild", k.id)
		}
		k.mu.Unlock()
	}
	if total > budget {
		m.lg.Warn("the loaded knowledge bases exceed FAQBOT_MEMORY_MB even after evicting the idle ones",
			"bytes", total, "budget", budget)
	}
}

// Evict drops guild's library from memory, as the budget would: the next
// question loads it again. For benchmarks and operators.
func (m *Manager) Evict(guild string) {
	k, err := m.kb(guild)
	if err != nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lib.Swap(nil) != nil {
		k.size.Store(0)
		m.evictions.Add(1)
	}
}
