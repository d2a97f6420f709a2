"""Command-line flags of the Karmada v1.18.2 binaries and karmada-webhook's registered paths.

As documented at the tag (docs/command-line-flags/*.md, cmd/webhook/app/webhook.go). Used to catch
misspelt flags and webhook paths.
"""

KARMADA_FLAGS: dict[str, frozenset[str]] = {
    "karmada-aggregated-apiserver": frozenset(
        """
        --add-dir-header --alsologtostderr --audit-log-batch-buffer-size --audit-log-batch-max-size --audit-log-batch-max-wait --audit-log-batch-throttle-burst
        --audit-log-batch-throttle-enable --audit-log-batch-throttle-qps --audit-log-compress --audit-log-format --audit-log-maxage --audit-log-maxbackup
        --audit-log-maxsize --audit-log-mode --audit-log-path --audit-log-truncate-enabled --audit-log-truncate-max-batch-size --audit-log-truncate-max-event-size
        --audit-log-version --audit-policy-file --audit-webhook-batch-buffer-size --audit-webhook-batch-max-size --audit-webhook-batch-max-wait --audit-webhook-batch-throttle-burst
        --audit-webhook-batch-throttle-enable --audit-webhook-batch-throttle-qps --audit-webhook-config-file --audit-webhook-initial-backoff --audit-webhook-mode --audit-webhook-truncate-enabled
        --audit-webhook-truncate-max-batch-size --audit-webhook-truncate-max-event-size --audit-webhook-version --authentication-kubeconfig --authentication-skip-lookup --authentication-token-webhook-cache-ttl
        --authentication-tolerate-lookup-failure --authorization-always-allow-paths --authorization-kubeconfig --authorization-webhook-cache-authorized-ttl --authorization-webhook-cache-unauthorized-ttl --bind-address
        --cert-dir --client-ca-file --contention-profiling --debug-socket-path --delete-collection-workers --disable-http2-serving
        --enable-garbage-collector --enable-pprof --enable-priority-and-fairness --encryption-provider-config --encryption-provider-config-automatic-reload --etcd-cafile
        --etcd-certfile --etcd-compaction-interval --etcd-count-metric-poll-period --etcd-db-metric-poll-interval --etcd-healthcheck-timeout --etcd-keyfile
        --etcd-prefix --etcd-readycheck-timeout --etcd-servers --etcd-servers-overrides --feature-gates --http2-max-streams-per-connection
        --kube-api-burst --kube-api-qps --kubeconfig --lease-reuse-duration-seconds --log-backtrace-at --log-dir
        --log-file --log-file-max-size --log-flush-frequency --log-text-info-buffer-size --log-text-split-stream --logging-format
        --logtostderr --one-output --permit-address-sharing --permit-port-sharing --profiling --profiling-bind-address
        --requestheader-allowed-names --requestheader-client-ca-file --requestheader-extra-headers-prefix --requestheader-group-headers --requestheader-uid-headers --requestheader-username-headers
        --secure-port --skip-headers --skip-log-headers --stderrthreshold --storage-backend --storage-media-type
        --tls-cert-file --tls-cipher-suites --tls-min-version --tls-private-key-file --tls-sni-cert-key --v
        --vmodule --watch-cache --watch-cache-sizes
        """.split()
    ),
    "karmada-controller-manager": frozenset(
        """
        --add-dir-header --alsologtostderr --cluster-api-burst --cluster-api-context --cluster-api-kubeconfig --cluster-api-qps
        --cluster-cache-sync-timeout --cluster-failure-threshold --cluster-monitor-grace-period --cluster-monitor-period --cluster-startup-grace-period --cluster-status-update-frequency
        --cluster-success-threshold --concurrent-cluster-propagation-policy-syncs --concurrent-cluster-syncs --concurrent-clusterresourcebinding-syncs --concurrent-dependent-resource-syncs --concurrent-namespace-syncs
        --concurrent-propagation-policy-syncs --concurrent-resource-template-syncs --concurrent-resourcebinding-syncs --concurrent-work-syncs --controllers --enable-cluster-resource-modeling
        --enable-no-execute-taint-eviction --enable-pprof --enable-taint-manager --feature-gates --federated-resource-quota-sync-period --graceful-eviction-timeout
        --health-probe-bind-address --horizontal-pod-autoscaler-cpu-initialization-period --horizontal-pod-autoscaler-downscale-delay --horizontal-pod-autoscaler-downscale-stabilization --horizontal-pod-autoscaler-initial-readiness-delay --horizontal-pod-autoscaler-sync-period
        --horizontal-pod-autoscaler-tolerance --horizontal-pod-autoscaler-upscale-delay --kube-api-burst --kube-api-qps --kubeconfig --leader-elect
        --leader-elect-lease-duration --leader-elect-renew-deadline --leader-elect-resource-namespace --leader-elect-retry-period --log-backtrace-at --log-dir
        --log-file --log-file-max-size --log-flush-frequency --log-text-info-buffer-size --log-text-split-stream --logging-format
        --logtostderr --metrics-bind-address --no-execute-taint-eviction-purge-mode --one-output --profiling-bind-address --rate-limiter-base-delay
        --rate-limiter-bucket-size --rate-limiter-max-delay --rate-limiter-qps --resource-eviction-rate --resync-period --skip-headers
        --skip-log-headers --skipped-propagating-apis --skipped-propagating-namespaces --stderrthreshold --v --vmodule
        """.split()
    ),
    "karmada-descheduler": frozenset(
        """
        --add-dir-header --alsologtostderr --descheduling-interval --enable-pprof --health-probe-bind-address --insecure-skip-estimator-verify
        --kube-api-burst --kube-api-qps --kubeconfig --leader-elect --leader-elect-lease-duration --leader-elect-renew-deadline
        --leader-elect-resource-namespace --leader-elect-retry-period --log-backtrace-at --log-dir --log-file --log-file-max-size
        --log-flush-frequency --log-text-info-buffer-size --log-text-split-stream --logging-format --logtostderr --master
        --metrics-bind-address --one-output --profiling-bind-address --scheduler-estimator-ca-file --scheduler-estimator-cert-file --scheduler-estimator-key-file
        --scheduler-estimator-port --scheduler-estimator-service-namespace --scheduler-estimator-service-prefix --scheduler-estimator-timeout --skip-headers --skip-log-headers
        --stderrthreshold --unschedulable-threshold --v --vmodule
        """.split()
    ),
    "karmada-metrics-adapter": frozenset(
        """
        --add-dir-header --alsologtostderr --audit-log-batch-buffer-size --audit-log-batch-max-size --audit-log-batch-max-wait --audit-log-batch-throttle-burst
        --audit-log-batch-throttle-enable --audit-log-batch-throttle-qps --audit-log-compress --audit-log-format --audit-log-maxage --audit-log-maxbackup
        --audit-log-maxsize --audit-log-mode --audit-log-path --audit-log-truncate-enabled --audit-log-truncate-max-batch-size --audit-log-truncate-max-event-size
        --audit-log-version --audit-policy-file --audit-webhook-batch-buffer-size --audit-webhook-batch-max-size --audit-webhook-batch-max-wait --audit-webhook-batch-throttle-burst
        --audit-webhook-batch-throttle-enable --audit-webhook-batch-throttle-qps --audit-webhook-config-file --audit-webhook-initial-backoff --audit-webhook-mode --audit-webhook-truncate-enabled
        --audit-webhook-truncate-max-batch-size --audit-webhook-truncate-max-event-size --audit-webhook-version --authentication-kubeconfig --authentication-skip-lookup --authentication-token-webhook-cache-ttl
        --authentication-tolerate-lookup-failure --authorization-always-allow-paths --authorization-kubeconfig --authorization-webhook-cache-authorized-ttl --authorization-webhook-cache-unauthorized-ttl --bind-address
        --cert-dir --client-ca-file --cluster-api-burst --cluster-api-qps --contention-profiling --debug-socket-path
        --disable-http2-serving --enable-pprof --enable-priority-and-fairness --http2-max-streams-per-connection --kube-api-burst --kube-api-qps
        --kubeconfig --log-backtrace-at --log-dir --log-file --log-file-max-size --log-flush-frequency
        --log-text-info-buffer-size --log-text-split-stream --logging-format --logtostderr --metrics-bind-address --one-output
        --permit-address-sharing --permit-port-sharing --profiling --profiling-bind-address --requestheader-allowed-names --requestheader-client-ca-file
        --requestheader-extra-headers-prefix --requestheader-group-headers --requestheader-uid-headers --requestheader-username-headers --secure-port --skip-headers
        --skip-log-headers --stderrthreshold --tls-cert-file --tls-cipher-suites --tls-min-version --tls-private-key-file
        --tls-sni-cert-key --v --vmodule
        """.split()
    ),
    "karmada-scheduler": frozenset(
        """
        --add-dir-header --alsologtostderr --disable-scheduler-estimator-in-pull-mode --enable-empty-workload-propagation --enable-pprof --enable-scheduler-estimator
        --feature-gates --health-probe-bind-address --insecure-skip-estimator-verify --kube-api-burst --kube-api-qps --kubeconfig
        --leader-elect --leader-elect-lease-duration --leader-elect-renew-deadline --leader-elect-resource-name --leader-elect-resource-namespace --leader-elect-retry-period
        --log-backtrace-at --log-dir --log-file --log-file-max-size --log-flush-frequency --log-text-info-buffer-size
        --log-text-split-stream --logging-format --logtostderr --master --metrics-bind-address --one-output
        --plugins --profiling-bind-address --rate-limiter-base-delay --rate-limiter-bucket-size --rate-limiter-max-delay --rate-limiter-qps
        --scheduler-estimator-ca-file --scheduler-estimator-cert-file --scheduler-estimator-key-file --scheduler-estimator-port --scheduler-estimator-service-namespace --scheduler-estimator-service-prefix
        --scheduler-estimator-timeout --scheduler-name --skip-headers --skip-log-headers --stderrthreshold --v
        --vmodule
        """.split()
    ),
    "karmada-scheduler-estimator": frozenset(
        """
        --add-dir-header --alsologtostderr --cluster-name --enable-pprof --feature-gates --grpc-auth-cert-file
        --grpc-auth-key-file --grpc-client-ca-file --health-probe-bind-address --insecure-skip-grpc-client-verify --kube-api-burst --kube-api-qps
        --kubeconfig --log-backtrace-at --log-dir --log-file --log-file-max-size --log-flush-frequency
        --log-text-info-buffer-size --log-text-split-stream --logging-format --logtostderr --master --metrics-bind-address
        --one-output --parallelism --profiling-bind-address --server-port --skip-headers --skip-log-headers
        --stderrthreshold --v --vmodule
        """.split()
    ),
    "karmada-search": frozenset(
        """
        --add-dir-header --advertise-address --alsologtostderr --audit-log-batch-buffer-size --audit-log-batch-max-size --audit-log-batch-max-wait
        --audit-log-batch-throttle-burst --audit-log-batch-throttle-enable --audit-log-batch-throttle-qps --audit-log-compress --audit-log-format --audit-log-maxage
        --audit-log-maxbackup --audit-log-maxsize --audit-log-mode --audit-log-path --audit-log-truncate-enabled --audit-log-truncate-max-batch-size
        --audit-log-truncate-max-event-size --audit-log-version --audit-policy-file --audit-webhook-batch-buffer-size --audit-webhook-batch-max-size --audit-webhook-batch-max-wait
        --audit-webhook-batch-throttle-burst --audit-webhook-batch-throttle-enable --audit-webhook-batch-throttle-qps --audit-webhook-config-file --audit-webhook-initial-backoff --audit-webhook-mode
        --audit-webhook-truncate-enabled --audit-webhook-truncate-max-batch-size --audit-webhook-truncate-max-event-size --audit-webhook-version --authentication-kubeconfig --authentication-skip-lookup
        --authentication-token-webhook-cache-ttl --authentication-tolerate-lookup-failure --authorization-always-allow-paths --authorization-kubeconfig --authorization-webhook-cache-authorized-ttl --authorization-webhook-cache-unauthorized-ttl
        --bind-address --cert-dir --client-ca-file --cluster-api-burst --cluster-api-qps --contention-profiling
        --cors-allowed-origins --debug-socket-path --delete-collection-workers --disable-http2-serving --disable-proxy --disable-search
        --emulated-version --emulation-forward-compatible --enable-garbage-collector --enable-pprof --enable-priority-and-fairness --encryption-provider-config
        --encryption-provider-config-automatic-reload --etcd-cafile --etcd-certfile --etcd-compaction-interval --etcd-count-metric-poll-period --etcd-db-metric-poll-interval
        --etcd-healthcheck-timeout --etcd-keyfile --etcd-prefix --etcd-readycheck-timeout --etcd-servers --etcd-servers-overrides
        --external-hostname --feature-gates --goaway-chance --http2-max-streams-per-connection --kube-api-burst --kube-api-qps
        --kubeconfig --lease-reuse-duration-seconds --livez-grace-period --log-backtrace-at --log-dir --log-file
        --log-file-max-size --log-flush-frequency --log-text-info-buffer-size --log-text-split-stream --logging-format --logtostderr
        --max-mutating-requests-inflight --max-requests-inflight --min-compatibility-version --min-request-timeout --one-output --permit-address-sharing
        --permit-port-sharing --profiling --profiling-bind-address --request-timeout --requestheader-allowed-names --requestheader-client-ca-file
        --requestheader-extra-headers-prefix --requestheader-group-headers --requestheader-uid-headers --requestheader-username-headers --runtime-config-emulation-forward-compatible --secure-port
        --shutdown-delay-duration --shutdown-send-retry-after --shutdown-watch-termination-grace-period --skip-headers --skip-log-headers --stderrthreshold
        --storage-backend --storage-initialization-timeout --storage-media-type --strict-transport-security-directives --tls-cert-file --tls-cipher-suites
        --tls-min-version --tls-private-key-file --tls-sni-cert-key --v --vmodule --watch-cache
        --watch-cache-sizes
        """.split()
    ),
    "karmada-webhook": frozenset(
        """
        --add-dir-header --allow-no-execute-taint-policy --alsologtostderr --bind-address --cert-dir --enable-pprof
        --feature-gates --health-probe-bind-address --kube-api-burst --kube-api-qps --kubeconfig --log-backtrace-at
        --log-dir --log-file --log-file-max-size --log-flush-frequency --log-text-info-buffer-size --log-text-split-stream
        --logging-format --logtostderr --metrics-bind-address --one-output --profiling-bind-address --secure-port
        --skip-headers --skip-log-headers --stderrthreshold --tls-cert-file-name --tls-min-version --tls-private-key-file-name
        --v --vmodule
        """.split()
    ),
}

