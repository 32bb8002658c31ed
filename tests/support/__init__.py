"""Helpers shared by the tests (a fake agency, keys, servers)."""
