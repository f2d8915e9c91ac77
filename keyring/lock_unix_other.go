//go:build unix && !linux

package keyring

import "os"

// kernelLockHolder is 0 where the kernel does not say who holds a flock:
// the pid in the lock file is used instead.
func kernelLockHolder(*os.File) int { return 0 }

// processName is "" where keyward does not look it up.
func processName(int) string { return "" }
