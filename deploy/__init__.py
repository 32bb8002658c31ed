"""Running Caseline: the `caseline` command line and the demo.

cli.py       the `caseline` command group (demo, adapter, gateway, vocab, seed, dev-token, …)
commands/    the operators' and auditors' command groups: audit, keys, finding a demo's state
demo/        `caseline demo`: processes, seeding, personas, local CA, slow agency, run files
processes/   starting, binding, supervising and serving processes (launcher, uvicorn settings)
agencies.toml  the reference agency registry
"""
