package keyring

import (
	"os"
	"strconv"
	"testing"

	"github.com/keyward/keyward/internal/testkit"
	"github.com/keyward/keyward/model"
)

// genSecrets is testkit.Secrets: n synthetic records, three metadata keys
// each, in name order.
func genSecrets(n int) []model.Secret { return testkit.Secrets(n) }

// TestGenerateIndex writes an index of KEYWARD_GEN_N synthetic secrets to
// KEYWARD_GEN_INDEX, for scripts/bench; without them it checks that the
// generator's output reads back whole through the fast path.
//
//	KEYWARD_GEN_INDEX=/tmp/i.toml KEYWARD_GEN_N=10000 go test ./keyring/ -run '^TestGenerateIndex$'
func TestGenerateIndex(t *testing.T) {
	path, nText := os.Getenv("KEYWARD_GEN_INDEX"), os.Getenv("KEYWARD_GEN_N")
	if path == "" {
		list := genSecrets(100)
		data, err := encodeIndex(list)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := parseCanonical(data); !ok {
			t.Fatal("the fast path refused the generator's index")
		}
		got, err := parseIndex("gen", data)
		if err != nil || len(got) != 100 || got[99].Name != "TENANT_000099_AUTH_KEY" {
			t.Fatalf("generated index read back as %d records (%v)", len(got), err)
		}
		return
	}
	n, err := strconv.Atoi(nText)
	if err != nil || n < 0 {
		t.Fatalf("KEYWARD_GEN_N=%q: want a count", nText)
	}
	data, err := encodeIndex(genSecrets(n))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
