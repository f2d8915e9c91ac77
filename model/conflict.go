package model

import (
	"fmt"
	"strings"
)

// ConflictError is a Patch refused because a field it changes was changed
// elsewhere since the caller read the record (Patch.Base): saving would
// silently overwrite that change. Current is the record as it is now, so
// the caller can show it, and patch from it if the user still wants to.
type ConflictError struct {
	Name    string
	Changed []string // what changed, as the user reads it: `description is now "…"`
	Current Secret
}

func (e *ConflictError) Error() string {
	return Printable(e.Name) + " changed elsewhere since you opened it: " + strings.Join(e.Changed, "; ") + "; nothing was saved"
}

// conflicts lists the fields p changes that were changed in cur since
// base, to something other than what p sets. A field changed elsewhere
// that p leaves alone, or changed to the same thing, is no conflict: both
// changes are kept.
func (p Patch) conflicts(base, cur Secret) []string {
	var out []string
	shown := func(s string) string { return `"` + Printable(Clip(s, 40)) + `"` }
	if p.Description != nil && cur.Description != base.Description && cur.Description != *p.Description {
		out = append(out, "description is now "+shown(cur.Description))
	}
	md := func(key string, want *string) {
		b, inBase := base.Metadata[key]
		c, inCur := cur.Metadata[key]
		if inBase == inCur && b == c {
			return // not changed elsewhere
		}
		if want == nil && !inCur || want != nil && inCur && c == *want {
			return // changed to what p wants
		}
		if inCur {
			out = append(out, "metadata "+Printable(Clip(key, 40))+" is now "+shown(c))
		} else {
			out = append(out, "metadata "+Printable(Clip(key, 40))+" was removed")
		}
	}
	for _, k := range SortedKeys(p.SetMetadata) {
		v := p.SetMetadata[k]
		md(k, &v)
	}
	for _, k := range p.UnsetMetadata {
		md(k, nil)
	}
	if p.RotateEvery != nil && cur.RotateEvery != base.RotateEvery && cur.RotateEvery != *p.RotateEvery {
		now := cur.RotateEvery.String()
		if now == "" {
			now = "none"
		}
		out = append(out, fmt.Sprintf("rotation policy is now %s", now))
	}
	return out
}
