"""sha256 of every file in the crds.tar.gz of each pinned Karmada release. Generated: do not edit.

Regenerate with `.venv/bin/python -m eks_karmada.karmada_crds <version>` (eks_karmada/karmada_crds.py), from
the files of charts/karmada/_crds in the module github.com/karmada-io/karmada@<version>, then review the diff.
"""

DIGESTS: dict[str, dict[str, str]] = {
    "v1.18.2": {
        "crds/bases/apps/apps.karmada.io_workloadrebalancers.yaml":
            "7dbd19ae003fc6873c13c58307b4b03872b910661af0f6373d15c98f22ef52c8",
        "crds/bases/autoscaling/autoscaling.karmada.io_cronfederatedhpas.yaml":
            "94abd3a9e5e2ab768065c603834747fb4b68b1854fd797fc5147207b5f0dbd71",
        "crds/bases/autoscaling/autoscaling.karmada.io_federatedhpas.yaml":
            "6e231413c5bcc77c51cceaa9aa7c65694a2393b1c418e62254f2cf0835f4d0b6",
        "crds/bases/config/config.karmada.io_resourceinterpretercustomizations.yaml":
            "75a40fcbda5d09e0e3fc78d93fd066f93764b264f224fbf91872f52788ad218c",
        "crds/bases/config/config.karmada.io_resourceinterpreterwebhookconfigurations.yaml":
            "5b68ff2852e0875a5f8558223f89680d25dfbc681a9488b52f7228abc656c2ae",
        "crds/bases/multicluster/multicluster.x-k8s.io_serviceexports.yaml":
            "552a23e5d8859f30b1b802309e2196e5c86e941d76e7dc2c31d8ac70db3919b1",
        "crds/bases/multicluster/multicluster.x-k8s.io_serviceimports.yaml":
            "3fe2271e2408ab33940eed61670c692ef6f9f667f5c1705d21535c8fc565570e",
        "crds/bases/networking/networking.karmada.io_multiclusteringresses.yaml":
            "856779dae5ee7a9642a8cb1d5fd2b3fca517eda1bec700551c4cca5c102b58ab",
        "crds/bases/networking/networking.karmada.io_multiclusterservices.yaml":
            "8ae62f2c27faa7528c94454ca7376a8f85a77c595d72e6976b44d34fe6ae4bd9",
        "crds/bases/policy/policy.karmada.io_clusteroverridepolicies.yaml":
            "944a09be1f6d708d117bb6f3e2aa9066ae0de3dad9ee897c06fd171508e0ee59",
        "crds/bases/policy/policy.karmada.io_clusterpropagationpolicies.yaml":
            "b46f806938456f92af605e9e7361201a3d139f81a086cc24a972ef82f513758c",
        "crds/bases/policy/policy.karmada.io_clustertaintpolicies.yaml":
            "63b5d13b45cf33a3481a24b4282ea3c342ff096976410a3b8eceb4e2a0786a59",
        "crds/bases/policy/policy.karmada.io_federatedresourcequotas.yaml":
            "cf1e1dd6209ad9c284b043b26414670392981611c799a0d8cbdc1f0f10baef36",
        "crds/bases/policy/policy.karmada.io_overridepolicies.yaml":
            "f650d7b776e6ea31d6733aefefa027edc567172a556190f46b0de0730f05af52",
        "crds/bases/policy/policy.karmada.io_propagationpolicies.yaml":
            "d6d86476d0ca15e850645937c0e775145520bd6d134b91f823b536d80e5ff770",
        "crds/bases/remedy/remedy.karmada.io_remedies.yaml":
            "72a18053f6b547a5d3ebe0e4cf455f728e76cd40217dba27662584f0fb95dd10",
        "crds/bases/work/work.karmada.io_clusterresourcebindings.yaml":
            "386d15e1296295d11aa4d0bc0325748ee0608b46378222372018a7784214bd34",
        "crds/bases/work/work.karmada.io_resourcebindings.yaml":
            "75c71d2dbe2c2d8cf3cedf7fa0d255ffd31773f40365ce9611596cdd7d19998d",
        "crds/bases/work/work.karmada.io_works.yaml":
            "de2815d267ba1e1f19c6594a1f7a4401d37b7d073a206a0ae26277085d343bc2",
        "crds/kustomization.yaml":
            "822ed7356eac627da9434c1b64ae143d6e684d9ca917b9a9def6f5b6d91faa2b",
        "crds/patches/webhook_in_clusterresourcebindings.yaml":
            "53b747712acad2b200d90c3bd2954012ac81193ca4876243afa10a0395211b83",
        "crds/patches/webhook_in_resourcebindings.yaml":
            "1fac338a085d2738f7971097ef5265be71bbc9373e44f0f30b53da7851197256",
    },
}
