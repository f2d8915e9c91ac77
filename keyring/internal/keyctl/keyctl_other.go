//go:build !linux

package keyctl

import "time"

// Put fails: there is no kernel keyring here.
func Put(desc string, payload []byte, ttl time.Duration) error { return ErrUnavailable }

// Find fails: there is no kernel keyring here.
func Find(desc string) (Key, bool, error) { return Key{}, false, ErrUnavailable }

// Read fails: there is no kernel keyring here.
func Read(id, maxLen int) ([]byte, bool, error) { return nil, false, ErrUnavailable }

// Drop fails: there is no kernel keyring here.
func Drop(id int) error { return ErrUnavailable }

// Expiry is always unknown here.
func Expiry(id int) string { return "" }

// JoinNewSession fails: there is no kernel keyring here.
func JoinNewSession() (int, error) { return 0, ErrUnavailable }

// SessionID fails: there is no kernel keyring here.
func SessionID() (int, error) { return 0, ErrUnavailable }
