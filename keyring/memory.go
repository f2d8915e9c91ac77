package keyring

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/keyward/keyward/model"
)

// MemStore is an in-memory Store for --demo and fast tests. Nothing it holds
// outlives the process. It is safe for concurrent use.
type MemStore struct {
	store
	mem *memBackend
}

// NewMemStore returns an empty in-memory store whose clock is now (time.Now
// when nil).
func NewMemStore(now func() time.Time) *MemStore {
	if now == nil {
		now = time.Now
	}
	b := &memBackend{vals: map[string]string{}}
	return &MemStore{store: store{vals: b, idx: b, now: now, jr: &memJournal{}}, mem: b}
}

// SetHook installs fn, called before every keyring operation with its name
// ("get", "set", "delete", "ping") and the keyring user. A non-nil error is
// returned in place of the operation's result; fn may also sleep, to
// simulate a slow keyring. Tests use it to inject failures.
func (m *MemStore) SetHook(fn func(op, user string) error) {
	m.mem.mu.Lock()
	defer m.mem.mu.Unlock()
	m.mem.hook = fn
}

// Reads counts the keyring reads so far, so tests can check that a code path
// did not read a value.
func (m *MemStore) Reads() int {
	m.mem.mu.Lock()
	defer m.mem.mu.Unlock()
	return m.mem.reads
}

// Put adds a record and value directly, bypassing timestamps and version
// rules. It is for seeding demos and tests.
func (m *MemStore) Put(s model.Secret, value string) {
	m.mem.idxMu.Lock()
	defer m.mem.idxMu.Unlock()
	m.mem.mu.Lock()
	defer m.mem.mu.Unlock()
	if i := find(m.mem.list, s.Name); i >= 0 {
		m.mem.list[i] = s.Clone()
	} else {
		m.mem.list = append(m.mem.list, s.Clone())
	}
	cur, _ := valueUsers(&s)
	m.mem.vals[cur] = value
}

// PutPrevious sets the previous value kept for rollback of a record Put
// before (or of an unswapped one), for seeding.
func (m *MemStore) PutPrevious(name, value string) {
	m.mem.idxMu.Lock()
	defer m.mem.idxMu.Unlock()
	m.mem.mu.Lock()
	defer m.mem.mu.Unlock()
	prev := PreviousUser(name)
	if i := find(m.mem.list, name); i >= 0 {
		_, prev = valueUsers(&m.mem.list[i])
	}
	m.mem.vals[prev] = value
}

type memBackend struct {
	// idxMu is the index lock: Update holds it while its function runs,
	// and that function calls the value methods, which take mu.
	idxMu sync.Mutex
	list  []model.Secret

	mu    sync.Mutex
	vals  map[string]string
	hook  func(op, user string) error
	reads int
	// tagOf holds the tag of each user's last tagged write (tagger); a
	// plain write or a delete drops it. Made at the first tagged write.
	tagOf map[string]string
}

func (b *memBackend) callHook(op, user string) error {
	b.mu.Lock()
	h := b.hook
	b.mu.Unlock()
	if h == nil {
		return nil
	}
	if err := h(op, user); err != nil {
		// Named like the OS backend's errors: the operation and the user.
		return fmt.Errorf("%s %s: %w", op, user, err)
	}
	return nil
}

func (b *memBackend) Get(ctx context.Context, user string) (string, error) {
	if err := b.callHook("get", user); err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reads++
	v, ok := b.vals[user]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrNoValue, user)
	}
	return v, nil
}

func (b *memBackend) Set(ctx context.Context, user, value string) error {
	if err := b.callHook("set", user); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.vals[user] = value
	delete(b.tagOf, user)
	return nil
}

func (b *memBackend) tags() bool { return true }

func (b *memBackend) SetTagged(ctx context.Context, user, value, tag string) error {
	if err := b.callHook("set", user); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.vals[user] = value
	if b.tagOf == nil {
		b.tagOf = map[string]string{}
	}
	b.tagOf[user] = tag
	return nil
}

func (b *memBackend) Tag(ctx context.Context, user string) (string, error) {
	if err := b.callHook("tag", user); err != nil {
		return "", err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.vals[user]; !ok {
		return "", fmt.Errorf("%w: %s", ErrNoValue, user)
	}
	return b.tagOf[user], nil
}

func (b *memBackend) Delete(ctx context.Context, user string) error {
	if err := b.callHook("delete", user); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.vals, user)
	delete(b.tagOf, user)
	return nil
}

func (b *memBackend) Ping(ctx context.Context) error { return b.callHook("ping", "") }

func (b *memBackend) Load(ctx context.Context, keep func(*model.Secret) bool) ([]model.Secret, error) {
	b.idxMu.Lock()
	defer b.idxMu.Unlock()
	out := make([]model.Secret, 0, len(b.list))
	for i := range b.list {
		if s := b.list[i].Clone(); keep == nil || keep(&s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (b *memBackend) Update(ctx context.Context, fn func([]model.Secret) ([]model.Secret, error), after func()) error {
	b.idxMu.Lock()
	defer b.idxMu.Unlock()
	work := make([]model.Secret, len(b.list))
	for i := range b.list {
		work[i] = b.list[i].Clone()
	}
	next, err := fn(work)
	if err != nil {
		return err
	}
	b.list = next
	if after != nil {
		after()
	}
	return nil
}
