"""The gateway: GraphQL over HTTP for applicants, representatives and auditors.

app.py        the Starlette application: /graphql, health, the ledger's public endpoints
auth.py       bearer tokens (JWTs: EdDSA, RS256, ES256) and the demo's own issuer
signing_keys.py  an issuer's keys: given directly or read from its JWKS address
roles.py      a signed-in person's role: a token claim or the operator's table
context.py    the per-request GraphQL context: who asks, in what language, loaders, service
schema/       the GraphQL schema: types, queries, mutations, permissions, limits, execution
messages/     texts people read, in English and Spanish (gettext catalogs)
health.py     what /healthz and /readyz say; probes.py makes the checks behind them
ratelimit.py  per-client token buckets for public lookups; bodylimit.py caps request bodies
shared_ratelimit.py  the lookup quotas in Redis, shared by replicas (--redis-url)
language.py   choosing the response language
"""
