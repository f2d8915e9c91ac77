//go:build unix

package bounded

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	big := filepath.Join(dir, "big")
	fifo := filepath.Join(dir, "fifo")
	link := filepath.Join(dir, "link")
	if err := os.WriteFile(small, []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 2048)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(small, link); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path    string
		want    string
		wantErr string
	}{
		{small, "abc", ""},
		{link, "abc", ""}, // a link to a regular file is read
		{big, "", "too large (2048 bytes, limit 1 KiB)"},
		{fifo, "", "not a regular file (a FIFO)"}, // and the open does not block
		{dir, "", "not a regular file (a folder)"},
		{"/dev/zero", "", "not a regular file (a device)"},
		{filepath.Join(dir, "missing"), "", "no such file"},
	} {
		data, err := ReadFile(tt.path, 1024)
		switch {
		case tt.wantErr == "" && (err != nil || string(data) != tt.want):
			t.Errorf("ReadFile(%s) = %q, %v; want %q", tt.path, data, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ReadFile(%s) error = %v, want one containing %q", tt.path, err, tt.wantErr)
		}
	}
	if _, err := ReadFile(fifo, 10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(fifo) = %v, want ErrNotRegular", err)
	}
	var tl *TooLargeError
	if _, err := ReadFile(big, 1024); !errors.As(err, &tl) || tl.Size != 2048 || tl.Limit != 1024 {
		t.Errorf("ReadFile(big) = %v, want a TooLargeError of 2048 over 1024", err)
	}
}

func TestDirFS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "p.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	fsys := DirFS(dir)
	if data, err := fs.ReadFile(fsys, "a.yaml"); err != nil || string(data) != "a: 1\n" {
		t.Errorf("ReadFile(a.yaml) = %q, %v", data, err)
	}
	if _, err := fs.ReadFile(fsys, "p.yaml"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadFile(p.yaml) = %v, want ErrNotRegular without blocking", err)
	}
	if _, err := fsys.Open("../x"); err == nil {
		t.Errorf("Open(../x) succeeded")
	}
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil || len(ents) != 2 {
		t.Errorf("ReadDir(.) = %v, %v", ents, err)
	}
}
