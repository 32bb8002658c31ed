"""Federation: calling the agencies' adapters in parallel, routing numbers to them, and
surviving an agency that is slow or down."""
