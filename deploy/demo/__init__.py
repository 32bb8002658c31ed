"""`caseline demo`: its processes, seeding, personas, local CA, slow agency, run files,
state directory, and its sign-in provider (oidc_provider.py, oidc_codes.py, sign_in.py).
Demo mode only."""
