"""Demo exports in the shapes of the platforms' seller centres: a tool for `make run` and the benches."""
