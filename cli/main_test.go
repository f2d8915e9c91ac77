package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/keyring/keyringtest"
)

// TestMain lets the scripts run this test binary as the keyward command, so
// they drive the real program: flags, stdin, exit codes and all. testkit.M
// removes the keyward binary the tests built.
func TestMain(m *testing.M) {
	testscript.Main(testkit.M{M: m}, map[string]func(){
		"keyward":    func() { os.Exit(newApp().run(os.Args[1:])) },
		"printforms": func() { os.Exit(printForms()) },
		"envcheck":   func() { os.Exit(envCheck()) },
		"sigchild":   func() { os.Exit(sigChild()) },
	})
}

// scripts returns the scripts in testdata/script whose name starts with
// prefix ("demo", "file"), or with neither when prefix is "".
func scripts(t *testing.T, prefix string) []string {
	files, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		base := filepath.Base(f)
		kind := ""
		for _, p := range []string{"demo", "file"} {
			if strings.HasPrefix(base, p) {
				kind = p
			}
		}
		if kind == prefix {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no scripts found (prefix %q)", prefix)
	}
	return out
}

// TestScript runs the command-line scripts against the real OS keyring.
// Each script gets its own keyring service and index file, and whatever it
// leaves in the keyring is deleted afterwards.
func TestScript(t *testing.T) {
	keyringtest.RequireSecretService(t)
	testscript.Run(t, testscript.Params{
		Files: scripts(t, ""),
		Setup: func(env *testscript.Env) error {
			fileStoreEnv(env)
			service := fmt.Sprintf("keyward-test-%d-%s", os.Getpid(), filepath.Base(env.WorkDir))
			index := filepath.Join(env.WorkDir, "index.toml")
			env.Setenv("KEYWARD_SERVICE", service)
			env.Setenv("KEYWARD_INDEX", index)
			passSessionEnv(env)
			env.Defer(func() { cleanKeyring(env.T(), service, index) })
			startJulep(env)
			return nil
		},
		Cmds:                commands,
		RequireExplicitExec: true,
	})
}

// TestDemoScript runs the --demo scripts, which need no keyring at all: no
// D-Bus address is passed to them.
func TestDemoScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Files:               scripts(t, "demo"),
		Cmds:                commands,
		RequireExplicitExec: true,
	})
}

// TestFileScript runs the file backend's scripts, which need no Secret
// Service: no D-Bus address is passed to them either. Each script runs in a
// new kernel session keyring of its own (keyringtest.JoinKeySession: the
// script's goroutine keeps its thread, and the programs it runs inherit the
// session), so the unlock cache never reaches the developer's session;
// where there is none, the cache is off and [keysession] is false.
func TestFileScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Files: scripts(t, "file"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("KEYWARD_INDEX", filepath.Join(env.WorkDir, "index.toml"))
			if err := keyringtest.JoinKeySession(); err != nil {
				fileStoreEnv(env)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "keysession" {
				return keyringtest.InKeySession(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds:                commands,
		RequireExplicitExec: true,
	})
}

// fileStoreEnv keeps the file backend's unlock out of the kernel session
// keyring, which would be the session of the developer running the tests,
// and makes the file stores the scripts set up quick to unlock.
func fileStoreEnv(env *testscript.Env) {
	env.Setenv("KEYWARD_UNLOCK_CACHE", "off")
	// A file store made here unlocks in milliseconds, not a second (which
	// is many under -race): what the scripts test is not scrypt's cost.
	env.Setenv("KEYWARD_SCRYPT_WORK_FACTOR", "10")
}

// passSessionEnv hands the D-Bus session (where the Secret Service answers)
// to the scripts; testscript starts them with an almost empty environment.
func passSessionEnv(env *testscript.Env) {
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v := os.Getenv(k); v != "" {
			env.Setenv(k, v)
		}
	}
}

// cleanKeyring deletes every secret the index still names, so test runs
// leave nothing behind in the keyring.
func cleanKeyring(t testscript.T, service, index string) {
	if _, err := os.Stat(index); err != nil {
		return
	}
	st, err := keyring.NewOSStore(keyring.OSOptions{IndexPath: index, Service: service, Timeout: 10 * time.Second})
	if err != nil {
		t.Log("cleanup:", err)
		return
	}
	ctx := context.Background()
	list, err := st.List(ctx)
	if err != nil {
		t.Log("cleanup:", err)
		return
	}
	for _, s := range list {
		if err := st.Delete(ctx, s.Name); err != nil {
			t.Log("cleanup:", err)
		}
	}
}

var commands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"julepsrv":   julepSrv,
	"planeq":     planEq,
	"exits":      exits,
	"jsonkeys":   jsonKeys,
	"jsonget":    jsonGet,
	"sigrun":     sigRun,
	"nounmasked": noUnmasked,
	"cmpvalue":   cmpValue,
}

// exits runs a command and checks its exit code, which plain "! exec"
// cannot: keyward's codes (1 failed, 2 usage) are part of its contract.
//
//	exits 2 keyward secrets create --name 1BAD
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	code := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		code = ee.ExitCode()
	}
	if code != want {
		ts.Fatalf("exit code %d, want %d", code, want)
	}
}

// jsonKeys checks that stdout is JSON (an object or an array of objects)
// whose every object has exactly the given keys.
//
//	jsonkeys name description ...
func jsonKeys(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! jsonkeys")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &v); err != nil {
		ts.Fatalf("stdout is not JSON: %v", err)
	}
	objs, ok := v.([]any)
	if !ok {
		objs = []any{v}
	}
	if len(objs) == 0 {
		ts.Fatalf("stdout is an empty array")
	}
	want := slices.Sorted(slices.Values(args))
	for i, o := range objs {
		m, ok := o.(map[string]any)
		if !ok {
			ts.Fatalf("element %d is not an object", i)
		}
		var got []string
		for k := range m {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			ts.Fatalf("element %d has keys %v, want %v", i, got, want)
		}
	}
}

// jsonGet replaces stdout with the string at a field of the JSON object on
// stdout, byte for byte, so `cmp stdout file` can check it; with -q, as a
// Go-quoted string, so a regexp can check it exactly.
//
//	jsonget [-q] value
func jsonGet(ts *testscript.TestScript, neg bool, args []string) {
	quote := len(args) > 0 && args[0] == "-q"
	if quote {
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: jsonget [-q] FIELD")
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &m); err != nil {
		ts.Fatalf("stdout is not a JSON object: %v", err)
	}
	s, ok := m[args[0]].(string)
	if !ok {
		ts.Fatalf("field %q is %T, not a string", args[0], m[args[0]])
	}
	if quote {
		s = strconv.Quote(s) + "\n"
	}
	fmt.Fprint(ts.Stdout(), s)
}
