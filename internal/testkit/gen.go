package testkit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/model"
)

// genWords are the services synthetic secrets belong to; "billing" is one in
// eight, so `list --filter billing` keeps an eighth of the index.
var genWords = []string{"billing", "search", "ingest", "auth", "mailer", "reports", "storage", "metrics"}

// Secrets returns n synthetic records with three metadata keys each, in
// name order (as keyward writes them): the shape the benchmarks and
// scripts/bench measure (keyring's TestGenerateIndex writes it as an index).
func Secrets(n int) []model.Secret {
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
			// An odd number of rotations leaves the current value
			// under NAME@previous.
			SlotsSwapped: i%5%2 == 1,
		}
	}
	return list
}
