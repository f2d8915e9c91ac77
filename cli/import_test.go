package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

// envLines returns n .env lines NAME_i=value-i, from NAME_0.
func envLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "NAME_%03d=value-%03d\n", i, i)
	}
	return b.String()
}

func TestImportProgressOnlyOnATerminal(t *testing.T) {
	for _, tty := range []bool{false, true} {
		a, m, out, errb := testApp(&fakeTerminal{stderrTTY: tty})
		a.stdin = strings.NewReader(envLines(progressMin + 10))
		m.Put(model.Secret{Name: "NAME_005", Version: 1}, "kept")
		if code := a.run([]string{"secrets", "import", "-", "--format", "env"}); code != exitOK {
			t.Fatalf("tty=%v: exit %d: %s", tty, code, errb)
		}
		if want := fmt.Sprintf("imported stdin: %d created, 1 skipped, 0 overwritten, 0 unchanged\n", progressMin+9); out.String() != want {
			t.Errorf("tty=%v: stdout %q, want %q", tty, out, want)
		}
		total := fmt.Sprintf("importing %d/%d", progressMin+10, progressMin+10)
		if got := strings.Contains(errb.String(), total); got != tty {
			t.Errorf("tty=%v: progress shown = %v: %q", tty, got, errb)
		}
		if tty {
			// The line is cleared before the note that follows it.
			if !strings.Contains(errb.String(), total+"\r\x1b[Knote: skipped") {
				t.Errorf("progress not cleared before the note: %q", errb)
			}
			if strings.Contains(errb.String(), "value-") {
				t.Errorf("a value reached stderr: %q", errb)
			}
		}
	}
}

// TestImportStopsPartWay: a keyring failure in the middle of a batch stops
// the import with the counts so far, prints (with --json) the records
// created before it, and keeps them; nothing after it is created.
func TestImportStopsPartWay(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		a, m, out, errb := testApp(&fakeTerminal{})
		a.stdin = strings.NewReader(envLines(120))
		m.Put(model.Secret{Name: "NAME_003", Version: 1}, "kept")
		m.SetHook(func(op, user string) error {
			if op == "set" && user == "NAME_070" {
				return keyring.ErrTimeout
			}
			return nil
		})
		args := []string{"secrets", "import", "-", "--format", "env"}
		if asJSON {
			args = append(args, "--json")
		}
		if code := a.run(args); code != exitFailed {
			t.Fatalf("json=%v: exit %d, want %d", asJSON, code, exitFailed)
		}
		want := "keyward: import stopped at NAME_070 (69 created, 1 skipped, 0 overwritten, 0 unchanged so far): store NAME_070: set NAME_070: " + keyring.ErrTimeout.Error()
		if !strings.HasPrefix(errb.String(), want) {
			t.Errorf("json=%v: stderr %q, want it to start %q", asJSON, errb, want)
		}
		if asJSON {
			var recs []map[string]any
			if err := json.Unmarshal(out.Bytes(), &recs); err != nil || len(recs) != 69 || recs[0]["name"] != "NAME_000" || recs[68]["name"] != "NAME_069" {
				t.Errorf("--json printed %d records (%v): %.200s", len(recs), err, out)
			}
		} else if out.Len() != 0 {
			t.Errorf("stdout %q, want nothing", out)
		}
		m.SetHook(nil)
		list, _ := m.List(t.Context())
		if len(list) != 70 {
			t.Errorf("json=%v: the index holds %d records, want 70 (69 and NAME_003)", asJSON, len(list))
		}
		for _, name := range []string{"NAME_070", "NAME_071", "NAME_119"} {
			if _, err := m.Get(t.Context(), name); err == nil {
				t.Errorf("json=%v: %s was created after the import stopped", asJSON, name)
			}
		}
	}
}

// TestImportKeepsFileOrder: new secrets are created in runs between
// rotations, and --json lists every record in the file's order, as one
// Create or Rotate per line did.
func TestImportKeepsFileOrder(t *testing.T) {
	a, m, out, errb := testApp(&fakeTerminal{})
	var in strings.Builder
	var want []string
	for i := range 30 {
		m.Put(model.Secret{Name: fmt.Sprintf("OLD_%02d", i), Version: 1}, "old-value")
		fmt.Fprintf(&in, "NEW_%02d=new-%02d\nOLD_%02d=again-%02d\n", i, i, i, i)
		want = append(want, fmt.Sprintf("NEW_%02d", i), fmt.Sprintf("OLD_%02d", i))
	}
	a.stdin = strings.NewReader(in.String())
	if code := a.run([]string{"secrets", "import", "-", "--format", "env", "--overwrite", "--json"}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var recs []struct {
		Name    string `json:"name"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(out.Bytes(), &recs); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Name)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("--json order %v, want %v", got, want)
	}
	if !strings.Contains(errb.String(), "imported stdin: 30 created, 0 skipped, 30 overwritten, 0 unchanged") {
		t.Errorf("stderr %q", errb)
	}
	list, _ := m.List(t.Context())
	var order []string
	for _, r := range list {
		if strings.HasPrefix(r.Name, "NEW_") {
			order = append(order, r.Name)
		}
	}
	if len(order) != 30 || order[0] != "NEW_00" || order[29] != "NEW_29" {
		t.Errorf("index order of the new secrets: %v", order)
	}
}
