"""The verifiable ledger: RFC 9162 Merkle log of consent, link and access events."""
