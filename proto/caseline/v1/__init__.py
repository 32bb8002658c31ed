"""caseline.v1: the shared vocabulary and the AgencyAdapter service. Generated code here
(``*_pb2*.py``, never edited by hand); hand-written contract code in ``caseline.v1.lib``."""
