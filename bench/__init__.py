"""Scaling benchmark of the eks-karmada CDK app (issue 8): `python -m bench.run`.

Modules:
- configs:       member-count configs built with the config model (eks_karmada.config)
- measure:       runs one command and measures wall time, CPU time and peak memory of its process tree
- assembly:      reads a cloud assembly (manifest.json, templates) into stacks, resources and edges
- critical_path: the deploy-time model (longest path through resources and stacks)
- estimates:     per-resource-type creation-time estimates, each with its public source
- checks:        the scaling checks (flagged, never failing the bench)
- report:        docs/PERFORMANCE.md and bench.json
- run:           the entry point
"""