WEBHOOK_PATHS = frozenset(
    [
        "/convert",
        "/mutate-clusterpropagationpolicy",
        "/mutate-clusterresourcebinding",
        "/mutate-federatedhpa",
        "/mutate-multiclusterservice",
        "/mutate-overridepolicy",
        "/mutate-propagationpolicy",
        "/mutate-resourcebinding",
        "/mutate-work",
        "/validate-clusteroverridepolicy",
        "/validate-clusterpropagationpolicy",
        "/validate-clustertaintpolicy",
        "/validate-cronfederatedhpa",
        "/validate-federatedhpa",
        "/validate-federatedresourcequota",
        "/validate-multiclusteringress",
        "/validate-multiclusterservice",
        "/validate-overridepolicy",
        "/validate-propagationpolicy",
        "/validate-resourcebinding",
        "/validate-resourcedeletionprotection",
        "/validate-resourceinterpretercustomization",
        "/validate-resourceinterpreterwebhookconfiguration",
    ]
)


# The paths each component's health server answers with 200, per listener (container port name), as
# registered at the tag: controller-runtime's health-probe server serves /healthz and /readyz only for
# checks added with AddHealthzCheck/AddReadyzCheck (cmd/controller-manager/app/controllermanager.go,
# cmd/agent/app/agent.go: healthz "ping" only); karmada-webhook adds none to its health-probe server
# and serves /readyz/ on its webhook listener (cmd/webhook/app/webhook.go). Found by `make local`.
HEALTH_PATHS: dict[str, dict[str, frozenset[str]]] = {
    "karmada-controller-manager": {"health": frozenset({"/healthz"})},
    "karmada-agent": {"health": frozenset({"/healthz"})},
    "karmada-webhook": {"health": frozenset(), "https": frozenset({"/readyz/"})},
    "karmada-scheduler": {"health": frozenset({"/healthz"})},
}
