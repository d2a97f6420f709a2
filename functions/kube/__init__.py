"""The Kubernetes client shared by the Lambda handlers and the CLI (eks_karmada/cli).

``client`` (REST client and transports), ``eks_auth`` (EKS endpoint, CA and bearer tokens),
``connection`` (the Karmada API server reached through the parent cluster), ``endpoints``,
``retry``, ``agent_kubeconfig`` (the karmada-agent's kubeconfig Secret) and ``errors`` (every
exception, under ``KubeError``). Standard library and urllib3 only: it ships in the Lambda asset.
"""
