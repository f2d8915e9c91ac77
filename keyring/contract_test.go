package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/keyward/keyward/keyring/keyringtest"
	"github.com/keyward/keyward/model"
)

// clock is a settable clock for the stores under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// advance moves the clock on (with a sub-second part the stores must drop)
// and returns the new time truncated to the second, as stores record it.
func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t.UTC().Truncate(time.Second)
}

// contractEnv is one store under test and a way to look behind it.
type contractEnv struct {
	store Store
	clock *clock
	// raw reads a keyring user directly from the values backend.
	raw func(user string) (string, bool)
	// put writes a keyring user directly, behind the store's back.
	put func(user, value string)
	// reads counts keyring reads so far; nil when the store cannot.
	reads func() int
	// indexPath is the index file, or "" for a store without one.
	indexPath string
}

// runContract is the one test suite every Store must pass.
func runContract(t *testing.T, newEnv func(t *testing.T, c *clock) contractEnv) {
	ctx := context.Background()
	setup := func(t *testing.T) contractEnv {
		t.Helper()
		c := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 987654321, time.FixedZone("CEST", 2*3600))}
		return newEnv(t, c)
	}
	mustCreate := func(t *testing.T, e contractEnv, s model.Secret, value string) model.Secret {
		t.Helper()
		got, err := e.store.Create(ctx, s, value)
		if err != nil {
			t.Fatalf("Create(%s): %v", s.Name, err)
		}
		return got
	}
	wantValue := func(t *testing.T, e contractEnv, name, want string) {
		t.Helper()
		got, err := e.store.Value(ctx, name)
		if err != nil {
			t.Fatalf("Value(%s): %v", name, err)
		}
		if got != want {
			t.Errorf("Value(%s) = %q, want %q", name, clip(got), clip(want))
		}
	}
	wantRaw := func(t *testing.T, e contractEnv, user string, want string, present bool) {
		t.Helper()
		got, ok := e.raw(user)
		if ok != present || got != want {
			t.Errorf("keyring user %s = %q (present %v), want %q (present %v)", user, clip(got), ok, clip(want), present)
		}
	}

	// wantPrevious checks the raw previous value of name, under the
	// keyring user its record says (valueUsers: a rotation swaps them).
	wantPrevious := func(t *testing.T, e contractEnv, name string, want string, present bool) {
		t.Helper()
		rec, err := e.store.Get(ctx, name)
		if err != nil {
			t.Fatalf("Get(%s): %v", name, err)
		}
		_, prev := valueUsers(&rec)
		wantRaw(t, e, prev, want, present)
	}

	t.Run("CreateGetList", func(t *testing.T) {
		e := setup(t)
		now := e.clock.advance(0)
		in := model.Secret{
			Name: "OPENAI_API_KEY", Description: "prod agents",
			Metadata:    map[string]string{"env": "prod", "url": "https://x/?a=b=c", "team name": "ML ✓"},
			RotateEvery: model.Duration(90 * model.Day),
			// Fields the store sets itself; whatever the caller says.
			Version: 9, CreatedAt: t0, RotatedAt: t0,
		}
		got := mustCreate(t, e, in, "sk-demo-0123456789abcdef")
		want := in.Clone()
		want.Version, want.CreatedAt, want.UpdatedAt, want.RotatedAt = 1, now, now, time.Time{}
		if !sameSecret(got, want) {
			t.Errorf("Create returned\n%#v\nwant\n%#v", got, want)
		}
		if g, err := e.store.Get(ctx, in.Name); err != nil || !sameSecret(g, want) {
			t.Errorf("Get = %#v, %v; want %#v", g, err, want)
		}
		mustCreate(t, e, model.Secret{Name: "B"}, "b-value")
		mustCreate(t, e, model.Secret{Name: "A"}, "a-value")
		list, err := e.store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if names := secretNames(list); !slices.Equal(names, []string{"OPENAI_API_KEY", "B", "A"}) {
			t.Errorf("List names = %v, want index (creation) order", names)
		}
		wantValue(t, e, in.Name, "sk-demo-0123456789abcdef")
		if has, err := e.store.HasPrevious(ctx, in.Name); has || err != nil {
			t.Errorf("HasPrevious after Create = %v, %v; want false", has, err)
		}
		wantRaw(t, e, in.Name, "sk-demo-0123456789abcdef", true)
		wantRaw(t, e, PreviousUser(in.Name), "", false)
	})

	t.Run("CreateValidation", func(t *testing.T) {
		e := setup(t)
		for _, tc := range []struct {
			name  string
			sec   model.Secret
			value string
		}{
			{"empty name", model.Secret{Name: ""}, "value-1234"},
			{"name with a dash", model.Secret{Name: "MY-KEY"}, "value-1234"},
			{"name starting with a digit", model.Secret{Name: "1KEY"}, "value-1234"},
			{"name too long", model.Secret{Name: "A" + strings.Repeat("b", model.MaxNameLen)}, "value-1234"},
			{"empty value", model.Secret{Name: "EMPTY"}, ""},
			{"value over 64 KiB", model.Secret{Name: "HUGE"}, strings.Repeat("x", model.MaxValueLen+1)},
			{"metadata key with =", model.Secret{Name: "M", Metadata: map[string]string{"a=b": "c"}}, "value-1234"},
			{"metadata value with newline", model.Secret{Name: "M", Metadata: map[string]string{"a": "b\nc"}}, "value-1234"},
			{"description with escape", model.Secret{Name: "D", Description: "a\x1b[31m"}, "value-1234"},
		} {
			_, err := e.store.Create(ctx, tc.sec, tc.value)
			var ve *model.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("%s: Create = %v, want a *model.ValidationError", tc.name, err)
			}
			if err != nil && tc.value != "" && strings.Contains(err.Error(), tc.value) {
				t.Errorf("%s: error %q contains the value", tc.name, err)
			}
			if _, ok := e.raw(tc.sec.Name); ok {
				t.Errorf("%s: a refused Create left a value in the keyring", tc.name)
			}
		}
		if list, _ := e.store.List(ctx); len(list) != 0 {
			t.Errorf("refused Creates left %v in the index", secretNames(list))
		}
	})

	t.Run("CreateExisting", func(t *testing.T) {
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "K"}, "original-value")
		_, err := e.store.Create(ctx, model.Secret{Name: "K"}, "intruder-value")
		if !errors.Is(err, ErrExists) {
			t.Errorf("second Create = %v, want ErrExists", err)
		}
		wantValue(t, e, "K", "original-value")
		// Names are case-sensitive: k is another secret.
		mustCreate(t, e, model.Secret{Name: "k"}, "lower-case-value")
		wantValue(t, e, "K", "original-value")
		wantValue(t, e, "k", "lower-case-value")
	})

	t.Run("CreateAll", func(t *testing.T) {
		e := setup(t)
		defer func(n int) { batchMax = n }(batchMax)
		batchMax = 2 // three batches for five secrets
		now := e.clock.advance(0)
		mustCreate(t, e, model.Secret{Name: "EXISTING"}, "existing-value")
		e.put(PreviousUser("B"), "stale-previous-value")
		var in []NewSecret
		for _, n := range []string{"A", "B", "C", "D", "E"} {
			in = append(in, NewSecret{model.Secret{Name: n, Description: "d " + n, Metadata: map[string]string{"k": n}}, "value-of-" + n})
		}
		var progress []int
		got, err := e.store.CreateAll(ctx, in, func(done int) { progress = append(progress, done) })
		if err != nil {
			t.Fatalf("CreateAll: %v", err)
		}
		if !slices.Equal(progress, []int{1, 2, 3, 4, 5}) {
			t.Errorf("progress %v, want 1 to 5", progress)
		}
		for i, n := range in {
			want := n.Secret.Clone()
			want.Version, want.CreatedAt, want.UpdatedAt = 1, now, now
			if i >= len(got) || !sameSecret(got[i], want) {
				t.Errorf("CreateAll returned %v; want %#v at %d", got, want, i)
			}
			wantValue(t, e, n.Secret.Name, n.Value)
		}
		if has, err := e.store.HasPrevious(ctx, "B"); has || err != nil {
			t.Errorf("HasPrevious of B created over a stale previous value = %v, %v; want false", has, err)
		}
		list, err := e.store.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if names := secretNames(list); !slices.Equal(names, []string{"EXISTING", "A", "B", "C", "D", "E"}) {
			t.Errorf("List names = %v, want the import's order after EXISTING", names)
		}

		// It stops at an existing name, at a name repeated in the import
		// and at an invalid secret, keeping what came before.
		for _, tc := range []struct {
			what string
			in   []string
			want error
		}{
			{"existing", []string{"F", "G", "EXISTING", "H"}, ErrExists},
			{"repeated", []string{"I", "J", "I", "P"}, ErrExists},
			{"invalid", []string{"K", "L", "M-N", "O"}, nil},
		} {
			var in []NewSecret
			for _, n := range tc.in {
				in = append(in, NewSecret{model.Secret{Name: n}, "value-of-" + n})
			}
			got, err := e.store.CreateAll(ctx, in, nil)
			var ve *model.ValidationError
			switch {
			case tc.want != nil && !errors.Is(err, tc.want), tc.want == nil && !errors.As(err, &ve):
				t.Errorf("%s: CreateAll = %v", tc.what, err)
			}
			stop := len(got)
			if stop != 2 {
				t.Errorf("%s: created %v, want the 2 before the one it stopped at", tc.what, secretNames(got))
			}
			for i, n := range in {
				_, gerr := e.store.Get(ctx, n.Secret.Name)
				switch {
				case i < stop:
					wantValue(t, e, n.Secret.Name, n.Value)
				case i > stop && n.Secret.Name != in[stop].Secret.Name:
					if gerr == nil {
						t.Errorf("%s: %s, after the one it stopped at, was created", tc.what, n.Secret.Name)
					}
					if _, ok := e.raw(n.Secret.Name); ok {
						t.Errorf("%s: %s, after the one it stopped at, has a value", tc.what, n.Secret.Name)
					}
				}
			}
		}
		wantValue(t, e, "EXISTING", "existing-value")
	})

	t.Run("NotFound", func(t *testing.T) {
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "OTHER"}, "other-value")
		desc := "x"
		calls := map[string]error{}
		_, calls["Get"] = e.store.Get(ctx, "MISSING")
		_, calls["Value"] = e.store.Value(ctx, "MISSING")
		_, calls["HasPrevious"] = e.store.HasPrevious(ctx, "MISSING")
		_, calls["Update"] = e.store.Update(ctx, "MISSING", model.Patch{Description: &desc})
		_, calls["Rename"] = e.store.Update(ctx, "MISSING", model.Patch{Rename: "NEW"})
		_, calls["Rotate"] = e.store.Rotate(ctx, "MISSING", "new-value")
		_, calls["Rollback"] = e.store.Rollback(ctx, "MISSING")
		calls["Delete"] = e.store.Delete(ctx, "MISSING")
		for op, err := range calls {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s(MISSING) = %v, want ErrNotFound", op, err)
			} else if !strings.Contains(err.Error(), "MISSING") {
				t.Errorf("%s(MISSING) error %q does not name the secret", op, err)
			}
		}
		if _, ok := e.raw("NEW"); ok {
			t.Error("renaming a missing secret wrote a value")
		}
	})

	t.Run("ByteExactValues", func(t *testing.T) {
		e := setup(t)
		for i, v := range exactValues() {
			name := "EXACT_" + string(rune('A'+i))
			mustCreate(t, e, model.Secret{Name: name}, v)
			wantValue(t, e, name, v)
			wantRaw(t, e, name, v, true)
		}
		// Through rotation and rollback too.
		mustCreate(t, e, model.Secret{Name: "ROT"}, "start-value")
		for _, v := range exactValues() {
			if _, err := e.store.Rotate(ctx, "ROT", v); err != nil {
				t.Fatalf("Rotate to %q: %v", clip(v), err)
			}
			wantValue(t, e, "ROT", v)
		}
		vals := exactValues()
		if _, err := e.store.Rollback(ctx, "ROT"); err != nil {
			t.Fatal(err)
		}
		wantValue(t, e, "ROT", vals[len(vals)-2])
	})

	t.Run("RotateRollback", func(t *testing.T) {
		e := setup(t)
		created := mustCreate(t, e, model.Secret{Name: "STRIPE_SECRET_KEY", Description: "d"}, "value-one-1234567")
		t1 := e.clock.advance(48 * time.Hour)
		s, err := e.store.Rotate(ctx, "STRIPE_SECRET_KEY", "value-two-1234567")
		if err != nil {
			t.Fatal(err)
		}
		if s.Version != 2 || !s.RotatedAt.Equal(t1) || !s.UpdatedAt.Equal(t1) || !s.CreatedAt.Equal(created.CreatedAt) || s.Description != "d" {
			t.Errorf("after Rotate: %#v; want version 2, rotated and updated at %v, created at %v", s, t1, created.CreatedAt)
		}
		if g, _ := e.store.Get(ctx, s.Name); !sameSecret(g, s) {
			t.Errorf("Get after Rotate = %#v, want %#v", g, s)
		}
		wantValue(t, e, s.Name, "value-two-1234567")
		wantPrevious(t, e, s.Name, "value-one-1234567", true)
		// One keyring write: the new value went over the previous one,
		// and the record says the two changed places.
		wantRaw(t, e, s.Name, "value-one-1234567", true)
		wantRaw(t, e, PreviousUser(s.Name), "value-two-1234567", true)
		if has, err := e.store.HasPrevious(ctx, s.Name); !has || err != nil {
			t.Errorf("HasPrevious after Rotate = %v, %v; want true", has, err)
		}
		// Every way of reading the record says where the values are: a
		// list (the TUI reads values of the records it lists) as well as
		// a lookup.
		list, err := e.store.List(ctx)
		if err != nil || len(list) != 1 || !list[0].SlotsSwapped {
			t.Fatalf("List after Rotate = %+v, %v; want the record with its slots swapped", list, err)
		}
		if rv, ok := e.store.(RecordValuer); ok {
			if v, err := rv.RecordValue(ctx, list[0]); err != nil || v != "value-two-1234567" {
				t.Errorf("RecordValue of the listed record = %q, %v; want the new value", clip(v), err)
			}
		}

		t2 := e.clock.advance(time.Hour)
		s, err = e.store.Rollback(ctx, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Version != 3 || !s.RotatedAt.Equal(t2) || !s.UpdatedAt.Equal(t2) {
			t.Errorf("after Rollback: %#v; want version 3, rotated at %v", s, t2)
		}
		wantValue(t, e, s.Name, "value-one-1234567")
		// The value rolled back from becomes the previous one, so a
		// rollback can itself be undone.
		wantPrevious(t, e, s.Name, "value-two-1234567", true)
		if s, err = e.store.Rollback(ctx, s.Name); err != nil || s.Version != 4 {
			t.Fatalf("second Rollback = %#v, %v; want version 4", s, err)
		}
		wantValue(t, e, s.Name, "value-two-1234567")

		if _, err := e.store.Rotate(ctx, s.Name, ""); err == nil {
			t.Error("Rotate to an empty value succeeded")
		}
		if _, err := e.store.Rotate(ctx, s.Name, strings.Repeat("v", model.MaxValueLen+1)); err == nil {
			t.Error("Rotate to a value over 64 KiB succeeded")
		}
		wantValue(t, e, s.Name, "value-two-1234567")
		if g, _ := e.store.Get(ctx, s.Name); g.Version != 4 {
			t.Errorf("refused Rotates changed the version to %d", g.Version)
		}
	})

	t.Run("RotateUnchanged", func(t *testing.T) {
		// issue 11, item 5: a rotation to the current value writes
		// nothing: the version and the real previous value stay.
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "SAME"}, "value-one-1234567")
		if _, err := e.store.Rotate(ctx, "SAME", "value-two-1234567"); err != nil {
			t.Fatal(err)
		}
		wantValue(t, e, "SAME", "value-two-1234567") // unlocks the file backend
		e.clock.advance(time.Hour)
		for _, rotate := range []func() (model.Secret, error){
			func() (model.Secret, error) { return e.store.Rotate(ctx, "SAME", "value-two-1234567") },
			func() (model.Secret, error) {
				return e.store.RotateGenerated(ctx, "SAME", "value-two-1234567", &model.GenSpec{Length: 17})
			},
		} {
			got, err := rotate()
			if !errors.Is(err, ErrUnchanged) {
				t.Fatalf("Rotate to the current value: %v, want ErrUnchanged", err)
			}
			if strings.Contains(err.Error(), "value-two") {
				t.Errorf("the error shows the value: %v", err)
			}
			if got.Name != "SAME" || got.Version != 2 {
				t.Errorf("Rotate to the current value returned %#v; want the record at version 2", got)
			}
		}
		if g, _ := e.store.Get(ctx, "SAME"); g.Version != 2 || g.Generated != nil {
			t.Errorf("after unchanged rotations: version %d, generated %+v; want 2, nil", g.Version, g.Generated)
		}
		wantValue(t, e, "SAME", "value-two-1234567")
		wantPrevious(t, e, "SAME", "value-one-1234567", true)
		// The previous value is not the current one: a rotation to it is
		// a change.
		if got, err := e.store.Rotate(ctx, "SAME", "value-one-1234567"); err != nil || got.Version != 3 {
			t.Errorf("Rotate to the previous value = version %d, %v; want 3", got.Version, err)
		}
	})

	t.Run("UpdateFromAStaleBase", func(t *testing.T) {
		// issue 11, item 15: an edit made from an older copy of the
		// record is compared, under the lock, with the record as it is.
		e := setup(t)
		opened := mustCreate(t, e, model.Secret{Name: "STALE", Description: "first", Metadata: map[string]string{"env": "prod"}}, "stale-value-123")
		theirs := "changed by another process"
		if _, err := e.store.Update(ctx, "STALE", model.Patch{Description: &theirs}); err != nil {
			t.Fatal(err)
		}
		mine := "my edit"
		_, err := e.store.Update(ctx, "STALE", model.Patch{Description: &mine, Base: &opened})
		var ce *model.ConflictError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), `description is now "changed by another process"`) {
			t.Fatalf("stale Update = %v, want a conflict naming the description", err)
		}
		if ce.Current.Description != theirs {
			t.Errorf("the conflict's Current = %+v", ce.Current)
		}
		if g, _ := e.store.Get(ctx, "STALE"); g.Description != theirs {
			t.Errorf("after the refused edit: description %q, want %q", g.Description, theirs)
		}
		// A stale rename is refused the same way.
		if _, err := e.store.Update(ctx, "STALE", model.Patch{Description: &mine, Rename: "STALE2", Base: &opened}); !errors.As(err, &ce) {
			t.Errorf("stale rename = %v, want a conflict", err)
		}
		if _, err := e.store.Get(ctx, "STALE2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the refused rename happened: %v", err)
		}
		// A field nobody else changed merges with theirs.
		got, err := e.store.Update(ctx, "STALE", model.Patch{SetMetadata: map[string]string{"env": "dev"}, Base: &opened})
		if err != nil || got.Description != theirs || got.Metadata["env"] != "dev" {
			t.Errorf("non-conflicting stale Update = %+v, %v; want both changes", got, err)
		}
	})

	t.Run("GeneratedSpec", func(t *testing.T) {
		e := setup(t)
		spec := &model.GenSpec{Length: 40, Symbols: true}
		want := func(step string, g *model.GenSpec) {
			t.Helper()
			got, err := e.store.Get(ctx, "G")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Generated, g) {
				t.Errorf("after %s: Generated = %+v, want %+v", step, got.Generated, g)
			}
		}
		mustCreate(t, e, model.Secret{Name: "G", Generated: spec}, "generated-value-1")
		spec.Length = 99 // the store keeps its own copy
		want("Create", &model.GenSpec{Length: 40, Symbols: true})
		desc := "d"
		if _, err := e.store.Update(ctx, "G", model.Patch{Description: &desc}); err != nil {
			t.Fatal(err)
		}
		want("Update", &model.GenSpec{Length: 40, Symbols: true})
		if _, err := e.store.RotateGenerated(ctx, "G", "generated-value-2", &model.GenSpec{Length: 12}); err != nil {
			t.Fatal(err)
		}
		want("RotateGenerated", &model.GenSpec{Length: 12})
		if _, err := e.store.RotateGenerated(ctx, "G", "generated-value-3", &model.GenSpec{Length: 3}); err == nil {
			t.Error("RotateGenerated with length 3 succeeded")
		}
		if _, err := e.store.Rollback(ctx, "G"); err != nil {
			t.Fatal(err)
		}
		want("Rollback", &model.GenSpec{Length: 12})
		if _, err := e.store.Rotate(ctx, "G", "typed-by-hand"); err != nil {
			t.Fatal(err)
		}
		want("Rotate", nil)
		if _, err := e.store.Create(ctx, model.Secret{Name: "BAD", Generated: &model.GenSpec{Length: 7}}, "v"); err == nil {
			t.Error("Create with generate length 7 succeeded")
		}
	})

	t.Run("RollbackWithoutPrevious", func(t *testing.T) {
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "FRESH"}, "only-value-12345")
		_, err := e.store.Rollback(ctx, "FRESH")
		if !errors.Is(err, ErrNoPrevious) {
			t.Errorf("Rollback of a never-rotated secret = %v, want ErrNoPrevious", err)
		}
		if g, _ := e.store.Get(ctx, "FRESH"); g.Version != 1 || !g.RotatedAt.IsZero() {
			t.Errorf("failed Rollback changed the record: %#v", g)
		}
		wantValue(t, e, "FRESH", "only-value-12345")
	})

	t.Run("UpdateRecord", func(t *testing.T) {
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "K", Description: "old", Metadata: map[string]string{"env": "dev", "owner": "ml"}}, "unchanged-value")
		t1 := e.clock.advance(time.Hour)
		desc := "new\ndescription"
		every := model.Duration(12 * model.Week)
		s, err := e.store.Update(ctx, "K", model.Patch{
			Description: &desc, SetMetadata: map[string]string{"env": "prod", "k=": "ignored"},
		})
		var ve *model.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("Update with an invalid metadata key = %#v, %v; want a ValidationError", s, err)
		}
		s, err = e.store.Update(ctx, "K", model.Patch{
			Description: &desc, SetMetadata: map[string]string{"env": "prod", "tier": "1"},
			UnsetMetadata: []string{"owner"}, RotateEvery: &every,
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"env": "prod", "tier": "1"}
		if s.Description != desc || !mapsEqual(s.Metadata, want) || s.RotateEvery != every || s.Version != 1 ||
			!s.UpdatedAt.Equal(t1) || !s.RotatedAt.IsZero() {
			t.Errorf("Update = %#v; want new description, metadata %v, policy 12w, version 1, updated at %v", s, want, t1)
		}
		if g, _ := e.store.Get(ctx, "K"); !sameSecret(g, s) {
			t.Errorf("Get after Update = %#v, want %#v", g, s)
		}
		wantValue(t, e, "K", "unchanged-value")
		wantRaw(t, e, PreviousUser("K"), "", false)

		none := model.Duration(0)
		if s, err = e.store.Update(ctx, "K", model.Patch{RotateEvery: &none, UnsetMetadata: []string{"env", "tier"}}); err != nil {
			t.Fatal(err)
		}
		if s.RotateEvery != 0 || len(s.Metadata) != 0 {
			t.Errorf("removing the policy and all metadata left %#v", s)
		}
	})

	t.Run("Rename", func(t *testing.T) {
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "OLD_NAME", Description: "kept"}, "first-value-123456")
		if _, err := e.store.Rotate(ctx, "OLD_NAME", "second-value-123456"); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, e, model.Secret{Name: "TAKEN"}, "taken-value-123456")

		if _, err := e.store.Update(ctx, "OLD_NAME", model.Patch{Rename: "TAKEN"}); !errors.Is(err, ErrExists) {
			t.Errorf("rename onto an existing name = %v, want ErrExists", err)
		}
		var ve *model.ValidationError
		if _, err := e.store.Update(ctx, "OLD_NAME", model.Patch{Rename: "bad name"}); !errors.As(err, &ve) {
			t.Errorf("rename to an invalid name = %v, want a ValidationError", err)
		}
		wantValue(t, e, "TAKEN", "taken-value-123456")
		wantValue(t, e, "OLD_NAME", "second-value-123456")

		t1 := e.clock.advance(time.Minute)
		s, err := e.store.Update(ctx, "OLD_NAME", model.Patch{Rename: "NEW_NAME"})
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != "NEW_NAME" || s.Version != 2 || s.Description != "kept" || !s.UpdatedAt.Equal(t1) {
			t.Errorf("renamed record = %#v", s)
		}
		if _, err := e.store.Get(ctx, "OLD_NAME"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(old name) after rename = %v, want ErrNotFound", err)
		}
		wantValue(t, e, "NEW_NAME", "second-value-123456")
		wantRaw(t, e, PreviousUser("NEW_NAME"), "first-value-123456", true)
		wantRaw(t, e, "OLD_NAME", "", false)
		wantRaw(t, e, PreviousUser("OLD_NAME"), "", false)
		if _, err := e.store.Rollback(ctx, "NEW_NAME"); err != nil {
			t.Errorf("Rollback after rename: %v", err)
		}
		wantValue(t, e, "NEW_NAME", "first-value-123456")
		if list, _ := e.store.List(ctx); !slices.Equal(secretNames(list), []string{"NEW_NAME", "TAKEN"}) {
			t.Errorf("List after rename = %v; the renamed secret keeps its place", secretNames(list))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		e := setup(t)
		mustCreate(t, e, model.Secret{Name: "GONE"}, "gone-value-123456")
		if _, err := e.store.Rotate(ctx, "GONE", "gone-value-2-123456"); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, e, model.Secret{Name: "STAYS"}, "stays-value-123456")
		if err := e.store.Delete(ctx, "GONE"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Get(ctx, "GONE"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get after Delete = %v, want ErrNotFound", err)
		}
		if _, err := e.store.Value(ctx, "GONE"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Value after Delete = %v, want ErrNotFound", err)
		}
		wantRaw(t, e, "GONE", "", false)
		wantRaw(t, e, PreviousUser("GONE"), "", false)
		wantValue(t, e, "STAYS", "stays-value-123456")
		if list, _ := e.store.List(ctx); !slices.Equal(secretNames(list), []string{"STAYS"}) {
			t.Errorf("List after Delete = %v, want [STAYS]", secretNames(list))
		}
		// A new secret of the same name starts over.
		s := mustCreate(t, e, model.Secret{Name: "GONE"}, "reborn-value-123456")
		if s.Version != 1 {
			t.Errorf("recreated secret has version %d, want 1", s.Version)
		}
		if _, err := e.store.Rollback(ctx, "GONE"); !errors.Is(err, ErrNoPrevious) {
			t.Errorf("Rollback of a recreated secret = %v, want ErrNoPrevious (no stale previous value)", err)
		}
	})

	t.Run("StalePreviousNotReused", func(t *testing.T) {
		e := setup(t)
		// An orphan previous value (left by a crash during a delete, say)
		// must not become the rollback target of a new secret.
		e.put(PreviousUser("X"), "stale-previous-value")
		mustCreate(t, e, model.Secret{Name: "X"}, "x-new-1234567")
		if has, err := e.store.HasPrevious(ctx, "X"); has || err != nil {
			t.Errorf("HasPrevious of a new secret over a stale previous value = %v, %v; want false", has, err)
		}
		if _, err := e.store.Rollback(ctx, "X"); !errors.Is(err, ErrNoPrevious) {
			t.Errorf("Rollback = %v, want ErrNoPrevious", err)
		}
		wantValue(t, e, "X", "x-new-1234567")
	})

	t.Run("IndexNeverHoldsValues", func(t *testing.T) {
		e := setup(t)
		var values []string
		for i, v := range exactValues() {
			name := "V" + string(rune('A'+i))
			mustCreate(t, e, model.Secret{Name: name, Description: "desc " + name, Metadata: map[string]string{"env": "prod"}}, v)
			values = append(values, v)
			next := "rotated-" + name + "-Zq8v1Lp0"
			if _, err := e.store.Rotate(ctx, name, next); err != nil {
				t.Fatal(err)
			}
			values = append(values, next)
		}
		if _, err := e.store.Update(ctx, "VA", model.Patch{Rename: "RENAMED"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Rollback(ctx, "VB"); err != nil {
			t.Fatal(err)
		}
		if e.indexPath == "" {
			t.Skip("this store has no index file")
		}
		data, err := os.ReadFile(e.indexPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `name = "RENAMED"`) || !strings.Contains(string(data), `description = "desc VC"`) {
			t.Fatalf("index does not hold the records:\n%s", data)
		}
		for _, v := range values {
			if len(v) < 6 {
				continue // too short to tell apart from the file's own text
			}
			for _, piece := range []string{v, strings.TrimSpace(v)} {
				if strings.Contains(string(data), piece) {
					t.Errorf("index file contains a value (%q)", clip(piece))
				}
			}
		}
		// Nor does anything else keyward leaves beside it.
		entries, _ := os.ReadDir(filepath.Dir(e.indexPath))
		for _, ent := range entries {
			b, _ := os.ReadFile(filepath.Join(filepath.Dir(e.indexPath), ent.Name()))
			for _, v := range values {
				if len(v) >= 6 && strings.Contains(string(b), v) {
					t.Errorf("%s contains a value", ent.Name())
				}
			}
		}
	})

	t.Run("ListDoesNotReadValues", func(t *testing.T) {
		e := setup(t)
		if e.reads == nil {
			t.Skip("this store cannot count keyring reads")
		}
		mustCreate(t, e, model.Secret{Name: "A"}, "a-value-1234567")
		before := e.reads()
		if _, err := e.store.List(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.Get(ctx, "A"); err != nil {
			t.Fatal(err)
		}
		if n := e.reads() - before; n != 0 {
			t.Errorf("List and Get read the keyring %d times, want 0", n)
		}
		if _, err := e.store.Value(ctx, "A"); err != nil || e.reads()-before != 1 {
			t.Errorf("Value read the keyring %d times (%v), want 1", e.reads()-before, err)
		}
	})

	t.Run("PulledRecord", func(t *testing.T) {
		e := setup(t)
		remoteTime := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
		in := model.Secret{Name: "SPIDER_KEY", Description: "from julep", Metadata: map[string]string{"env": "prod"},
			CreatedAt: remoteTime, UpdatedAt: remoteTime, Version: 7}
		got, err := e.store.AddRecord(ctx, in)
		if err != nil {
			t.Fatalf("AddRecord: %v", err)
		}
		if !got.NoValue || got.Version != 0 || !got.CreatedAt.Equal(remoteTime) {
			t.Errorf("AddRecord = %+v; want NoValue, version 0, the account's times", got)
		}
		if _, err := e.store.AddRecord(ctx, in); !errors.Is(err, ErrExists) {
			t.Errorf("AddRecord twice: %v, want ErrExists", err)
		}
		if g, err := e.store.Get(ctx, in.Name); err != nil || !g.NoValue {
			t.Errorf("Get after AddRecord = %+v, %v; want the record with NoValue (it survives the index)", g, err)
		}
		if _, err := e.store.Value(ctx, in.Name); !errors.Is(err, ErrNotSet) || errors.Is(err, ErrNoValue) {
			t.Errorf("Value of a pulled record: %v, want ErrNotSet (not ErrNoValue: nothing was lost)", err)
		}
		wantRaw(t, e, in.Name, "", false)
		if has, err := e.store.HasPrevious(ctx, in.Name); has || err != nil {
			t.Errorf("HasPrevious = %v, %v", has, err)
		}
		if _, err := e.store.Rollback(ctx, in.Name); !errors.Is(err, ErrNoPrevious) {
			t.Errorf("Rollback of a pulled record: %v, want ErrNoPrevious", err)
		}
		rot, err := e.store.Rotate(ctx, in.Name, "first-local-value")
		if err != nil {
			t.Fatalf("Rotate sets the first value: %v", err)
		}
		if rot.NoValue || rot.Version != 1 {
			t.Errorf("after the first value: NoValue %v, version %d; want false, 1", rot.NoValue, rot.Version)
		}
		wantValue(t, e, in.Name, "first-local-value")
		wantRaw(t, e, PreviousUser(in.Name), "", false)
	})

	t.Run("RecordSync", func(t *testing.T) {
		e := setup(t)
		created := mustCreate(t, e, model.Secret{Name: "K"}, "k-value-1")
		e.clock.advance(time.Hour)
		st := model.SyncState{Target: "v1 http://127.0.0.1:1/api", RemoteID: "id-1", Version: 1, Fingerprint: "abc",
			RemoteUpdatedAt: time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), PushedAt: time.Date(2025, 6, 1, 10, 0, 1, 0, time.UTC)}
		got, err := e.store.RecordSync(ctx, "K", st)
		if err != nil {
			t.Fatalf("RecordSync: %v", err)
		}
		if !got.UpdatedAt.Equal(created.UpdatedAt) || got.Version != created.Version {
			t.Errorf("RecordSync changed UpdatedAt or Version: %+v", got)
		}
		st3 := model.SyncState{Target: "v3 http://127.0.0.1:2", Version: 1, Generation: 4, PushedAt: st.PushedAt}
		if _, err := e.store.RecordSync(ctx, "K", st3); err != nil {
			t.Fatal(err)
		}
		st.Version = 2
		if _, err := e.store.RecordSync(ctx, "K", st); err != nil {
			t.Fatal(err)
		}
		g, err := e.store.Get(ctx, "K")
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Sync) != 2 {
			t.Fatalf("sync states = %+v, want one per target", g.Sync)
		}
		if v1, ok := g.SyncFor(st.Target); !ok || v1.Version != 2 || v1.RemoteID != "id-1" || !v1.RemoteUpdatedAt.Equal(st.RemoteUpdatedAt) {
			t.Errorf("v1 state = %+v, %v", v1, ok)
		}
		if v3, ok := g.SyncFor(st3.Target); !ok || v3.Generation != 4 {
			t.Errorf("v3 state = %+v, %v", v3, ok)
		}
		if _, err := e.store.RecordSync(ctx, "NOPE", st); !errors.Is(err, ErrNotFound) {
			t.Errorf("RecordSync(NOPE): %v", err)
		}
		if _, err := e.store.RecordSync(ctx, "K", model.SyncState{}); err == nil {
			t.Error("RecordSync without a target succeeded")
		}
	})

	t.Run("Ping", func(t *testing.T) {
		e := setup(t)
		if err := e.store.Ping(ctx); err != nil {
			t.Errorf("Ping = %v", err)
		}
	})

	t.Run("Orphans", func(t *testing.T) {
		e := setup(t)
		au, ok := e.store.(Auditor)
		if !ok {
			t.Skip("not an Auditor")
		}
		mustCreate(t, e, model.Secret{Name: "KEPT"}, "kept-one")
		if _, err := e.store.Rotate(ctx, "KEPT", "kept-two"); err != nil {
			t.Fatal(err)
		}
		if got, err := au.Orphans(ctx); err != nil || len(got) != 0 {
			t.Fatalf("Orphans of a healthy store = %+v, %v; want none", got, err)
		}
		// Left behind the store's back: a value without a record and
		// its previous value, a lone previous value, a stale copy.
		e.put("STRAY", "stray-value")
		e.put(PreviousUser("STRAY"), "stray-older")
		e.put(PreviousUser("GONE"), "gone-older")
		e.put(rotationUser("KEPT"), "kept-zero")
		got, err := au.Orphans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var users []string
		for _, o := range got {
			users = append(users, o.User)
		}
		want := []string{PreviousUser("GONE"), rotationUser("KEPT"), "STRAY", PreviousUser("STRAY")}
		if !slices.Equal(users, want) {
			t.Fatalf("Orphans = %q, want %q", users, want)
		}
		if !got[2].Adoptable() || got[0].Adoptable() || got[1].Adoptable() {
			t.Errorf("Adoptable: %+v", got)
		}
		rec, err := au.AdoptOrphan(ctx, "STRAY")
		if err != nil || rec.Version != 1 || rec.Description != adoptedDescription {
			t.Fatalf("AdoptOrphan(STRAY) = %+v, %v", rec, err)
		}
		wantValue(t, e, "STRAY", "stray-value")
		if ok, err := e.store.HasPrevious(ctx, "STRAY"); !ok || err != nil {
			t.Errorf("the adopted record lost its previous value: %v, %v", ok, err)
		}
		if _, err := au.AdoptOrphan(ctx, "KEPT"); !errors.Is(err, ErrExists) {
			t.Errorf("AdoptOrphan of an indexed name = %v, want ErrExists", err)
		}
		if _, err := au.AdoptOrphan(ctx, "NOWHERE"); !errors.Is(err, ErrNoValue) {
			t.Errorf("AdoptOrphan without a value = %v, want ErrNoValue", err)
		}
		if err := au.DropOrphan(ctx, Orphan{User: PreviousUser("KEPT")}); err == nil {
			t.Error("DropOrphan removed the previous value of a record")
		}
		wantPrevious(t, e, "KEPT", "kept-one", true)
		wantRaw(t, e, PreviousUser("KEPT"), "kept-two", true) // the current one, since the rotation
		for _, o := range got[:2] {
			if err := au.DropOrphan(ctx, o); err != nil {
				t.Errorf("DropOrphan(%s) = %v", o.User, err)
			}
		}
		wantRaw(t, e, PreviousUser("GONE"), "", false)
		wantRaw(t, e, rotationUser("KEPT"), "", false)
		if got, err := au.Orphans(ctx); err != nil || len(got) != 0 {
			t.Errorf("Orphans after the repairs = %+v, %v; want none", got, err)
		}
	})
}

