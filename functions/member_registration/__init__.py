"""CloudFormation custom resource ``KarmadaMemberRegistration``: register one member cluster with Karmada."""
