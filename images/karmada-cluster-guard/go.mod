// karmada-cluster-guard: the admission karmada-aggregated-apiserver lacks (it runs no admission plugin), as a
// reverse proxy the APIService v1alpha1.cluster.karmada.io points at. Standard library only.
module ekskarmada.local/karmada-cluster-guard

go 1.26
