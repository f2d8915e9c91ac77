package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SortKey is an order for lists of secrets.
type SortKey string

// The orders keyward offers. SortDue puts due secrets first, then those
// closest to their next rotation, then secrets without a policy.
const (
	SortName    SortKey = "name"
	SortCreated SortKey = "created"
	SortUpdated SortKey = "updated"
	SortRotated SortKey = "rotated"
	SortDue     SortKey = "due"
)

// SortKeys lists every SortKey in the order the TUI cycles through them.
var SortKeys = []SortKey{SortName, SortUpdated, SortDue, SortCreated, SortRotated}

// ParseSortKey checks a user-supplied sort order.
func ParseSortKey(s string) (SortKey, error) {
	for _, k := range SortKeys {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(SortKeys))
	for i, k := range SortKeys {
		names[i] = string(k)
	}
	return "", invalid("sort", "%q is not one of %s", echo(s), strings.Join(names, ", "))
}

// Sort orders secrets in place. Times sort newest first; ties fall back to
// the name so the order is stable across runs.
func Sort(list []Secret, key SortKey, now time.Time) {
	slices.SortStableFunc(list, func(a, b Secret) int { return Compare(&a, &b, key) })
}

// Compare is the order Sort uses: negative when a comes before b under key,
// positive when after, zero only for the same name. A list kept sorted can
// take a new record at the place slices.BinarySearchFunc finds with it.
func Compare(a, b *Secret, key SortKey) int {
	newest := func(x, y time.Time) int { return y.Compare(x) }
	var c int
	switch key {
	case SortCreated:
		c = newest(a.CreatedAt, b.CreatedAt)
	case SortUpdated:
		c = newest(a.UpdatedAt, b.UpdatedAt)
	case SortRotated:
		c = newest(a.LastRotation(), b.LastRotation())
	case SortDue:
		c = compareDue(a, b)
	}
	if c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func compareDue(a, b *Secret) int {
	ad, aok := a.NextDue()
	bd, bok := b.NextDue()
	switch {
	case aok && bok:
		return ad.Compare(bd)
	case aok:
		return -1
	case bok:
		return 1
	}
	return 0
}

// String makes SortKey a flag.Value-friendly type.
func (k SortKey) String() string { return string(k) }

var _ fmt.Stringer = SortKey("")
