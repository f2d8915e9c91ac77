package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/keyward/keyward/julep/juleptest"
)

// startJulep starts a stand-in Julep v1 and Julep 3 server for one script,
// on loopback, and hands their URLs and the key they accept to it as
// JULEP_V1_URL, JULEP_V3_URL and JULEP_TEST_KEY. The script picks one by
// setting JULEP_BASE_URL or JULEP_API_URL itself.
func startJulep(env *testscript.Env) {
	v1, v3 := juleptest.NewV1Server(), juleptest.NewV3Server()
	env.Defer(v1.Close)
	env.Defer(v3.Close)
	env.Values["julep-v1"], env.Values["julep-v3"] = v1, v3
	env.Setenv("JULEP_V1_URL", v1.URL)
	env.Setenv("JULEP_V3_URL", v3.URL)
	env.Setenv("JULEP_TEST_KEY", juleptest.DefaultKey)
}

// julepSrv looks at and steers a script's stand-in Julep server:
//
//	julepsrv v1|v3 value NAME         print the value the account holds (! for none)
//	julepsrv v1|v3 names              print the account's names, sorted
//	julepsrv v1 seed NAME VALUE [DESCRIPTION]
//	julepsrv v3 seed NAME VALUE
//	julepsrv v1 touch NAME VALUE      someone else writes NAME
//	julepsrv v1|v3 count METHOD PATH  print how many such requests came
//	julepsrv v1|v3 fault KIND [METHOD [PATH [TIMES [RETRY-AFTER]]]]
//	                                  KIND: 429 500 stall cutbefore cutafter
//	julepsrv v1 key KEY               accept only KEY from now on
//	julepsrv v1 authfail 401|403      how a bad key is turned away
func julepSrv(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: julepsrv v1|v3 VERB [ARGS...]")
	}
	srv := ts.Value("julep-" + args[0])
	if srv == nil {
		ts.Fatalf("julepsrv: no %s server", args[0])
	}
	v1, _ := srv.(*juleptest.V1)
	v3, _ := srv.(*juleptest.V3)
	verb, rest := args[1], args[2:]
	need := func(n int) {
		if len(rest) < n {
			ts.Fatalf("julepsrv %s: needs %d arguments", verb, n)
		}
	}
	if neg && verb != "value" {
		ts.Fatalf("julepsrv: only value can be negated")
	}
	switch verb {
	case "value":
		need(1)
		var v string
		var ok bool
		if v1 != nil {
			v, ok = v1.Value(rest[0])
		} else {
			v, ok = v3.Value(rest[0])
		}
		if ok == neg {
			ts.Fatalf("the account has %s: %v", rest[0], ok)
		}
		fmt.Fprintln(ts.Stdout(), v)
	case "names":
		var names []string
		if v1 != nil {
			names = v1.Names()
		} else {
			names = v3.Names()
		}
		slices.Sort(names)
		fmt.Fprint(ts.Stdout(), strings.Join(names, "\n")+"\n")
	case "seed":
		need(2)
		if v1 != nil {
			desc := ""
			if len(rest) > 2 {
				desc = rest[2]
			}
			v1.Seed(rest[0], rest[1], desc, nil)
		} else {
			v3.Seed(rest[0], rest[1])
		}
	case "touch":
		need(2)
		v1.Touch(rest[0], rest[1])
	case "count":
		need(2)
		var n int
		if v1 != nil {
			n = v1.Count(rest[0], rest[1])
		} else {
			n = v3.Count(rest[0], rest[1])
		}
		fmt.Fprintln(ts.Stdout(), n)
	case "fault":
		need(1)
		kinds := map[string]juleptest.FaultKind{"429": juleptest.Status429, "500": juleptest.Status500,
			"stall": juleptest.Stall, "cutbefore": juleptest.CutBefore, "cutafter": juleptest.CutAfter}
		k, ok := kinds[rest[0]]
		if !ok {
			ts.Fatalf("julepsrv fault: unknown kind %q", rest[0])
		}
		f := juleptest.Fault{Kind: k, Stall: 5 * time.Second}
		if len(rest) > 1 {
			f.Method = rest[1]
		}
		if len(rest) > 2 {
			f.Path = rest[2]
		}
		if len(rest) > 3 {
			n, err := strconv.Atoi(rest[3])
			ts.Check(err)
			f.Times = n
		}
		if len(rest) > 4 {
			f.RetryAfter = rest[4]
		}
		if v1 != nil {
			v1.Inject(f)
		} else {
			v3.Inject(f)
		}
	case "key":
		need(1)
		v1.SetKey(rest[0])
	case "authfail":
		need(1)
		if rest[0] == "401" {
			v1.SetAuthFailure(juleptest.Auth401Text)
		} else {
			v1.SetAuthFailure(juleptest.Auth403)
		}
	default:
		ts.Fatalf("julepsrv: unknown verb %q", verb)
	}
}

// planEq checks that the plan lines of stdout (the "plan for" line and the
// indented steps after it) are those of FILE: what a dry run printed is
// what the real push did.
//
//	planeq dry.txt
func planEq(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: planeq FILE")
	}
	plan := func(text string) []string {
		var out []string
		in := false
		for line := range strings.SplitSeq(text, "\n") {
			switch {
			case strings.HasPrefix(line, "plan for "):
				in = true
				out = append(out, line)
			case in && strings.HasPrefix(line, "  "):
				out = append(out, line)
			default:
				in = false
			}
		}
		return out
	}
	got, want := plan(ts.ReadFile("stdout")), plan(ts.ReadFile(args[0]))
	if len(want) == 0 {
		ts.Fatalf("%s holds no plan", args[0])
	}
	if !slices.Equal(got, want) {
		ts.Fatalf("the plan differs:\n%s\nwant (from %s):\n%s", strings.Join(got, "\n"), args[0], strings.Join(want, "\n"))
	}
}
