"""A bridge adapter over the official USCIS Case Status API (developer.uscis.gov).

An alternative implementation of the ``immigration`` agency, built on the SDK as an agency
would build it: the official API (OAuth 2.0 client credentials, ``GET
/case-status/{receiptNumber}``) is its system of record. It answers Describe and LookupCases,
and WatchChanges by polling the receipts it has been asked about within its daily quota; the
API has no access codes, subject lists or change feed, so the other calls answer
UNIMPLEMENTED and Describe lists them as not offered.
"""
