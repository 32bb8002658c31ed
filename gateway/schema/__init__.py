"""The GraphQL schema served at /graphql.

build.py         building the strawberry schema; execution.py a leaner execution of plain fields
query.py         root query: public lookups and the signed-in viewer (viewer.py)
mutation.py      linking cases and managing consents; consent.py their types
types.py         object types built from the domain; enums.py the GraphQL enums
audit.py         the auditors' view of the ledger; access_log.py a subject's access log
permissions.py   authorization with stable error codes; errors.py what clients may see
limits.py        query-shape guards; input_limits.py a length limit on every string
erasure.py       the answer about an account whose data was erased
"""
