"""The local control plane: the rendered Karmada control plane, run for real on one machine.

``make local`` builds the pinned upstream binaries (binaries.py), gives every rendered pod its own
network, mount and UTS namespace on a private bridge (network.py, kubelet.py), issues the PKI as
cert-manager would (pki.py), bootstraps the Karmada API and registers two members with the
project's own handlers (cloudformation.py, handlers.py), and leaves kubeconfigs in ``.local/``.
Everything it does differently from a real deployment is listed in deviations.py.
"""
