"""caseline.v1: the shared vocabulary and the AgencyAdapter service (generated code)."""
