// Package retention is Gallra's retention engine ("gallring"): per-channel
// policies (the types and rules, gallra.Policy and gallra.Caps, live in
// the root package) with module defaults and operator caps, the purge that applies
// them (batched, idempotent, one at a time per database, every run
// recorded), previews that share the purge's selection, legal holds, and the
// privacy sentence each forum, inbox and chat flow shows.
//
// The clocks: a forum post's period runs from its creation, a mail
// conversation's from its last message, a chat's from its close. Editing or
// redacting never restarts a clock. It has no HTTP: internal/httpapi and
// cmd/gallra call it.
package retention
