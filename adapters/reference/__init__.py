"""What the three reference adapters share: the catalog of agencies, the demo store and its
seeding, the people their cases are about, and the demo-data generators' helpers."""
