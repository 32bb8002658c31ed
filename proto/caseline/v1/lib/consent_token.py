"""The consent token format, part of the caseline.v1 contract (hand-written, not generated).

A consent token is a compact JWS signed by the Caseline aggregator with Ed25519 (``alg``
"EdDSA", ``kid`` naming a key in the aggregator's published JWKS). Adapters verify it
themselves before releasing anything. Claims:

=========  ===========================================================================
``iss``    always ``ISSUER``
``aud``    the agency id the token is for; a token for one agency is refused by another
``sub``    the subject's keyed pseudonym (never a name or an A-number)
``cases``  the case numbers (canonical) the request may read
``scp``    scopes granted: values of ``caseline.v1.lib.scopes.Scope``
``pur``    purpose code (e.g. ``SELF_ACCESS``, ``LEGAL_REPRESENTATION``)
``cid``    consent id the decision relied on (``self`` when the subject reads their own data)
``iat``    issued at, ``exp`` expiry (seconds since the epoch); lifetime at most ``MAX_TTL_S``
``jti``    unique token id
=========  ===========================================================================
"""

from __future__ import annotations

ISSUER = "caseline"
ALGORITHM = "EdDSA"
MAX_TTL_S = 300

CLAIM_CASES = "cases"
CLAIM_SCOPES = "scp"
CLAIM_PURPOSE = "pur"
CLAIM_CONSENT_ID = "cid"
