"""Reusable fakes for tests (import as ``tests.fakes.kube_api``)."""
