"""The conformance kit: does an agency's adapter honour the caseline.v1 contract?

Run it against any adapter's address (``caseline adapter check HOST:PORT``, with
``--tls-cert/--tls-key/--tls-ca`` for one that serves mutual TLS). Each check is named after
the contract requirement it verifies. With ``--consent-key`` (the aggregator's consent-signing
key the adapter trusts) it also checks what valid consent tokens release.
"""

from adapters.conformance.checks import CheckResult, ConsentSigner, Target
from adapters.conformance.runner import CHECKS, NEEDS, run_checks

__all__ = ["CHECKS", "NEEDS", "CheckResult", "ConsentSigner", "Target", "run_checks"]
