package keyring

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keyward/keyward/model"
)

// A lost value is no dead end (issue 11, item 3): rotate sets a new one and
// the record, and the previous value, stay.
func TestRotateSetsLostValue(t *testing.T) {
	ctx := context.Background()
	mem := NewMemStore(nil)
	fs, _ := newFileStore(t, nil, testPassphrase)
	for _, tc := range []struct {
		name string
		s    Store
		lose func(user string) error
	}{
		{"memory", mem, func(u string) error { return mem.mem.Delete(ctx, u) }},
		{"file", fs, func(u string) error { return fs.fv.Delete(ctx, u) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec := model.Secret{Name: "LOST", Description: "kept", Metadata: map[string]string{"team": "a"}}
			if _, err := tc.s.Create(ctx, sec, "first-value-123"); err != nil {
				t.Fatal(err)
			}
			if _, err := tc.s.Rotate(ctx, "LOST", "second-value-456"); err != nil {
				t.Fatal(err)
			}
			rec, err := tc.s.Get(ctx, "LOST")
			if err != nil {
				t.Fatal(err)
			}
			cur, _ := valueUsers(&rec)
			if err := tc.lose(cur); err != nil {
				t.Fatal(err)
			}
			vc := tc.s.(ValueChecker)
			if ok, err := vc.HasValue(ctx, "LOST"); ok || err != nil {
				t.Fatalf("HasValue of a lost value = %v, %v; want false, nil", ok, err)
			}
			if _, err := tc.s.Value(ctx, "LOST"); !errors.Is(err, ErrNoValue) {
				t.Fatalf("Value of a lost value = %v, want ErrNoValue", err)
			}
			got, err := tc.s.Rotate(ctx, "LOST", "third-value-789")
			if err != nil {
				t.Fatalf("Rotate of a lost value = %v, want it set", err)
			}
			if got.Version != 3 || got.Description != "kept" || got.Metadata["team"] != "a" {
				t.Errorf("after Rotate: %+v; want version 3 with its description and metadata", got)
			}
			if ok, err := vc.HasValue(ctx, "LOST"); !ok || err != nil {
				t.Errorf("HasValue after Rotate = %v, %v; want true", ok, err)
			}
			if v, err := tc.s.Value(ctx, "LOST"); v != "third-value-789" || err != nil {
				t.Errorf("Value after Rotate = %q, %v", v, err)
			}
			// The previous value was not lost and is not replaced by
			// nothing.
			if _, err := tc.s.Rollback(ctx, "LOST"); err != nil {
				t.Fatalf("Rollback: %v", err)
			}
			if v, _ := tc.s.Value(ctx, "LOST"); v != "first-value-123" {
				t.Errorf("rolled back to %q, want the previous value kept through the loss", v)
			}
		})
	}
}

func TestAdviceForLostValueAgrees(t *testing.T) {
	got := Advice(ErrNoValue)
	if !strings.Contains(got, "keyward secrets rotate NAME") {
		t.Errorf("Advice(ErrNoValue) = %q; want it to name rotate, which sets a lost value", got)
	}
	if strings.Contains(got, "delete") {
		t.Errorf("Advice(ErrNoValue) = %q advises a delete, which loses the record", got)
	}
}
