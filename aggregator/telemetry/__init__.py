"""Observability of the aggregator: spans around agency calls (``calls``), Prometheus
metrics (``metrics``) and the gauges read when /metrics is scraped (``gauges``)."""
