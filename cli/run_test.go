package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The programs below run as the children of 'keyward run' in the scripts
// (testscript puts them on PATH); they never print a value unless asked to
// print its forms.

// printForms prints the value of each variable named in its arguments in
// every form the masker promises to catch, computed here with the standard
// library, on stdout and stderr, a few bytes per write.
//
//	printforms VAR...
func printForms() int {
	for _, name := range os.Args[1:] {
		v := os.Getenv(name)
		for _, f := range valueForms(v) {
			for _, w := range []*os.File{os.Stdout, os.Stderr} {
				line := []byte(name + ": " + f + "\n")
				for len(line) > 0 {
					n := min(3, len(line))
					w.Write(line[:n])
					line = line[n:]
				}
			}
		}
	}
	return 0
}

// valueForms are the forms of v that must never reach masked output.
func valueForms(v string) []string {
	b := []byte(v)
	wrapped := base64.StdEncoding.EncodeToString([]byte(v + "\n")) // as base64(1) prints it, at 76 columns
	var w strings.Builder
	for len(wrapped) > 76 {
		w.WriteString(wrapped[:76] + "\n")
		wrapped = wrapped[76:]
	}
	w.WriteString(wrapped)
	return []string{
		v,
		base64.StdEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b),
		base64.RawURLEncoding.EncodeToString(b),
		w.String(),
		url.QueryEscape(v),
		lowerEscapes(url.QueryEscape(v)),
		url.PathEscape(v),
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
	}
}

// lowerEscapes writes the %XX escapes in s with lower-case hex.
func lowerEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			copy(b[i+1:i+3], strings.ToLower(string(b[i+1:i+3])))
		}
	}
	return string(b)
}

// envCheck says, for each VAR=FILE argument, whether the variable holds
// exactly the file's content (less one final newline), and for each bare VAR whether it is set.
//
//	envcheck API_TOKEN=value.txt JULEP_API_KEY
func envCheck() int {
	for _, arg := range os.Args[1:] {
		name, file, hasFile := strings.Cut(arg, "=")
		v, set := os.LookupEnv(name)
		switch {
		case !set:
			fmt.Printf("%s unset\n", name)
		case !hasFile:
			fmt.Printf("%s set\n", name)
		default:
			want, err := os.ReadFile(file)
			if err != nil {
				fmt.Printf("%s: %v\n", name, err)
				return 1
			}
			if v == strings.TrimSuffix(string(want), "\n") { // as create --value-stdin stores it
				fmt.Printf("%s ok\n", name)
			} else {
				fmt.Printf("%s differs\n", name)
			}
		}
	}
	return 0
}

// sigChild writes its pid to FILE once its signal handler is in place, then
// waits for TERM, HUP or INT, says which came and exits 3. It gives up
// after 20 seconds, so a failed test leaves nothing running.
//
//	sigchild FILE
func sigChild() int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
	file := os.Args[1]
	if err := os.WriteFile(file+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return 1
	}
	if err := os.Rename(file+".tmp", file); err != nil {
		return 1
	}
	select {
	case sig := <-sigs:
		fmt.Printf("got %v\n", sig)
		return 3
	case <-time.After(20 * time.Second):
		fmt.Println("no signal came")
		return 99
	}
}

// sigRun starts a command (in a session of its own, so no terminal sends
// it signals), waits for READY to appear, sends it SIGNAL, and checks its
// exit code; its stdout becomes the script's stdout. With KILL it checks
// that the process whose pid READY holds is gone too: no orphans.
//
//	sigrun TERM 3 ready keyward run --only A -- sigchild ready
func sigRun(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: sigrun SIGNAL CODE READY COMMAND [ARG...]")
	}
	sig, ok := map[string]syscall.Signal{"TERM": syscall.SIGTERM, "HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "KILL": syscall.SIGKILL}[args[0]]
	if !ok {
		ts.Fatalf("sigrun: unknown signal %s", args[0])
	}
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("sigrun: bad code %q", args[1])
	}
	ready := ts.MkAbs(args[2])
	path, err := exec.LookPath(args[3])
	if err != nil {
		// testscript's PATH, not ours, holds keyward.
		for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
			if p := filepath.Join(dir, args[3]); fileExists(p) {
				path, err = p, nil
				break
			}
		}
		if err != nil {
			ts.Fatalf("sigrun: %v", err)
		}
	}
	cmd := exec.Command(path, args[4:]...)
	cmd.Dir = ts.MkAbs(".")
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "KEYWARD_SERVICE", "KEYWARD_INDEX", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		ts.Fatalf("sigrun: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var pid int
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(ready); err == nil {
			pid, _ = strconv.Atoi(string(b))
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("sigrun: %s never appeared; stderr:\n%s", args[2], stderr.String())
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		ts.Fatalf("sigrun: %v", err)
	}
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		ts.Fatalf("sigrun: %v", err)
	}
	ts.Stdout().Write(stdout.Bytes())
	ts.Stderr().Write(stderr.Bytes())
	if code != want {
		ts.Fatalf("sigrun: exit code %d, want %d; stderr:\n%s", code, want, stderr.String())
	}
	if sig == syscall.SIGKILL {
		for deadline := time.Now().Add(5 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				ts.Fatalf("sigrun: the command (pid %d) outlived keyward", pid)
			}
		}
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// alive reports whether pid runs (a zombie waiting for its reaper does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

// noUnmasked fails if the named output (stdout or stderr) holds the
// content of FILE in any form printforms prints (line breaks ignored, as
// base64(1) wraps), and checks that it names the secret instead.
//
//	nounmasked stdout value.txt API_TOKEN
func noUnmasked(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: nounmasked stdout|stderr FILE NAME")
	}
	out := ts.ReadFile(args[0])
	flat := strings.NewReplacer("\n", "", "\r", "").Replace(out)
	v := strings.TrimSuffix(ts.ReadFile(args[1]), "\n") // as create --value-stdin stores it
	for i, f := range valueForms(v) {
		f = strings.ReplaceAll(f, "\n", "")
		if strings.Contains(flat, f) {
			ts.Fatalf("%s holds form %d of the value unmasked", args[0], i)
		}
	}
	if n := strings.Count(out, "<keyward:"+args[2]+">"); n < len(valueForms(v)) {
		ts.Fatalf("%s names <keyward:%s> %d times, want at least %d", args[0], args[2], n, len(valueForms(v)))
	}
}

// cmpValue checks that stdout is exactly the value create --value-stdin
// stored from FILE: the file less its one trailing newline when it holds a
// single line, else the whole file.
//
//	cmpvalue stdout value.txt
func cmpValue(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmpvalue stdout|stderr FILE")
	}
	want := trimSingleLine([]byte(ts.ReadFile(args[1])))
	if got := ts.ReadFile(args[0]); got != want {
		ts.Fatalf("%s = %q, want %q", args[0], got, want)
	}
}
