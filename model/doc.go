// Package model is keyward's pure domain: the secret record, the name and
// metadata rules, masking, rotation policy and the filter query language.
//
// It performs no I/O and imports nothing else of keyward's, so every other
// package can depend on it and it can be tested in isolation.
package model
