"""`python -m eks_karmada.cli` runs the same command as `eks-karmada`."""

from eks_karmada.cli.main import app

app(prog_name="eks-karmada")
