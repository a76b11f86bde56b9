// Package vaultkms holds the tests and benchmarks of
// github.com/hidemont/spkit/vaultkms against Vault's real Transit engine,
// served in-process by package transit. It has no code of its own.
//
// The tests cover a round trip, bindings and wrapped keysets bound to their
// place, KEK rotation with min_decryption_version, keyset rotation and
// reseal, shredding with per-bucket Transit keys (a backup of the key store
// taken before the shred stays unreadable), Vault stopped, sealed, slow or
// failing and then back, token expiry with re-login and renewal, a
// namespace with a nested mount, concurrent use, two processes sharing one
// PostgreSQL key store, and batch warm-up.
//
// Run them, and the benchmarks, from the integration directory:
//
//	go test -race ./vaultkms/
//	go test -run '^$' -bench . -benchtime=5x ./vaultkms/
//
// The two-process test needs PostgreSQL on 127.0.0.1:5432 (see
// internal/pgtest).
package vaultkms
