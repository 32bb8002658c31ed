"""Consent: records and their states, the access policy, granting and revoking, consent
tokens, linking cases to subjects, and throttling guesses of access codes."""
