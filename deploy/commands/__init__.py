"""The operators' and auditors' command groups behind `caseline`: audit, keys, and the
options that find a running demo's state."""
