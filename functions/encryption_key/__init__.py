"""The KarmadaEncryptionKey custom resource: the key karmada-apiserver encrypts Secrets with at rest."""
