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

// Generate length bounds.
const (
	MinGenerateLength = 8
	MaxGenerateLength = 4096
)

// GenSpec is how a value was generated: its length and whether punctuation
// was used. It never holds the value.
type GenSpec struct {
	Length  int
	Symbols bool
}

// Validate checks that Generate accepts s.
func (s GenSpec) Validate() error {
	if s.Length < MinGenerateLength || s.Length > MaxGenerateLength {
		return invalid("generate_length", "must be between %d and %d, got %d", MinGenerateLength, MaxGenerateLength, s.Length)
	}
	return nil
}

// Generate returns a value made to s with Generate.
func (s GenSpec) Generate() (string, error) { return Generate(s.Length, s.Symbols) }

// Generate returns a random value of length characters drawn uniformly with
// crypto/rand from letters and digits, plus punctuation when withSymbols is
// set. With symbols it guarantees at least one symbol.
func Generate(length int, withSymbols bool) (string, error) {
	if length < MinGenerateLength || length > MaxGenerateLength {
		return "", invalid("length", "must be between %d and %d, got %d", MinGenerateLength, MaxGenerateLength, length)
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
