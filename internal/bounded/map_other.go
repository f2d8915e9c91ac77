//go:build !unix

package bounded

import "errors"

// MapFile is ReadFile where there is no mmap: see map_unix.go.
func MapFile(path string, limit int64) (data []byte, release func(), err error) {
	data, err = ReadFile(path, limit)
	if err != nil {
		return nil, nil, err
	}
	return data, func() {}, nil
}

// Shrunk reports whether err comes from reading a mapped file that shrank.
func Shrunk(err error) bool { return errors.Is(err, ErrShrunk) }
