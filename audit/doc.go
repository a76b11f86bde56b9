// Package audit records who did what to Amazon data, when, from where and
// with what outcome, in a trail that holds no personal data and shows
// tampering.
//
// # Events
//
// An [Event] is a typed struct of identifiers and codes. It holds a user ID,
// a source address, an [Action] from a closed set, an [Outcome] with a
// reason code, the seller, order and retention bucket acted on, the declared
// purpose, the kind of personal data and a record count. It has no free-text
// field and no field that can hold a pii value. A [Policy] rejects events without an
// actor, with a generic or shared account name such as "admin", or with
// malformed codes. Automated jobs act as "svc:<job>" ([ServicePrefix]).
// [FromContext] starts an event from the actor and subject that
// pii.WithActor and pii.WithSubject put in a context.
//
// # Pseudonyms and the chain
//
// A [Trail] replaces identifiers that could point to a person with keyed
// HMAC pseudonyms ([Keyring.Pseudonym]): order IDs by default, source
// addresses truncated to their /24 or /48 network or pseudonymized
// ([IPPolicy]), and actors when configured. Each stored [Entry] carries a
// sequence number, the MAC of the entry before it, and its own MAC under a
// key of the [Keyring], named by its key ID. Rotating the key keeps old keys
// in the ring for verification. [Verify] reads entries back and reports the
// first break, telling tampering (an entry changed, removed, reordered or
// cut off) from entries it cannot check because their key is unknown.
// Signed checkpoints ([SignCheckpoint]) let entries older than the
// retention period be pruned without breaking verification.
//
// # Recording
//
// [Trail.Record] stores an event in the primary [Sink] before it returns,
// and fails closed, within [Config.WriteTimeout], when the sink cannot
// write. Concurrent calls are grouped into one append. Stored entries are
// then copied to [Secondary] sinks through bounded queues that drop and
// count rather than block, shown to [Detector]s that raise [Alert]s through
// a [Notifier], and counted in Prometheus metrics whose labels are bounded
// (action, outcome). [ZabbixSender] delivers alerts to Zabbix trapper
// items. A Trail is also the pii.Auditor of a pii.Revealer
// ([Trail.AuditReveal]).
//
// Sinks: [MemorySink] for tests, [FileSink] for JSON lines files
// ([OpenFile]), and the PostgreSQL sink in package audit/pgsink, which keeps
// one chain across processes. [Prune] deletes entries covered by a signed
// [Checkpoint] and rejects retention periods under 365 days.
//
// # Logging
//
// [RedactingHandler] wraps any slog.Handler and replaces pii values wherever
// they sit in a record, including unexported fields of logged structs.
package audit
