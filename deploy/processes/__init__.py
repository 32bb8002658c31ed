"""Starting, binding, supervising and serving Caseline's processes (the demo's and a
gateway's): launcher, supervision, uvicorn settings, garbage-collector settings."""
