package model

import (
	"crypto/rand"
	"math/big"
)

// DefaultGenerateLength is the length of generated values when none is given.
const DefaultGenerateLength = 32

const (
	alnum   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	symbols = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
)

// Generate returns a random value of length characters drawn uniformly with
// crypto/rand from letters and digits, plus punctuation when withSymbols is
// set. With symbols it guarantees at least one symbol.
func Generate(length int, withSymbols bool) (string, error) {
	if length < 8 || length > 4096 {
		return "", invalid("length", "must be between 8 and 4096, got %d", length)
	}
	set := alnum
	if withSymbols {
		set += symbols
	}
	for {
		buf := make([]byte, length)
		hasSym := false
		for i := range buf {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
			if err != nil {
				return "", err
			}
			buf[i] = set[n.Int64()]
			if n.Int64() >= int64(len(alnum)) {
				hasSym = true
			}
		}
		if !withSymbols || hasSym {
			return string(buf), nil
		}
	}
}
