//go:build !unix

package keyring

import (
	"context"
	"fmt"
	"time"

	"github.com/gofrs/flock"
)

// lockIndex takes the exclusive lock on path's lock file, waiting at most
// wait for another process that holds it.
func lockIndex(ctx context.Context, path string, wait time.Duration) (func(), error) {
	lock := flock.New(path+".lock", flock.SetPermissions(0o600))
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok, err := lock.TryLockContext(wctx, 5*time.Millisecond)
	if err != nil && ctx.Err() == nil && wctx.Err() != nil {
		return nil, &BusyError{Path: path + ".lock", Waited: wait}
	}
	if err != nil {
		return nil, fmt.Errorf("lock the index: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("lock the index: %w", context.Cause(ctx))
	}
	return func() { lock.Close() }, nil
}
