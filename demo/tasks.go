package demo

import (
	"embed"
	"io/fs"
	"time"

	"github.com/keyward/keyward/keyring"
)

//go:embed tasks/*.yaml
var embedded embed.FS

// Tasks holds a few realistic Julep tasks that reference the secrets of
// Seed, so --demo can show the task preview at once. One of them references
// a secret the demo store lacks and uses a documented-only form that Julep
// ignores. Its root holds the task files.
var Tasks fs.FS = mustSub(embedded, "tasks")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // a constant path into an embedded FS: cannot fail at run time
	}
	return sub
}

// NewStore returns an in-memory store seeded with the demo secrets at now().
func NewStore(now func() time.Time) *keyring.MemStore {
	m := keyring.NewMemStore(now)
	Seed(m, now())
	return m
}
