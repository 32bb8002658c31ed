"""What the three reference adapters share: demo store schema, records and seeding."""
