package keyring

import (
	"os"
	"testing"

	"github.com/keyward/keyward/internal/testkit"
)

// TestMain removes the keyward binary the tests built.
func TestMain(m *testing.M) { os.Exit(testkit.M{M: m}.Run()) }
