// Package bounded reads files keyward did not write (the index, config.toml,
// task files, julep.yaml manifests) so that a hostile or broken one cannot
// hang or exhaust keyward: only regular files are opened (a FIFO, a device
// such as /dev/zero or a folder is refused, and a FIFO does not block the
// open), reads stop at a size limit, and a pre-scan refuses TOML and YAML
// nested deeper than the parsers can take in bounded memory, before they
// run.
package bounded

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is the error for a path that names something other than a
// regular file: a folder, a FIFO, a device, a socket.
var ErrNotRegular = errors.New("not a regular file")

// TooLargeError is a file over the size limit of what it is.
type TooLargeError struct {
	Size  int64 // the file's size in bytes (at least Limit+1)
	Limit int64 // the limit in bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("too large (%d bytes, limit %s)", e.Size, FormatSize(e.Limit))
}

// FormatSize writes a limit the way the README states it: "64 MiB", or
// bytes when it is not a whole number of KiB.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Open opens path for reading if it is a regular file (following
// symlinks), and refuses anything else with an error that matches
// ErrNotRegular. The open itself never blocks on a FIFO.
func Open(path string) (*os.File, error) {
	f, err := openNonblock(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func checkRegular(f fs.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return &fs.PathError{Op: "open", Path: path, Err: notRegular(fi.Mode())}
	}
	return nil
}

// notRegular says what a path is instead of a regular file.
func notRegular(m fs.FileMode) error {
	what := ""
	switch {
	case m.IsDir():
		what = "a folder"
	case m&fs.ModeNamedPipe != 0:
		what = "a FIFO"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	default:
		return ErrNotRegular
	}
	return fmt.Errorf("%w (%s)", ErrNotRegular, what)
}

// ReadFile reads the regular file path, refusing one over limit bytes with
// a *TooLargeError (wrapped in an *fs.PathError). A missing file is an
// error matching fs.ErrNotExist, as for os.ReadFile.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := ReadAll(f, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return data, nil
}

// ReadAll reads f to its end, but never more than limit+1 bytes: a file
// over limit (by its size, or by what it holds when it grows while read)
// is a *TooLargeError. f must be a regular file (Open, or an fs.FS that
// refuses others).
func ReadAll(f fs.File, limit int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > limit {
		return nil, &TooLargeError{Size: fi.Size(), Limit: limit}
	}
	// Read straight into a slice of the file's size (one more byte tells
	// a file that grew while read): no copy through a buffer, which for a
	// 28 MB index was a third of reading it.
	data := make([]byte, 0, fi.Size()+1)
	for int64(len(data)) <= limit {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // grew while read: more room
		}
		room := data[len(data):min(cap(data), int(limit)+1)]
		n, err := f.Read(room)
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Size: int64(len(data)), Limit: limit}
	}
	return data, nil
}

// DirFS is os.DirFS(dir) that opens only folders and regular files: Open
// never blocks on a FIFO and refuses a FIFO, a device or a socket with an
// error matching ErrNotRegular. Stat and ReadDir are os.DirFS's.
func DirFS(dir string) fs.FS {
	return dirFS{FS: os.DirFS(dir), dir: dir}
}

type dirFS struct {
	fs.FS // os.DirFS(dir), for Stat and ReadDir
	dir   string
}

func (d dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := openNonblock(filepath.Join(d.dir, filepath.FromSlash(name)))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path = name
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: notRegular(fi.Mode())}
	}
	return f, nil
}

func (d dirFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(d.FS, name) }

func (d dirFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(d.FS, name) }
