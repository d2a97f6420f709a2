"""`make mutate`: mutation testing of the core modules (docs/mutation.md)."""
