// Package testkit is what the tests that drive the built keyward share:
// the binary, built once per test process, and a private tmux server to run
// its terminal UI in. Only _test.go files import it.
package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var built struct {
	once sync.Once
	mu   sync.Mutex
	dir  string // the temporary folder that holds the binary
	path string
	err  error
}

// wrapped is set by M.Run: Binary needs it, so the folder it builds into is
// always removed.
var wrapped bool

// M runs a package's tests, then removes the binary Binary built. A package
// that calls Binary runs its tests through it:
//
//	func TestMain(m *testing.M) { os.Exit(testkit.M{M: m}.Run()) }
//
// It is a testscript.TestingM too.
type M struct{ *testing.M }

// Run runs the tests and removes the built binary.
func (m M) Run() int {
	wrapped = true
	defer func() {
		built.mu.Lock()
		defer built.mu.Unlock()
		if built.dir != "" {
			_ = os.RemoveAll(built.dir)
		}
	}()
	return m.M.Run()
}

// Binary returns the keyward binary, built with a plain `go build` from the
// module's root the first time a test of this process asks for it.
func Binary(t testing.TB) string {
	t.Helper()
	if !wrapped {
		t.Fatal("testkit.Binary: the package's TestMain must run its tests through testkit.M (it removes the binary)")
	}
	built.once.Do(func() {
		built.mu.Lock()
		defer built.mu.Unlock()
		built.path, built.dir, built.err = build()
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func build() (path, dir string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	dir, err = os.MkdirTemp("", "keyward-bin-")
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, "keyward")
	cmd := exec.Command("go", "build", "-o", path, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", dir, fmt.Errorf("go build: %v\n%s", err, out)
	}
	return path, dir, nil
}

// moduleRoot is the nearest folder above the working directory (a test's
// package folder) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testkit: no go.mod above the working directory")
		}
		dir = parent
	}
}
