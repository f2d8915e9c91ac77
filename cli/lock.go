package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyward/keyward/keyring"
)

// lockJSON is what lock --json prints.
type lockJSON struct {
	Backend string `json:"backend"`
	Dropped bool   `json:"dropped"` // a cached unlock was dropped
}

func (a *app) lockCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "lock [--json]",
		Short: "Forget the file backend's unlock: the next read of a value asks for the passphrase",
		Long: `The file backend keeps its unlocked key in the kernel's session keyring
(Linux) for unlock_cache in config.toml (default 15m, "off" to never keep it;
KEYWARD_UNLOCK_CACHE overrides), so the commands of one terminal session ask
for the passphrase once. lock drops it now, for this store (--index); the
next command that reads a value asks again. Nothing else changes.

It says "locked: dropped the cached unlock", or "nothing was cached" (also on
the keyring backend, and where there is no session keyring: there each
command asks). --json prints {"backend": ..., "dropped": true|false}.`,
		Example: `  keyward lock
  keyward --index ./team.toml lock --json`,
		Args:        noArgs,
		Annotations: map[string]string{anyBackend: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			dropped := false
			if fs, ok := a.st.(*keyring.FileStore); ok {
				d, err := fs.Lock()
				if err != nil {
					return err
				}
				dropped = d
			}
			if asJSON {
				return writeJSON(a.stdout, lockJSON{Backend: a.backend, Dropped: dropped})
			}
			switch {
			case dropped:
				fmt.Fprintln(a.stdout, "locked: dropped the cached unlock")
			case a.backend == "file":
				fmt.Fprintln(a.stdout, "nothing was cached")
			default:
				fmt.Fprintf(a.stdout, "nothing was cached (the %s backend keeps no unlock of its own)\n", a.backend)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"backend": ..., "dropped": true|false}`)
	return cmd
}

// unlockLine is doctor's line about the file backend's unlock cache.
func (a *app) unlockLine(fs *keyring.FileStore) string {
	state, err := fs.UnlockState()
	if err != nil {
		return "unlock: " + err.Error()
	}
	cache, _ := a.unlockCache()
	switch {
	case !state.Available:
		return "unlock: no kernel session keyring here; each command asks for the passphrase"
	case state.Cached && cache == 0:
		return "unlock: cached in the session keyring but not used (unlock_cache is off; 'keyward lock' drops it)"
	case state.Cached && state.ExpiresIn != "":
		return "unlock: cached in the session keyring, for another " + state.ExpiresIn + " ('keyward lock' drops it)"
	case state.Cached:
		return "unlock: cached in the session keyring ('keyward lock' drops it)"
	case cache == 0:
		return "unlock: not cached (unlock_cache is off); each command asks for the passphrase"
	}
	return "unlock: not cached; the next read of a value asks for the passphrase, then keeps it for " + shortDuration(cache)
}

// shortDuration writes d as 15m, 1h30m or 45s rather than 15m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
