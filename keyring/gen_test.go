package keyring

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// genWords are the services synthetic secrets belong to; "billing" is one in
// eight, so `list --filter billing` keeps an eighth of the index.
var genWords = []string{"billing", "search", "ingest", "auth", "mailer", "reports", "storage", "metrics"}

// genSecrets returns n synthetic records with three metadata keys each, in
// name order (as keyward writes them), the shape the benchmarks and
// scripts/bench measure.
func genSecrets(n int) []model.Secret {
	t := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	envs := []string{"prod", "staging", "dev"}
	list := make([]model.Secret, n)
	for i := range list {
		w := genWords[i%len(genWords)]
		list[i] = model.Secret{
			Name:        fmt.Sprintf("TENANT_%06d_%s_KEY", i, strings.ToUpper(w)),
			Description: fmt.Sprintf("%s API key for tenant %d", w, i),
			Metadata:    map[string]string{"env": envs[i%3], "owner": w + " team", "region": "eu-" + strconv.Itoa(i%4)},
			CreatedAt:   t.Add(-time.Duration(i) * time.Minute), UpdatedAt: t, RotatedAt: t,
			Version: 1 + i%5, RotateEvery: model.Duration(90 * model.Day),
		}
	}
	return list
}

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
