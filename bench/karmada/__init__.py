"""`make bench-karmada`: the control plane's capacity on the local control plane (run.py)."""
