package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPatchBaseConflicts(t *testing.T) {
	base := Secret{Name: "A", Description: "old", Metadata: map[string]string{"env": "prod", "owner": "ana"}, RotateEvery: Duration(90 * Day)}
	str := func(s string) *string { return &s }
	dur := func(d Duration) *Duration { return &d }
	tests := []struct {
		name string
		cur  func(s *Secret) // what changed elsewhere
		p    Patch
		want string // in the error; "" for applied
	}{
		{"nothing changed elsewhere", func(*Secret) {}, Patch{Description: str("mine")}, ""},
		{"description changed elsewhere", func(s *Secret) { s.Description = "theirs" }, Patch{Description: str("mine")},
			`A changed elsewhere since you opened it: description is now "theirs"; nothing was saved`},
		{"description changed to the same", func(s *Secret) { s.Description = "mine" }, Patch{Description: str("mine")}, ""},
		{"another field changed elsewhere: both kept", func(s *Secret) { s.Description = "theirs" }, Patch{SetMetadata: map[string]string{"env": "dev"}}, ""},
		{"metadata value changed elsewhere", func(s *Secret) { s.Metadata["env"] = "staging" }, Patch{SetMetadata: map[string]string{"env": "dev"}},
			`metadata env is now "staging"`},
		{"metadata removed elsewhere, set here", func(s *Secret) { delete(s.Metadata, "env") }, Patch{SetMetadata: map[string]string{"env": "dev"}},
			"metadata env was removed"},
		{"metadata added elsewhere, added here", func(s *Secret) { s.Metadata["team"] = "x" }, Patch{SetMetadata: map[string]string{"team": "y"}},
			`metadata team is now "x"`},
		{"metadata changed elsewhere, unset here", func(s *Secret) { s.Metadata["owner"] = "bo" }, Patch{UnsetMetadata: []string{"owner"}},
			`metadata owner is now "bo"`},
		{"metadata removed elsewhere, unset here", func(s *Secret) { delete(s.Metadata, "owner") }, Patch{UnsetMetadata: []string{"owner"}}, ""},
		{"policy changed elsewhere", func(s *Secret) { s.RotateEvery = 0 }, Patch{RotateEvery: dur(Duration(Week))},
			"rotation policy is now none"},
		{"two conflicts", func(s *Secret) { s.Description = strings.Repeat("long ", 30); s.RotateEvery = Duration(Day) },
			Patch{Description: str("mine"), RotateEvery: dur(Duration(Week))},
			`description is now "long long long long long long long long …"; rotation policy is now 1d`},
	}
	for _, tt := range tests {
		cur := base.Clone()
		tt.cur(&cur)
		b := base.Clone()
		tt.p.Base = &b
		got, err := tt.p.Apply(cur, time.Now())
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Apply = %v, want applied", tt.name, err)
			}
			continue
		}
		var ce *ConflictError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Apply = %v, want a conflict with %q", tt.name, err, tt.want)
			continue
		}
		if got.Name != "" || ce.Current.Description != cur.Description {
			t.Errorf("%s: the conflict returned %+v and Current %+v", tt.name, got, ce.Current)
		}
	}
	// Without Base, a patch applies over anything.
	cur := base.Clone()
	cur.Description = "theirs"
	if _, err := (Patch{Description: str("mine")}).Apply(cur, time.Now()); err != nil {
		t.Errorf("Apply without Base: %v", err)
	}
}
