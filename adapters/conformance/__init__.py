"""The conformance kit: does an agency's adapter honour the caseline.v1 contract?

Run it against any adapter's address (``caseline adapter check HOST:PORT``, with
``--tls-cert/--tls-key/--tls-ca`` for one that serves mutual TLS). Each check is named after
the contract requirement it verifies.
"""

from adapters.conformance.checks import CHECKS, NEEDS, CheckResult, Target, run_checks

__all__ = ["CHECKS", "NEEDS", "CheckResult", "Target", "run_checks"]
