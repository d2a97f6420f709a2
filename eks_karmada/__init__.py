"""The eks-karmada app: its config, the app builder, the CLI and the checks on the rendered manifests."""
