package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/model"
)

// TestDefaultDeadlineScales: the default deadline is DefaultTimeout plus
// PerRecordTimeout per secret in the index, at most MaxTimeout; a timeout
// the user set is kept as it is.
func TestDefaultDeadlineScales(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.toml")
	def, err := NewOSStore(OSOptions{IndexPath: path})
	if err != nil {
		t.Fatal(err)
	}
	set, err := NewOSStore(OSOptions{IndexPath: path, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		records int
		want    time.Duration
	}{
		{0, 10 * time.Second},
		{1_000, 10250 * time.Millisecond},
		{10_000, 12500 * time.Millisecond},
		{100_000, 35 * time.Second},
		{10_000_000, MaxTimeout},
	} {
		for _, s := range []*OSStore{def, set} {
			s.vals.(*osValues).sized(tc.records)
		}
		if got := def.vals.(*osValues).deadline(); got != tc.want {
			t.Errorf("default deadline at %d secrets = %s, want %s", tc.records, got, tc.want)
		}
		if got := set.vals.(*osValues).deadline(); got != 5*time.Second {
			t.Errorf("deadline set to 5s, at %d secrets = %s, want 5s", tc.records, got)
		}
	}
}

// TestDeadlineFollowsTheIndex: the store tells the keyring how many secrets
// the index holds whenever it reads it, in a write's locked pass and in List.
func TestDeadlineFollowsTheIndex(t *testing.T) {
	kr := &fakeKeyring{vals: map[string]string{}}
	s := newFakeOSStore(t, kr, 0)
	data, err := encodeIndex(genSecrets(2000))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.IndexPath(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	v := s.vals.(*osValues)
	if got := v.deadline(); got != DefaultTimeout {
		t.Fatalf("deadline before the index was read = %s, want %s", got, DefaultTimeout)
	}
	ctx := context.Background()
	if _, err := s.Create(ctx, model.Secret{Name: "NEW"}, "new-value-1234"); err != nil {
		t.Fatal(err)
	}
	if got, want := v.deadline(), DefaultTimeout+2000*PerRecordTimeout; got != want {
		t.Errorf("deadline in a write to an index of 2,000 = %s, want %s", got, want)
	}
	if _, err := s.List(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := v.deadline(), DefaultTimeout+2001*PerRecordTimeout; got != want {
		t.Errorf("deadline after List of 2,001 = %s, want %s", got, want)
	}
}

// slowKeyring answers every call after delay, or, when frozen is set, not
// before frozen is closed (a stopped daemon).
type slowKeyring struct {
	delay  time.Duration
	frozen chan struct{}
}

func (k slowKeyring) wait() {
	if k.frozen != nil {
		<-k.frozen
	}
	time.Sleep(k.delay)
}

func (k slowKeyring) Get(service, user string) (string, error) { k.wait(); return "v", nil }
func (k slowKeyring) Set(service, user, value string) error    { k.wait(); return nil }
func (k slowKeyring) Delete(service, user string) error        { k.wait(); return nil }

// TestScaledDeadline: a keyring slower than the base deadline, as a big
// one is, answers within the scaled one; a frozen keyring still fails after
// one scaled deadline, saying how long it waited.
func TestScaledDeadline(t *testing.T) {
	ctx := context.Background()
	newVals := func(kr keyringAPI, scaled bool) *osValues {
		v := &osValues{service: "svc", timeout: 50 * time.Millisecond, scaled: scaled, kr: kr}
		v.sized(1000) // 50 ms + 250 ms
		return v
	}
	slow := slowKeyring{delay: 150 * time.Millisecond}
	if err := newVals(slow, true).Set(ctx, "A", "value"); err != nil {
		t.Errorf("a 150 ms call under a deadline scaled to 300 ms = %v, want success", err)
	}
	if err := newVals(slow, false).Set(ctx, "A", "value"); !errors.Is(err, ErrTimeout) {
		t.Errorf("a 150 ms call under a set deadline of 50 ms = %v, want ErrTimeout", err)
	}
	thaw := make(chan struct{})
	defer close(thaw)
	start := time.Now()
	err := newVals(slowKeyring{frozen: thaw}, true).Set(ctx, "A", "value")
	took := time.Since(start)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "waited 300ms") || !strings.Contains(err.Error(), "outcome unknown") {
		t.Errorf("a write to a frozen keyring = %v; want ErrTimeout after 300ms, outcome unknown", err)
	}
	if took < 300*time.Millisecond || took > 2*time.Second {
		t.Errorf("a write to a frozen keyring failed after %s; want one scaled deadline (300ms)", took)
	}
}
