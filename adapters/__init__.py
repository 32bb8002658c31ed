"""Agency adapters: the SDK every adapter is built on and the three reference adapters."""
