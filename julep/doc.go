// Package julep pushes keyward's secrets to a Julep account and tells how
// the two sides stand.
//
// # The model
//
// Values are edited locally, in keyward, and pushed. A Julep account never
// gives a value back: every answer says "value": "ENCRYPTED" (v1) or
// carries no value at all (Julep 3). So the account is a destination, not
// a source: a pull brings names, descriptions and metadata, as records
// marked model.Secret.NoValue, and the user gives them values locally.
//
// What keyward pushed to each account is recorded beside the record, as a
// model.SyncState: the remote id, the local version and a fingerprint of
// the description and metadata that were pushed, and the account's
// updated_at or generation after the push. Compare reads those to say, per
// name, who changed what since (State); PlanPush turns that into ordered
// steps that hold names, never values; the caller runs them with a Remote,
// reading each value from the store at that moment, and records
// StateAfterPush. Recording PendingState before each write makes a push
// that was cut half-way converge when run again: the next push writes the
// same secret again in place, and never creates it twice.
//
// # Two platforms
//
// Julep v1 (api.julep.ai; julep-ai/julep branch dev, agents-api
// src/agents-api/agents_api/routers/secrets/ and queries/secrets/*.py):
//
//   - GET /secrets?limit=&offset= answers a bare JSON array, newest first
//     (created_at DESC is hard-coded in queries/secrets/list.py); there is
//     no get-one and no get-by-name.
//   - POST /secrets creates (201); PUT /secrets/{id} needs name and value
//     (UpdateSecretRequest), keeps an omitted or null description or
//     metadata and replaces a sent one (COALESCE in queries/secrets/
//     update.py), and renames when the name differs; DELETE /secrets/{id}
//     answers 202 {id, deleted_at, jobs}.
//   - Names follow the table's CHECK, ^[a-zA-Z][a-zA-Z0-9_]*$ (memory-store
//     migration 000040_add_secrets), and are unique per developer: a
//     duplicate is a 409 (common/utils/db_exceptions.py).
//   - A bad key is 403 {"detail":"Could not validate API KEY"}
//     (dependencies/auth.py); a gateway in front may answer 401 in plain
//     text.
//   - Tasks see only the developer's 100 most recently created secrets
//     (common/utils/secrets.py calls the list query with its default limit
//     of 100). PlanPush warns, naming those that fall out.
//
// Julep 3 (julep-ai/julep branch main, julep/server/routes/secrets.py,
// julep/secrets.py) is a different product: an admin-only vault keyed by
// name, mounted under /v1. PUT /v1/secrets/{name} with exactly
// {"value": ...} creates or rotates and bumps a generation (any other
// field is a 422); GET /v1/secrets answers {"items": [...]} including
// archived rows, which the client drops; DELETE answers 204. Names follow
// ^[a-z0-9][a-z0-9_-]{0,63}$, so keyward's usual OPENAI_API_KEY must be
// renamed (ValidateV3Name suggests openai_api_key). It keeps no
// description or metadata: they stay local. A bad key is 401 with
// WWW-Authenticate, a key without the admin role 403.
//
// # Requests
//
// Every attempt has a timeout. 429 and 5xx are retried a few times with
// exponential backoff and jitter, honouring Retry-After; no other 4xx is
// (the official SDKs retry 409, which makes a duplicate name surface only
// after about 20 seconds). v1's POST is not idempotent: once it may have
// reached the server it is not retried, and a lost answer is
// ErrUnknownOutcome. Errors are *APIError values wrapping ErrUnauthorized,
// ErrNotFound, ErrConflict, ErrInvalid, ErrUnavailable or
// ErrUnknownOutcome, and never contain the API key or a value, whatever
// the server echoed.
//
// The reference for all of the above is keyward's Julep notes (SPEC.md §1
// and Appendix A), read from Julep's code.
package julep
