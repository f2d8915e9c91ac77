package keyring_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keyward/keyward/keyring"
	"github.com/keyward/keyward/model"
)

func ExampleNewMemStore() {
	ctx := context.Background()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s := keyring.NewMemStore(func() time.Time { return now })

	sec, _ := s.Create(ctx, model.Secret{
		Name:     "OPENAI_API_KEY",
		Metadata: map[string]string{"env": "prod"},
	}, "sk-demo-first-0123456789")
	fmt.Println(sec.Name, "version", sec.Version)

	now = now.Add(24 * time.Hour)
	sec, _ = s.Rotate(ctx, "OPENAI_API_KEY", "sk-demo-second-9876543210")
	v, _ := s.Value(ctx, "OPENAI_API_KEY")
	fmt.Println("rotated to version", sec.Version, "at", sec.RotatedAt.Format(time.DateOnly), model.Mask(v))

	sec, _ = s.Rollback(ctx, "OPENAI_API_KEY")
	v, _ = s.Value(ctx, "OPENAI_API_KEY")
	fmt.Println("rolled back: version", sec.Version, model.Mask(v))

	_, err := s.Create(ctx, model.Secret{Name: "OPENAI_API_KEY"}, "another-value")
	fmt.Println(errors.Is(err, keyring.ErrExists))
	// Output:
	// OPENAI_API_KEY version 1
	// rotated to version 2 at 2025-06-02 ••••••••3210
	// rolled back: version 3 ••••••••6789
	// true
}

func ExamplePreviousUser() {
	fmt.Println(keyring.PreviousUser("STRIPE_SECRET_KEY"))
	// Output: STRIPE_SECRET_KEY@previous
}

// NewOSStore needs a keyring only for values: List reads the index alone,
// and reports a malformed index with its place.
func ExampleNewOSStore() {
	dir, _ := os.MkdirTemp("", "keyward-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "index.toml")
	_ = os.WriteFile(path, []byte("format = 1\n\n[[secret]]\nname = \"A\"\n\n[[secret]]\nname = \"A\"\n"), 0o600)

	s, err := keyring.NewOSStore(keyring.OSOptions{IndexPath: path, Service: "keyward-example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = s.List(context.Background())
	var ie *keyring.IndexError
	fmt.Println(errors.As(err, &ie), strings.TrimPrefix(err.Error(), dir+string(filepath.Separator)))
	// Output:
	// true index.toml:6:1: secret A is defined twice, at lines 3 and 6; remove or rename one
}
