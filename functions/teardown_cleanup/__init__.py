"""TeardownCleanup custom resource handler (Lambda asset root; entry point handler.on_event)."""
