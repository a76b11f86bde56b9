// Package vaultkms holds the tests and benchmarks of
// github.com/hidemont/spkit/vaultkms against Vault's real Transit engine,
// served in-process by package transit. It has no code of its own.
package vaultkms
