package keyring

import "embed"

// DemoTasks holds a few realistic Julep tasks that reference the demo
// secrets of SeedDemo, so --demo can show the task preview at once. One of
// them references a secret the demo store lacks and uses a documented-only
// form that Julep ignores.
//
//go:embed demotasks/*.yaml
var DemoTasks embed.FS
