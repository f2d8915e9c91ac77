// Package atomicfile replaces files so that a crash at any point leaves
// either the old file or the new one, whole, and never a half-written one.
//
// A write goes to a temporary file beside the target, named
// ".NAME.tmp-DIGITS", which is synced and then renamed over the target. A
// writer killed before the rename leaves that temporary file behind;
// CleanStale removes such leftovers.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// WriteFile replaces the file at path with data. It writes a temporary file
// in the same directory, syncs it, renames it over path and syncs the
// directory. If path exists, the new file keeps its permission bits;
// otherwise it is created with perm (less the umask), as os.WriteFile would.
// If path is a symlink, the file it finally points to is replaced and the
// link is kept. On any error the temporary file is removed and the file at
// path is left as it was (or, when only the directory sync failed, already
// replaced).
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return WriteParts(path, perm, nil, data)
}

// WriteParts is WriteFile of the concatenation of parts, written one after
// the other rather than copied into one buffer first. When check is not
// nil it runs once the temporary file is synced, before the rename: an
// error from it removes the temporary file, leaves path as it was and is
// returned.
func WriteParts(path string, perm fs.FileMode, check func() error, parts ...[]byte) (err error) {
	target := followSymlinks(path)
	dir := filepath.Dir(target)

	// The temporary file starts private and is opened up to the kept mode
	// only once written, so that it is never more readable than the file it
	// replaces. A new file gets perm through the umask, like os.WriteFile.
	createMode, keep, keepMode := perm, false, fs.FileMode(0)
	if fi, statErr := os.Stat(target); statErr == nil {
		createMode, keep = 0o600, true
		keepMode = fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	}
	tmp, err := createTemp(dir, filepath.Base(target), createMode)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close() // may already be closed
			_ = os.Remove(tmp.Name())
		}
	}()
	for _, data := range parts {
		if _, err = tmp.Write(data); err != nil {
			return err
		}
	}
	if keep {
		if err = tmp.Chmod(keepMode); err != nil {
			return err
		}
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if check != nil {
		if err = check(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		// The new file is in place; only its durability across a power
		// loss is in doubt, so the temporary file (now the target) stays.
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// tempPrefix is how the temporary files for a file named base begin; a
// string of decimal digits follows.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// createTemp creates a new file for writing in dir, named
// tempPrefix(base)+digits. Unlike os.CreateTemp it takes a mode, so that a
// new file gets perm through the umask.
func createTemp(dir, base string, mode fs.FileMode) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, tempPrefix(base)+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) && try < 10000 {
			continue
		}
		return f, err
	}
}

// CleanStale removes the temporary files that writers of path killed before
// their rename left behind, when they were last modified more than olderThan
// ago; younger ones may belong to a write still under way. Like WriteFile it
// looks beside the file a symlink at path points to. It returns how many
// files it removed; a missing directory is not an error.
func CleanStale(path string, olderThan time.Duration) (removed int, err error) {
	stale, err := Stale(path, olderThan)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, p := range stale {
		switch err := os.Remove(p); {
		case err == nil:
			removed++
		case !errors.Is(err, fs.ErrNotExist):
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// Stale lists (as paths) the temporary files of writers of path that were
// last modified more than olderThan ago, as CleanStale would remove them.
// A caller that holds the lock every writer of path takes can pass 0: then
// no write is under way, and every temporary file is a leftover.
func Stale(path string, olderThan time.Duration) ([]string, error) {
	target := followSymlinks(path)
	base := filepath.Base(target)
	return StaleIn(filepath.Dir(target), olderThan, func(b string) bool { return b == base })
}

// StaleIn lists (as paths) the temporary files in dir of the writes of
// every file whose base name match accepts, last modified more than
// olderThan ago. A missing directory is not an error.
func StaleIn(dir string, olderThan time.Duration, match func(base string) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cutoff := time.Now().Add(-olderThan)
	var out []string
	var errs []error
	for _, e := range entries {
		base, ok := tempTarget(e.Name())
		if !e.Type().IsRegular() || !ok || !match(base) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // its writer renamed or removed it meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if olderThan > 0 && !info.ModTime().Before(cutoff) {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out, errors.Join(errs...)
}

// tempTarget returns the base name of the file a temporary file named name
// (tempPrefix(base)+digits) was to replace.
func tempTarget(name string) (base string, ok bool) {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, ".tmp-")
	if i <= 0 || !isTempName(name, tempPrefix(rest[:i])) {
		return "", false
	}
	return rest[:i], true
}

// isTempName reports whether name is prefix followed by decimal digits only,
// the names createTemp (and os.CreateTemp's "*") produce.
func isTempName(name, prefix string) bool {
	digits, ok := strings.CutPrefix(name, prefix)
	if !ok || digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// followSymlinks returns the file path finally points to, which need not
// exist yet, so that a write replaces the file behind a symlink (an index
// kept in a dotfiles repository, say) and not the symlink.
func followSymlinks(path string) string {
	for range 40 { // the limit Linux puts on a chain of links
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return path
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return path
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Replace puts data at path for a file that may be lost but must never be
// seen half written, such as a cache: a new private file (mode 0600 less
// nothing: the umask cannot widen it) renamed over path, without the syncs
// of WriteFile. Unlike WriteFile it never follows a symlink at path: the
// rename replaces the link itself, so a link planted there cannot redirect
// the write. On error the temporary file is removed.
func Replace(path string, data []byte) error {
	return ReplaceParts(path, data)
}

// ReplaceParts is Replace of the concatenation of parts, written one after
// the other rather than copied into one buffer first.
func ReplaceParts(path string, parts ...[]byte) (err error) {
	tmp, err := createTemp(filepath.Dir(path), filepath.Base(path), 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	for _, data := range parts {
		if _, err = tmp.Write(data); err != nil {
			return err
		}
	}
	// The umask can only narrow 0600; Chmod makes sure of the exact mode.
	if err = tmp.Chmod(0o600); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
