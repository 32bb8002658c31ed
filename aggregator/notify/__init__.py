"""Notifications: agencies' change streams to the people a change concerns, at least once,
under consent. ``model`` holds the plain data, ``ports`` what each part offers the others.

The core, one job per module: ``changes`` (a streamed change as plain data), ``watcher``
(one per agency, from a durable cursor, reconnecting with backoff), ``decisions`` and
``matching`` (who is told, what each channel gets: pure), ``matcher`` (a change into the
outbox with the watcher's cursor, one transaction), ``outbox`` and ``tables`` (the durable
rows), ``release`` (the policy again when delivering or showing), ``delivery`` (the
deliverer: claims, ledger, channels, retries, dead letters), ``inbox``, ``live`` and
``preferences`` (what the gateway reads), ``runtime`` (composition, start and stop).
"""
