package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "keyward",
		Short: "A keyboard-driven terminal secrets manager",
		Long: `keyward keeps secret values in the OS keyring and everything else about a
secret (description, metadata, times, version, rotation policy) in a small TOML
index file. With no subcommand it starts the terminal UI.

Global flags go before the subcommand.

Environment:
  KEYWARD_INDEX    index file (default: keyward/index.toml in the user config dir)
  KEYWARD_SERVICE  keyring service (default: keyward)
  KEYWARD_BACKEND  auto, keyring or file (default: backend in config.toml, else auto)
  KEYWARD_PASSPHRASE_FD  a file descriptor to read the file backend's passphrase from
  KEYWARD_UNLOCK_CACHE   how long a session keeps the file backend unlocked (default: unlock_cache in config.toml, else 15m; off)
  KEYWARD_SCRYPT_WORK_FACTOR  scrypt's work factor for a new file store's passphrase (10-22, default 18; lower is weaker)
  KEYWARD_TASKS    folder of Julep task files (default: the current folder)`,
		Example: `  keyward --demo                          # the terminal UI on an in-memory demo store
  keyward --demo secrets list --filter is:due
  keyward secrets create --name OPENAI_API_KEY --metadata env=prod
  keyward --index ./team.toml --service keyward-team secrets list
  keyward --tasks ./tasks preview                # which secrets the Julep tasks use`,
		Args:              unknownSubcommand,
		PersistentPreRunE: a.open,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runTUI(cmd.Context())
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.indexFlag, "index", "", "index file `PATH` (env KEYWARD_INDEX)")
	pf.StringVar(&a.serviceFlag, "service", "", "keyring service `NAME` (env KEYWARD_SERVICE; default keyward)")
	pf.StringVar(&a.backendFlag, "backend", "", "where values live: `auto`, keyring or file (env KEYWARD_BACKEND, or backend in config.toml; default auto, the OS keyring)")
	pf.BoolVar(&a.demo, "demo", false, "use an in-memory store seeded with demo secrets (and sample tasks); nothing is saved")
	pf.StringVar(&a.tasksFlag, "tasks", "", "the `DIR` holding Julep task files, for the task view, preview and is:unused (env KEYWARD_TASKS; default .)")
	pf.StringVar(&a.agentModel, "model", "", "the agent's `MODEL`, for task prompt steps without settings.model")
	pf.StringVar(&a.mappingFlag, "mapping", "current", "model → LLM provider key `TABLE` for task previews: current or legacy")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return withHint(&usageError{msg: err.Error()}, "see '"+cmd.CommandPath()+" --help'")
	})

	secrets := &cobra.Command{
		Use:   "secrets",
		Short: "Create, list, read, change and delete secrets",
		Example: `  keyward secrets list
  keyward secrets create --name STRIPE_KEY --description "Stripe live key" < key.txt
  keyward secrets get STRIPE_KEY`,
		Args: unknownSubcommand,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	secrets.AddCommand(
		a.createCmd(), a.listCmd(), a.getCmd(), a.updateCmd(),
		a.rotateCmd(), a.rollbackCmd(), a.deleteCmd(), a.importCmd(), a.exportCmd(), a.copyCmd(),
	)
	root.Version = versionString()
	root.SetVersionTemplate("keyward {{.Version}}\n")
	root.AddCommand(secrets, a.initCmd(), a.runCmd(), a.versionCmd(), a.julepCmd(), a.doctorCmd(), a.lockCmd(), a.migrateCmd(), a.previewCmd(), a.completionCmd(root))
	return root
}

// unknownSubcommand rejects arguments to a command that only groups
// subcommands, suggesting the closest one.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	cmd.SuggestionsMinimumDistance = 2
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return withHint(usagef("%s", msg), "did you mean '"+cmd.CommandPath()+" "+s[0]+"'?")
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return withHint(usagef("%s", msg), "the commands are: "+strings.Join(names, ", "))
}

// noArgs is the Args rule of commands that take no arguments. It does not
// echo them: a stray argument may be a value typed in the wrong place.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return withHint(usagef("%s takes no arguments, got %d", cmd.CommandPath(), len(args)),
			"see '"+cmd.CommandPath()+" --help'")
	}
	return nil
}

// oneName is the Args rule of commands that take exactly one secret NAME.
func oneName(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return withHint(usagef("%s needs exactly one secret NAME, got %d arguments", cmd.CommandPath(), len(args)),
			"see '"+cmd.CommandPath()+" --help'")
	}
	return nil
}

// completeName completes the one NAME argument from the index. It never
// touches the keyring.
func (a *app) completeName(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	st, err := a.store()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	list, err := st.List(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for i := range list {
		if strings.HasPrefix(list[i].Name, toComplete) {
			out = append(out, list[i].Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (a *app) completionCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:         "completion bash|zsh|fish|powershell",
		Annotations: map[string]string{skipOpen: "yes"},
		Short:       "Print a shell completion script (completes commands, flags and secret names)",
		Long: `Print a completion script for your shell. Secret names are completed from
the index file; completion never reads the keyring.`,
		Example: `  source <(keyward completion bash)                        # bash, this shell
  keyward completion zsh > "${fpath[1]}/_keyward"         # zsh
  keyward completion fish > ~/.config/fish/completions/keyward.fish`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("completion needs one shell: bash, zsh, fish or powershell")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(w)
			}
			return usagef("unknown shell %q; use bash, zsh, fish or powershell", args[0])
		},
	}
}