// exactValues are values that must come back byte for byte.
func exactValues() []string {
	big := make([]byte, model.MaxValueLen)
	for i := range big {
		big[i] = byte(' ' + i%95) // every printable ASCII byte, quotes and backslash included
	}
	return []string{
		"line one\nline two\n",
		"  leading and trailing spaces  ",
		`quote " apostrophe ' backslash \ dollar $HOME backtick ` + "`",
		"pässwörd 🔑 日本語 ✓",
		"tab\there\r\nCRLF\r\n",
		"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
		`{"json": "value", "n": [1, 2]}`,
		"\x00nul and \x1b[31mescape\x7f",
		"x",
		string(big),
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func secretNames(list []model.Secret) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// sameSecret compares records as stored: times by instant, empty metadata
// as none.
func sameSecret(a, b model.Secret) bool {
	return a.Name == b.Name && a.Description == b.Description && mapsEqual(a.Metadata, b.Metadata) &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt) && a.RotatedAt.Equal(b.RotatedAt) &&
		a.Version == b.Version && a.RotateEvery == b.RotateEvery && reflect.DeepEqual(a.Generated, b.Generated)
}

func memRaw(b *memBackend) func(string) (string, bool) {
	return func(user string) (string, bool) {
		b.mu.Lock()
		defer b.mu.Unlock()
		v, ok := b.vals[user]
		return v, ok
	}
}

func memReads(b *memBackend) func() int {
	return func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.reads
	}
}

