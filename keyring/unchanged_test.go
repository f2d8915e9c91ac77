package keyring

import (
	"context"
	"testing"

	"github.com/keyward/keyward/model"
)

// TestFileStoreUnchangedNeedsUnlock: a locked file store cannot tell a
// rotation to the current value (that would answer a guess without the
// passphrase), so it rotates as before and asks for nothing; once unlocked
// it refuses like every store (the contract's RotateUnchanged).
func TestFileStoreUnchangedNeedsUnlock(t *testing.T) {
	ctx := context.Background()
	s, asked := newFileStore(t, nil, testPassphrase)
	if _, err := s.Create(ctx, model.Secret{Name: "F"}, "value-one-1234567"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Rotate(ctx, "F", "value-one-1234567")
	if err != nil || got.Version != 2 {
		t.Fatalf("locked Rotate to the same value = version %d, %v; want 2, nil", got.Version, err)
	}
	if *asked != 0 {
		t.Errorf("a locked rotation asked for the passphrase %d times", *asked)
	}
	if err := s.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rotate(ctx, "F", "value-one-1234567"); err == nil {
		t.Error("unlocked Rotate to the same value succeeded")
	}
}
