package demo

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/keyring"
)

func TestSeed(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 30, 15, 0, time.UTC)
	m := keyring.NewMemStore(func() time.Time { return now })
	Seed(m, now)
	list, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 25 || len(list) > 40 {
		t.Errorf("demo has %d secrets, want about 30", len(list))
	}
	for _, want := range []string{"OPENAI_API_KEY", "GEMINI_API_KEY", "BRAVE_API_KEY", "SPIDER_API_KEY", "SLACK_BOT_TOKEN", "STRIPE_SECRET_KEY"} {
		if _, err := m.Get(ctx, want); err != nil {
			t.Errorf("demo lacks %s", want)
		}
	}
	envs, owners := map[string]int{}, map[string]int{}
	due, policies, withPrev, short := 0, 0, 0, 0
	for _, s := range list {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if s.Description == "" || s.Metadata["service"] == "" {
			t.Errorf("%s lacks a description or a service", s.Name)
		}
		envs[s.Metadata["env"]]++
		owners[s.Metadata["owner"]]++
		if s.Due(now) {
			due++
		}
		if s.RotateEvery > 0 {
			policies++
		}
		v, err := m.Value(ctx, s.Name)
		if err != nil || !strings.Contains(strings.ToLower(v), "demo") {
			t.Errorf("%s: value %q (%v) does not look like a fake", s.Name, v, err)
		}
		if len(v) < 16 {
			short++
		}
		if has, _ := m.HasPrevious(ctx, s.Name); has {
			withPrev++
			if s.RotatedAt.IsZero() || s.Version < 2 {
				t.Errorf("%s has a previous value but was never rotated", s.Name)
			}
		}
		if !s.RotatedAt.IsZero() && (s.RotatedAt.Before(s.CreatedAt) || s.RotatedAt.After(now)) {
			t.Errorf("%s rotated at %v, outside its life", s.Name, s.RotatedAt)
		}
	}
	for _, e := range []string{"prod", "staging", "dev"} {
		if envs[e] == 0 {
			t.Errorf("no %s secrets", e)
		}
	}
	for _, o := range []string{"payments", "platform", "ml", "growth team"} {
		if owners[o] == 0 {
			t.Errorf("no secrets owned by %s", o)
		}
	}
	if due < 3 || due > 10 {
		t.Errorf("%d secrets due, want a few", due)
	}
	if policies < 10 || policies == len(list) {
		t.Errorf("%d of %d secrets have a policy, want some but not all", policies, len(list))
	}
	if withPrev < 3 || short > 3 {
		t.Errorf("%d with a previous value (want several), %d values under 16 characters (want few)", withPrev, short)
	}
	// Rollback works on the demo.
	s, err := m.Rollback(ctx, "OPENAI_API_KEY")
	if err != nil || s.Version != 5 {
		t.Errorf("Rollback on the demo = %v, %v", s.Version, err)
	}

	// Deterministic given now.
	m2 := keyring.NewMemStore(nil)
	Seed(m2, now)
	m3 := keyring.NewMemStore(nil)
	Seed(m3, now)
	l2, _ := m2.List(ctx)
	l3, _ := m3.List(ctx)
	if !reflect.DeepEqual(l2, l3) {
		t.Error("two seeds with the same now differ")
	}
	for _, sec := range l2 {
		a, _ := m2.Value(ctx, sec.Name)
		b, _ := m3.Value(ctx, sec.Name)
		if a != b {
			t.Errorf("%s: values differ between seeds", sec.Name)
		}
	}
	// Every demo record passes the rules an index record must.
	for _, sec := range l2 {
		if err := sec.Validate(); err != nil {
			t.Errorf("demo record %s: %v", sec.Name, err)
		}
	}
}