func memPut(b *memBackend) func(string, string) {
	return func(user, value string) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.vals[user] = value
	}
}

func TestContractMemStore(t *testing.T) {
	runContract(t, func(t *testing.T, c *clock) contractEnv {
		m := NewMemStore(c.Now)
		return contractEnv{store: m, clock: c, raw: memRaw(m.mem), put: memPut(m.mem), reads: m.Reads}
	})
}

// TestContractFileIndex runs the suite over the real index file with values
// in memory, so the file side is covered even without a keyring.
func TestContractFileIndex(t *testing.T) {
	runContract(t, func(t *testing.T, c *clock) contractEnv {
		b := &memBackend{vals: map[string]string{}}
		idx := newFileIndex(t)
		return contractEnv{store: &store{vals: b, idx: idx, now: c.Now}, clock: c, raw: memRaw(b), put: memPut(b), reads: memReads(b), indexPath: idx.path}
	})
}

// TestContractOSStore runs the suite against the real OS keyring (a Secret
// Service on Linux). Without one it skips, or fails under
// KEYWARD_REQUIRE_KEYRING=1.
func TestContractOSStore(t *testing.T) {
	keyringtest.RequireSecretService(t)
	runContract(t, func(t *testing.T, c *clock) contractEnv {
		service := keyringtest.Service(t)
		path := filepath.Join(t.TempDir(), "keyward", "index.toml")
		s, err := NewOSStore(OSOptions{IndexPath: path, Service: service, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		if s.IndexPath() != path || s.Service() != service {
			t.Errorf("IndexPath, Service = %q, %q; want %q, %q", s.IndexPath(), s.Service(), path, service)
		}
		raw := func(user string) (string, bool) { return keyringtest.Lookup(t, service, user) }
		put := func(user, value string) {
			if err := gokeyring.Set(service, user, value); err != nil {
				t.Fatalf("set %s in the keyring: %v", user, err)
			}
		}
		return contractEnv{store: s, clock: c, raw: raw, put: put, indexPath: path}
	})
}
