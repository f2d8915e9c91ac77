package julep_test

import (
	"context"
	"fmt"
	"time"

	"github.com/keyward/keyward/julep"
	"github.com/keyward/keyward/julep/juleptest"
	"github.com/keyward/keyward/model"
)

// A push: compare the store with the account, plan, write each value
// (read from the store at that moment), record what was pushed.
func Example() {
	srv := juleptest.NewV1Server()
	defer srv.Close()
	srv.Seed("BRAVE_API_KEY", "someone-elses", "made in the dashboard", nil)

	settings, err := julep.Resolve(julep.Inputs{
		Flags: julep.Flags{Environment: srv.URL},
		LookupEnv: func(k string) (string, bool) {
			return map[string]string{"JULEP_API_KEY": juleptest.DefaultKey}[k], k == "JULEP_API_KEY"
		},
	})
	if err != nil {
		panic(err)
	}
	remote, err := settings.Remote(julep.Options{})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	local := map[string]model.Secret{
		"OPENAI_API_KEY": {Name: "OPENAI_API_KEY", Version: 1, Description: "OpenAI"},
		"BRAVE_API_KEY":  {Name: "BRAVE_API_KEY", Version: 1},
	}
	values := map[string]string{"OPENAI_API_KEY": "sk-...", "BRAVE_API_KEY": "brv-..."}

	list, err := remote.List(ctx)
	if err != nil {
		panic(err)
	}
	rep := julep.Compare(remote, []model.Secret{local["OPENAI_API_KEY"], local["BRAVE_API_KEY"]}, list)
	plan := julep.PlanPush(rep, julep.PushOptions{})
	for _, a := range plan.Actions {
		fmt.Println(a.Kind, a.Name+":", a.Reason)
		if a.Kind != julep.Create {
			continue
		}
		rec := local[a.Name]
		local[a.Name] = rec.WithSync(julep.PendingState(remote, rec, "", now))
		resp, err := remote.Create(ctx, julep.WriteFor(rec, values[a.Name]))
		if err != nil {
			panic(err)
		}
		local[a.Name] = local[a.Name].WithSync(julep.StateAfterPush(remote, rec, resp, now))
	}
	v, _ := srv.Value("OPENAI_API_KEY")
	fmt.Println("landed:", v)
	// Output:
	// create OPENAI_API_KEY: not in the account
	// skip BRAVE_API_KEY: never synced: on both sides, but keyward has no record of pushing it there
	// landed: sk-...
}

func ExampleValidateV3Name() {
	fmt.Println(julep.ValidateV3Name("OPENAI_API_KEY"))
	fmt.Println(julep.ValidateV3Name("openai_api_key"))
	// Output:
	// name "OPENAI_API_KEY" is not valid on Julep 3: it must match ^[a-z0-9][a-z0-9_-]{0,63}$; rename it, e.g. `keyward secrets update OPENAI_API_KEY --rename openai_api_key`
	// <nil>
}

func ExampleKeyExpiryWarning() {
	// An unsigned JWT whose exp is 2026-06-03 23:00 UTC.
	key := "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3ODA1Mjc2MDB9.c2ln"
	msg, warn := julep.KeyExpiryWarning(key, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(warn, msg)
	// Output:
	// true the API key expires in 2 days (2026-06-03)
}
