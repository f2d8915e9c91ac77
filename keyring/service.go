package keyring

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/keyward/keyward/internal/atomicfile"
	"github.com/keyward/keyward/internal/bounded"
	"github.com/keyward/keyward/model"
)

// ErrWrongService is returned when an index is used with another keyring
// service than the one its values were stored under (a typo in
// KEYWARD_SERVICE is enough): every value would look missing, and deleting
// the records, as a missing value might suggest, would destroy good ones.
var ErrWrongService = errors.New("the index belongs to another keyring service")

// serviceMark records, beside the index (INDEX.service, one line), the
// keyring service its values are stored under, and refuses the keyring to a
// store opened with another (issue 11, item 4). It is a file of its own,
// not a key in the index, so that the index format and its readers stay as
// they are. It is written at the first keyring write under a service; an
// index written before keyward recorded services gets it then.
type serviceMark struct {
	path, service string

	once sync.Once
	err  error // the check's result, kept for the process
	mu   sync.Mutex
	done bool // recorded (or found) by this process
}

func serviceMarkFor(indexPath, service string) *serviceMark {
	return &serviceMark{path: indexPath + ".service", service: service}
}

// check reports ErrWrongService when the index records another service; it
// reads the file once per process.
func (m *serviceMark) check() error {
	m.once.Do(func() {
		data, err := bounded.ReadFile(m.path, maxSmallFile)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			m.err = fmt.Errorf("read the index's service: %w", err)
			return
		}
		got := strings.TrimSpace(string(data))
		if got != m.service {
			m.err = fmt.Errorf("%w: the values of this index are under service %q, and this command uses %q",
				ErrWrongService, model.Printable(got), model.Printable(m.service))
			return
		}
		m.mu.Lock()
		m.done = true
		m.mu.Unlock()
	})
	return m.err
}

// record writes the service beside the index if nothing is recorded yet.
// Best effort: a failure leaves the index unmarked, as before.
func (m *serviceMark) record() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		return
	}
	if _, err := os.Stat(m.path); err == nil {
		m.done = true
		return
	}
	if atomicfile.WriteFile(m.path, []byte(m.service+"\n"), 0o600) == nil {
		m.done = true
	}
}
