"""`caseline demo`: its processes, seeding, personas, local CA, slow agency, run files and
state directory. Demo mode only."""
