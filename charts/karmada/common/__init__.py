"""Shared builders: plain-dict manifests, pod plumbing and standard mounts."""
