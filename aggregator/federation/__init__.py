"""Federation: calling the agencies' adapters in parallel, routing numbers to them, and
surviving an agency that is slow or down.

routing.py         which agency answers a case number; patterns.py matches in linear time (RE2)
number_formats.py  each agency's number formats, as its adapter describes them
fanout.py          parallel calls under one deadline, retries, a breaker per agency
breaker.py         the circuit breaker; faults.py decides whose fault a failed call was
client.py          one long-lived gRPC channel per agency (the AdapterPort the service uses)
coalescing.py      concurrent requests to a busy agency carried together in shared calls
transport.py       mutual TLS, or plaintext to loopback only
from_contract.py   contract messages to the aggregator's records
"""
