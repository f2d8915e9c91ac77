package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyward/keyward/demo"
	"github.com/keyward/keyward/internal/bounded"
)

// Tasks is where keyward reads Julep task files: the task view, preview and
// is:unused all use the one that ResolveTasks picks.
type Tasks struct {
	// Dir is the folder on disk, as the user will recognise it; empty when
	// the files come from FS only (the demo's embedded samples).
	Dir string
	// FS holds the task files; its root is the tasks folder.
	FS fs.FS
	// Label names the source on screen ("tasks", "demo tasks (read-only)").
	Label string
	// Writable reports whether keyward may rewrite a task file (only in a
	// folder on disk).
	Writable bool
	// Demo reports whether FS is the embedded demo tasks: they never look
	// above their own folder for a julep.yaml.
	Demo bool
}

// ResolveTasks is the one rule for the tasks folder, the same for the
// command line and the terminal UI: --tasks, else KEYWARD_TASKS, else
// config.toml's tasks_dir, else the current folder. With --demo and neither
// a flag nor the variable, the embedded demo tasks, read-only. A leading ~
// is the home folder, as a shell would expand it in tasks_dir.
func ResolveTasks(flag, env string, cfg Config, isDemo bool) Tasks {
	if isDemo && flag == "" && env == "" {
		return Tasks{FS: demo.Tasks, Label: "demo tasks (read-only)", Demo: true}
	}
	dir := "."
	for _, d := range []string{flag, env, cfg.TasksDir} {
		if d != "" {
			dir = d
			break
		}
	}
	dir = expandHome(dir)
	// bounded.DirFS opens only folders and regular files, and never blocks
	// on a FIFO named like a task file.
	return Tasks{Dir: dir, FS: bounded.DirFS(dir), Label: dir, Writable: true}
}

// expandHome turns a leading ~ into the home folder.
func expandHome(dir string) string {
	if dir != "~" && !strings.HasPrefix(dir, "~/") {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return dir
	}
	return filepath.Join(home, dir[1:])
}
