package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// TestFindNeverStale: Find parses the file once for several reads, but a
// change of the file's bytes, even one of the same size made within the
// same second (same size and timestamp), is always seen, and a file that
// stops parsing fails as Load does.
func TestFindNeverStale(t *testing.T) {
	f := newIndexDir(t)
	ctx := context.Background()
	write := func(text string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(f.path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f.path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) (model.Secret, bool, error) {
		t.Helper()
		return f.Find(ctx, name)
	}
	at := time.Now().Truncate(time.Second)
	one := "[[secret]]\nname = \"ALPHA\"\ndescription = \"one\"\n\n[[secret]]\nname = \"BETA\"\n"
	write(one, at)
	if sec, ok, err := get("ALPHA"); err != nil || !ok || sec.Description != "one" {
		t.Fatalf("Find(ALPHA) = %+v, %v, %v; want description one", sec, ok, err)
	}
	// A hand edit of the same length and timestamp.
	write(strings.Replace(one, "\"one\"", "\"two\"", 1), at)
	if sec, ok, err := get("ALPHA"); err != nil || !ok || sec.Description != "two" {
		t.Fatalf("after an edit of the same size and time, Find(ALPHA) = %+v, %v, %v; want description two", sec, ok, err)
	}
	// A copy with another record of the same size: BETA is gone.
	write(strings.Replace(one, "BETA", "GAMA", 1), at)
	if _, ok, err := get("BETA"); err != nil || ok {
		t.Fatalf("Find(BETA) in a file without it = %v, %v; want not found", ok, err)
	}
	// A truncated file fails, as Load does, and is not served from before.
	write(one[:len(one)-3], at)
	_, _, err := get("ALPHA")
	var ie *IndexError
	if !errors.As(err, &ie) {
		t.Fatalf("Find on a truncated index = %v; want an *IndexError", err)
	}
	if err := os.Remove(f.path); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := get("ALPHA"); err != nil || ok {
		t.Fatalf("Find without an index = %v, %v; want not found and no error", ok, err)
	}
}

// TestFindReturnsACopy: changing a found record's metadata changes nothing
// the next Find returns.
func TestFindReturnsACopy(t *testing.T) {
	f := newIndexDir(t)
	ctx := context.Background()
	if err := os.WriteFile(f.path, []byte("[[secret]]\nname = \"A\"\n[secret.metadata]\nenv = \"prod\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sec, _, err := f.Find(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	sec.Metadata["env"] = "dev"
	again, _, err := f.Find(ctx, "A")
	if err != nil || again.Metadata["env"] != "prod" {
		t.Fatalf("second Find(A) metadata = %v (%v); want env=prod", again.Metadata, err)
	}
}

// newIndexDir is newFileIndex with the index's directory made.
func newIndexDir(t *testing.T) *fileIndex {
	f := newFileIndex(t)
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCheckDuplicatesOutOfOrder: the duplicate check that skips its map
// while names increase still finds a repeat once the order breaks.
func TestCheckDuplicatesOutOfOrder(t *testing.T) {
	for _, text := range []string{
		"[[secret]]\nname = \"A\"\n[[secret]]\nname = \"C\"\n[[secret]]\nname = \"B\"\n[[secret]]\nname = \"A\"\n",
		"[[secret]]\nname = \"A\"\n[[secret]]\nname = \"B\"\n[[secret]]\nname = \"B\"\n",
	} {
		_, err := parseIndex("i", []byte(text))
		if err == nil || !strings.Contains(err.Error(), "defined twice") {
			t.Errorf("parseIndex(%q) = %v; want defined twice", text, err)
		}
	}
	list, err := parseIndex("i", []byte("[[secret]]\nname = \"B\"\n[[secret]]\nname = \"A\"\n[[secret]]\nname = \"C\"\n"))
	if err != nil || len(list) != 3 {
		t.Fatalf("three distinct names out of order: %d records, %v", len(list), err)
	}
}
