"""The aggregator: one timeline across agencies, read under consent, every read in the ledger.

No HTTP here; the gateway serves it. What lives where:

bootstrap.py    the composition root: builds every collaborator once, takes overrides
service.py      the use cases: public lookups, a subject's merged timeline, a client's cases
model.py        the domain's plain frozen records (cases, events, timelines, failures)
timeline.py     merging several agencies' events into one timeline
ports.py        what the use cases depend on: adapters, the ledger, the store, a clock
config.py       the agency registry and federation settings, from TOML
accounts.py     who signed in, with what role, and whether their data was erased
state.py        the state directory's layout; files.py writes its files privately and whole
installation.py this installation's id and the ledger origin made from it
shared_limits.py limits shared by replicas: the `limits` library's Redis storage, bounded
federation/     calling the agencies: routing, parallel fan-out, retries, breakers, coalescing
consent/        consents, the access policy, consent tokens, linking cases, access-code throttle
ledger/         the verifiable ledger (RFC 9162 Merkle log, signed checkpoints, proofs)
vault/          keys: keyring, KMS interface, key custodian, subject keys, opening sealed fields
store/          subjects, their links, accounts and consents (SQLite, or PostgreSQL by URL)
"""
