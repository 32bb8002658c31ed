"""Generated Python code for the Caseline contract (``proto/caseline``)."""
