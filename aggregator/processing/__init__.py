"""How long cases take, what is late and what runs: processing statistics from the agencies,
personal estimates, legal deadlines and journeys across agencies (plain functions over the
records in :mod:`aggregator.processing.model`)."""
