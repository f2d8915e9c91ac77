package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print keyward's version, source revision and Go version",
		Annotations: map[string]string{skipOpen: "yes"},
		Args:        noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.stdout, "keyward %s\n", versionString())
			return nil
		},
	}
}

// versionString is the module version and the VCS revision from the build
// info: "v1.2.0", or "(devel) 3f2a9c1e0b7d+dirty 2026-05-01T12:00:00Z" for
// a build from a work tree, then the Go version.
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version) " + runtime.Version()
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		v += " " + rev
		if when != "" {
			v += " " + when
		}
	}
	return v + " " + bi.GoVersion
}
