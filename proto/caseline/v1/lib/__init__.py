"""The caseline.v1 contract's hand-written code: formats and rules every party runs the same
way (consent scopes and tokens, sealed fields, key wrapping, masking, field scopes, PEM files).

Generated code (``*_pb2*.py``) sits one level up and is never edited by hand."""
