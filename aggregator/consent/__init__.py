"""Consent: who may read what of whose data, and how a case comes to be someone's.

vocabulary.py      roles, consent states and purposes (the scopes are the contract's)
records.py         consent records: immutable signed versions and what each allows
policy.py          the one access decision, naming the consent it relied on
service.py         granting, pausing, resuming and revoking, each a new version in the ledger
tokens.py          consent tokens for adapters
linking.py         linking a case to a subject with the access code on the agency's notice
throttle.py        throttling wrong access codes (in memory), and the port linking asks of it
shared_throttle.py the same throttle in Redis, shared by gateway replicas (--redis-url)
invitations.py     invitation codes: how an applicant names a grantee on the consent pages
former_clients.py  who a grantee's former clients are, and why
"""
