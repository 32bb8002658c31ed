"""How long cases take, what is late and what runs: processing statistics from the agencies,
personal estimates, legal deadlines and journeys across agencies (plain functions over the
records in :mod:`aggregator.processing.model`).

model.py          the shared records (statistics, estimates, deadlines, journeys)
statistics.py     the agencies' statistics, checked, cached an hour, one call per request
errors.py         why a statistics request got no figures (request's fault or agency's)
estimates.py      a case's estimate from its type's figures, with its basis in EN and ES
business_days.py  business days as targets count them (US federal holidays excluded)
"""
