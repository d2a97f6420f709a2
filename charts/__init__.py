"""cdk8s charts: the Kubernetes objects of Karmada, its policies, backups and the member access objects."""
