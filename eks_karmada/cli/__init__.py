"""`eks-karmada`: the operator's console command (kubeconfig, status, preflight, cost).

Entry point: `eks_karmada.cli.main:app` (also `python -m eks_karmada.cli`). Every outside call
goes through `eks_karmada.cli.clients.Clients`, which tests replace.
"""
