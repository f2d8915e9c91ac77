package keyring

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// Issue 11, item 4: an index used with another service (a typo in
// KEYWARD_SERVICE) is refused, with both names, before the keyring is asked
// anything; its records and values stay.
func TestWrongServiceRefused(t *testing.T) {
	ctx := context.Background()
	kr := &fakeKeyring{vals: map[string]string{}}
	s := newFakeOSStore(t, kr, time.Second)
	if _, err := s.Create(ctx, model.Secret{Name: "A"}, "a-value-one"); err != nil {
		t.Fatal(err)
	}
	other, err := NewOSStore(OSOptions{IndexPath: s.IndexPath(), Service: "other", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	other.vals.(*osValues).kr = kr
	other.vals.(*osValues).bus = nil
	for what, err := range map[string]error{
		"Ping":   other.Ping(ctx),
		"Value":  func() error { _, err := other.Value(ctx, "A"); return err }(),
		"Delete": other.Delete(ctx, "A"),
		"Create": func() error { _, err := other.Create(ctx, model.Secret{Name: "B"}, "b-value-one"); return err }(),
	} {
		if !errors.Is(err, ErrWrongService) || !strings.Contains(err.Error(), `"svc"`) || !strings.Contains(err.Error(), `"other"`) {
			t.Errorf("%s under the wrong service = %v; want ErrWrongService naming both services", what, err)
		}
	}
	if _, err := s.Get(ctx, "A"); err != nil {
		t.Errorf("A after the refused delete: %v", err)
	}
	if v, err := s.Value(ctx, "A"); v != "a-value-one" || err != nil {
		t.Errorf("Value(A) under the right service = %q, %v", v, err)
	}
	if _, err := s.Get(ctx, "B"); !errors.Is(err, ErrNotFound) {
		t.Errorf("B was created under the wrong service: %v", err)
	}
	if a := Advice(ErrWrongService); !strings.Contains(a, "--service") || strings.Contains(a, "delete") {
		t.Errorf("Advice(ErrWrongService) = %q", a)
	}
}
