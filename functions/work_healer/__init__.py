"""The work healer: re-reconciles Works Karmada applied but left marked failed (handler.py)."""
