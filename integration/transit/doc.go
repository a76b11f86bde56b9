// Package transit runs HashiCorp Vault's real Transit secrets engine
// in-process and serves Vault's HTTP API for it on 127.0.0.1, so that code
// using github.com/hashicorp/vault/api can be tested against Transit without
// a Vault binary.
//
// The engine is the backend that Vault itself mounts (built with the
// Transit Factory over logical.InmemStorage). The HTTP layer in this package
// stands in for Vault's core: it maps /v1/<mount>/... requests to logical
// requests, checks X-Vault-Token, keeps the mounts of each namespace
// (X-Vault-Namespace) apart with their own storage, and responds with
// Vault's status codes and bodies: the response envelope with request_id and
// data, {"errors":[...]} for failures, 204 for empty responses. It also
// serves sys/health, sys/seal-status, sys/mounts (type "transit" only) and
// sys/namespaces.
//
// # Starting it in a test
//
//	srv := transit.Start(t, transit.Options{Mounts: []string{"transit", "teams/billing/transit"}})
//	client := srv.Client(t) // *api.Client with the root token and no retries
//	_, err := client.Logical().WriteWithContext(ctx, "transit/keys/kek", nil)
//
// Start closes the server when the test ends. New does the same without a
// testing.TB, for programs such as cmd/transit-dev.
//
// # Tokens and authentication
//
// The server holds a root token ([Server.RootToken]) and any number of extra
// tokens ([Server.NewToken]), each with a TTL measured on the clock of
// [Options.Now]. A request without a token gets 403
// {"errors":["permission denied"]}; an expired, revoked or unknown token gets
// 403 with Vault's two-error message that contains both "permission denied"
// and "invalid token". It serves auth/token/lookup-self,
// auth/token/renew-self, auth/token/revoke-self and auth/token/create, and an
// AppRole login at auth/approle/login that accepts the credentials from
// [Server.AppRoleCredentials] and returns a fresh token.
//
// A token belongs to the namespace it was created in: the root token and
// [Server.NewToken] to the root namespace, [Server.NewNamespaceToken] and
// tokens from auth/token/create or the AppRole login to the request's
// namespace. As in Vault, a token may call paths in its namespace and the
// namespaces below it, and gets 403 elsewhere.
//
// # Faults
//
// [Server.Stop] closes the listener so that clients get "connection refused",
// and [Server.Restart] listens again on the same address. [Server.Seal] makes
// every request but sys/health and sys/seal-status fail with 503
// {"errors":["Vault is sealed"]}. [Server.SetLatency] delays each request and
// [Server.FailNext] makes the next requests fail with a chosen status.
//
// # Counting calls
//
// Every request that reaches the server is recorded as a [Call] with its
// namespace, operation, path and status; [Server.Calls], [Server.CallCount]
// and [Server.ResetCalls] let a test assert how many Vault round trips the
// code under test made.
//
// # What it does not do
//
// There are no policies: a valid token may call every path of its namespace
// and those below it. Leases, response wrapping, audit devices, plugins
// other than Transit and namespaces given in the request path (rather than
// X-Vault-Namespace) are not supported. Transit's periodic work, such as
// rotation by auto_rotate_period, never runs. A request to a namespace that
// does not exist gets 404.
//
// # License
//
// The Transit engine is Vault's code under BUSL-1.1, which is why this
// package lives in the test-only integration module and never in the
// library module.
package transit
