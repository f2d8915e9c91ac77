//go:build linux

package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testkit"
)

// TestHostileInputs drives the built program with hostile files (issue 11,
// items 6, 7, 8, 12 and 13): each gives its clear error and exit code, in
// bounded time, and leaves the store as it was (a hash of every file in
// the store's folder before and after).
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program: not under -short")
	}
	bin := testkit.Binary(t)
	deepTOML := "format = 1\nx = " + strings.Repeat("{a=", 20000) + "1" + strings.Repeat("}", 20000) + "\n"
	deepYAML := "main:\n- evaluate:\n    x: " + strings.Repeat("[", 40000) + strings.Repeat("]", 40000) + "\n"
	goodTask := "main:\n- log: $ secrets.API_KEY\n"

	type env struct {
		t     *testing.T
		home  string // HOME and the working folder
		store string // the store's folder: index.toml, index.values/, config.toml
		index string
		tasks string
		extra []string // environment
	}
	write := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			panic(err)
		}
	}
	mkfifo := func(p string) {
		os.Remove(p)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			panic(err) // setup runs in the subtest: t here is the parent's
		}
	}
	symlink := func(target, p string) {
		os.Remove(p) // the lock file earlier commands left
		if err := os.Symlink(target, p); err != nil {
			panic(err)
		}
	}
	cases := []struct {
		name  string
		setup func(e *env) []string // the command line
		code  int
		want  []string // in stderr (or, prefixed "stdout:", in stdout)
	}{
		{"index: 80 KB of nested inline tables", func(e *env) []string {
			write(e.index, deepTOML)
			return []string{"secrets", "list"}
		}, 1, []string{"index.toml:2:1: nested too deep (limit 64)", "hint: fix the file by hand"}},
		{"index: nested, on a write", func(e *env) []string {
			write(e.index, deepTOML[:20000]+strings.Repeat("}", 5000))
			return []string{"secrets", "create", "--name", "NEW", "--value", "v"}
		}, 1, []string{"nested too deep (limit 64)"}},
		{"index: a FIFO", func(e *env) []string {
			os.Remove(e.index)
			mkfifo(e.index)
			return []string{"secrets", "list"}
		}, 1, []string{"index.toml: not a regular file (a FIFO); the index must be a file"}},
		{"index: /dev/zero", func(e *env) []string {
			e.extra = append(e.extra, "KEYWARD_INDEX=/dev/zero")
			return []string{"secrets", "list"}
		}, 1, []string{"/dev/zero: not a regular file (a device)"}},
		{"index: a folder", func(e *env) []string {
			os.Remove(e.index)
			os.Mkdir(e.index, 0o700)
			return []string{"secrets", "get", "API_KEY"}
		}, 1, []string{"not a regular file (a folder)"}},
		{"index: over 64 MiB", func(e *env) []string {
			f, _ := os.OpenFile(e.index, os.O_WRONLY|os.O_APPEND, 0)
			f.Truncate(64<<20 + 1) // sparse
			f.Close()
			return []string{"secrets", "list"}
		}, 1, []string{"index.toml: too large (67108865 bytes, limit 64 MiB)"}},
		{"lock: a dangling symlink", func(e *env) []string {
			symlink(filepath.Join(e.home, "planted"), e.index+".lock")
			return []string{"secrets", "create", "--name", "NEW", "--value", "v"}
		}, 1, []string{"index.toml.lock is a symbolic link", "hint: keyward never follows a link"}},
		{"lock: a symlink to a file", func(e *env) []string {
			write(filepath.Join(e.home, "victim"), "keep")
			symlink(filepath.Join(e.home, "victim"), e.index+".lock")
			return []string{"secrets", "delete", "API_KEY", "--yes"}
		}, 1, []string{"index.toml.lock is a symbolic link"}},
		{"lock: held by another process", func(e *env) []string {
			write(filepath.Join(e.store, "config.toml"), "lock_timeout = \"1s\"\n")
			f, err := os.OpenFile(e.index+".lock", os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				e.t.Fatal(err)
			}
			if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
				e.t.Fatal(err)
			}
			e.t.Cleanup(func() { f.Close() })
			return []string{"secrets", "update", "API_KEY", "--description", "x"}
		}, 1, []string{"the index is in use by process " + strconv.Itoa(os.Getpid()), "held for the whole 1s", "hint: another keyward"}},
		{"config.toml: nested too deep", func(e *env) []string {
			write(filepath.Join(e.store, "config.toml"), "x = "+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+"\n")
			return []string{"doctor"}
		}, 1, []string{"stdout:PROBLEM  config.toml:1: nested too deep (limit 64); using the defaults"}},
		{"config.toml: a FIFO", func(e *env) []string {
			mkfifo(filepath.Join(e.store, "config.toml"))
			return []string{"doctor"}
		}, 1, []string{"stdout:PROBLEM  config.toml: not a regular file (a FIFO); using the defaults"}},
		{"config.toml: three bad settings", func(e *env) []string {
			write(filepath.Join(e.store, "config.toml"), "reveal_timeout = 3\nbackend = \"cloud\"\nlock_timeout = \"never\"\n")
			return []string{"doctor"}
		}, 1, []string{"stdout:PROBLEM  config.toml:1: reveal_timeout", "stdout:PROBLEM  config.toml:2: backend", "stdout:PROBLEM  config.toml:3: lock_timeout"}},
		{"index folder writable by all", func(e *env) []string {
			os.Chmod(e.store, 0o777)
			return []string{"doctor"}
		}, 1, []string{"keyward: warning: the index folder", "is writable by every user (mode 0777)", "stdout:PROBLEM  the index folder"}},
		{"index writable by its group", func(e *env) []string {
			os.Chmod(e.index, 0o660)
			return []string{"secrets", "list"}
		}, 0, []string{"keyward: warning: the index " + "", "is writable by its group (mode 0660)", "stdout:API_KEY"}},
		{"task: 80 KB of nested brackets", func(e *env) []string {
			write(filepath.Join(e.tasks, "ci.yaml"), deepYAML)
			write(filepath.Join(e.tasks, "good.yaml"), goodTask)
			return []string{"preview", "tasks"}
		}, 1, []string{"tasks/ci.yaml:3:1: nested too deep (limit 64)", "1 file could not be previewed", "stdout:tasks/good.yaml"}},
		{"task: over 512 KiB of steps", func(e *env) []string {
			write(filepath.Join(e.tasks, "big.yaml"), "main:\n"+strings.Repeat("- evaluate:\n    x: $ steps[0].output\n", 15000))
			write(filepath.Join(e.tasks, "good.yaml"), goodTask)
			return []string{"preview", "tasks"}
		}, 1, []string{"tasks/big.yaml: too large (555006 bytes, limit 512 KiB)", "stdout:tasks/good.yaml"}},
		{"task: a FIFO named on the command line", func(e *env) []string {
			os.MkdirAll(e.tasks, 0o755)
			mkfifo(filepath.Join(e.tasks, "pipe.yaml"))
			return []string{"preview", "tasks/pipe.yaml"}
		}, 1, []string{"tasks/pipe.yaml: not a regular file"}},
		{"task: /dev/zero", func(e *env) []string {
			return []string{"preview", "/dev/zero"}
		}, 1, []string{"/dev/zero: not a regular file"}},
		{"task: Julep 3 TOML nested too deep", func(e *env) []string {
			write(filepath.Join(e.tasks, "julep.toml"), "x = "+strings.Repeat("{a=", 5000)+"1"+strings.Repeat("}", 5000)+"\n")
			return []string{"preview", "tasks"}
		}, 1, []string{"tasks/julep.toml:1:1: nested too deep (limit 64)"}},
		{"julep.yaml: nested too deep", func(e *env) []string {
			write(filepath.Join(e.tasks, "julep.yaml"), "secrets: "+strings.Repeat("[", 1000)+"\n")
			write(filepath.Join(e.tasks, "good.yaml"), goodTask)
			return []string{"preview", "tasks"}
		}, 0, []string{"stdout:julep.yaml:1: nested too deep (limit 64)"}},
		{"julep.yaml: a FIFO", func(e *env) []string {
			os.MkdirAll(e.tasks, 0o755)
			mkfifo(filepath.Join(e.tasks, "julep.yaml"))
			write(filepath.Join(e.tasks, "good.yaml"), goodTask)
			return []string{"preview", "tasks"}
		}, 0, []string{"stdout:tasks/good.yaml"}},
		{"julep.yaml: planted in a world-writable folder above", func(e *env) []string {
			shared := filepath.Join(e.home, "shared")
			os.MkdirAll(filepath.Join(shared, "proj"), 0o755)
			os.Chmod(shared, 0o1777)
			write(filepath.Join(shared, "julep.yaml"), "secrets: [PLANTED]\n")
			write(filepath.Join(shared, "proj", "t.yaml"), goodTask)
			return []string{"preview", "shared/proj"}
		}, 0, []string{"stdout:shared/proj/t.yaml", "!stdout:PLANTED"}},
	}
	base := func(home string) []string {
		return []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"), "KEYWARD_BACKEND=file",
			"KEYWARD_PASSPHRASE=hostile-test-pass", "KEYWARD_SCRYPT_WORK_FACTOR=10", "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	}
	run := func(t *testing.T, home string, extra []string, args ...string) (string, string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir, cmd.Env = home, append(base(home), extra...)
		var so, se strings.Builder
		cmd.Stdout, cmd.Stderr = &so, &se
		err := cmd.Run()
		if ctx.Err() != nil {
			t.Fatalf("keyward %s did not finish in 60s (a hang)", strings.Join(args, " "))
		}
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return so.String(), se.String(), code
	}
	// One store, copied for each case: the passphrase's scrypt is slow.
	template := t.TempDir()
	if _, se, code := run(t, template, nil, "init", "--backend", "file"); code != 0 {
		t.Fatalf("init: %d %s", code, se)
	}
	if _, se, code := run(t, template, nil, "secrets", "create", "--name", "API_KEY", "--value", "hostile-secret-value"); code != 0 {
		t.Fatalf("create: %d %s", code, se)
	}
	tried := 0
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tried++
			home := t.TempDir()
			if out, err := exec.Command("cp", "-a", template+"/.", home).CombinedOutput(); err != nil {
				t.Fatalf("cp: %v %s", err, out)
			}
			e := &env{t: t, home: home, store: filepath.Join(home, ".config", "keyward"), tasks: filepath.Join(home, "tasks")}
			e.index = filepath.Join(e.store, "index.toml")
			args := tt.setup(e)
			before := hashTree(t, e.store)
			stdout, stderr, code := run(t, home, e.extra, args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.code, stderr)
			}
			for _, w := range tt.want {
				where, text, what := stderr, w, "stderr"
				if s, ok := strings.CutPrefix(w, "stdout:"); ok {
					where, text, what = stdout, s, "stdout"
				}
				if s, ok := strings.CutPrefix(w, "!stdout:"); ok {
					if strings.Contains(stdout, s) {
						t.Errorf("stdout has %q:\n%s", s, stdout)
					}
					continue
				}
				if !strings.Contains(where, text) {
					t.Errorf("%s lacks %q:\nstdout: %s\nstderr: %s", what, text, stdout, stderr)
				}
			}
			if strings.Contains(stdout+stderr, "hostile-secret-value") || strings.Contains(stdout+stderr, "goroutine ") {
				t.Errorf("a value or a stack trace in the output:\n%s\n%s", stdout, stderr)
			}
			if after := hashTree(t, e.store); after != before {
				t.Errorf("the store changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	t.Logf("%d hostile inputs tried", tried)
}

// hashTree hashes every regular file under dir (by name and content; the
// lock file and the config are the test's own, and the index cache is made
// from the index by any read), and lists the rest by type, so any change
// to the store shows.
func hashTree(t *testing.T, dir string) string {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "index.toml.lock" || rel == "config.toml" || rel == "index.toml.cache" {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		b.WriteString(rel + " " + fi.Mode().Type().String())
		if fi.Mode().IsRegular() && fi.Size() < 1<<20 {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			b.WriteString(" " + hex.EncodeToString(sum[:8]))
		} else if fi.Mode().IsRegular() {
			b.WriteString(" size " + strconv.FormatInt(fi.Size(), 10))
		}
		b.WriteString("; ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
