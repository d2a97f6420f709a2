"""The only shell in the backup and restore pods: it runs in the AWS CLI image.

The etcd image (registry.k8s.io/etcd:3.6.x-0, i.e. etcd's own image on
gcr.io/distroless/static-debian12) has etcd, etcdctl and etcdutl in
/usr/local/bin and no shell, so every etcd step is one exec'd binary with
literal arguments, and the steps that need a shell (a timestamp, moving a data
directory aside, the S3 transfer) run in the pinned AWS CLI image (Amazon
Linux 2023: sh, date, mv, rm).

Every value reaches the scripts through an environment variable, never by
interpolation into the script text: the bucket name is a CDK token at synth time
and a snapshot key comes from an operator. Kubernetes expands ``$(VAR)`` in
container commands, so the scripts use backticks for command substitution and
``${VAR}`` for variables, which Kubernetes leaves alone.
"""

from __future__ import annotations

# Env: WORK_DIR, BUCKET, SNAPSHOT_PREFIX (ends with "/"). Writes one object and prints its URI.
# With METRIC_NAMESPACE set (and METRIC_NAME, METRIC_DIMENSIONS): then counts the upload in CloudWatch,
# the "last successful backup" the backup alarm watches; a failed count fails the Job, so it is retried.
UPLOAD = """\
set -eu
snapshot="${WORK_DIR}/snapshot.db"
test -s "${snapshot}" || { echo "no snapshot at ${snapshot}" >&2; exit 1; }
stamp=`date -u +%Y%m%dT%H%M%SZ`
key="${SNAPSHOT_PREFIX}${stamp}.db"
# SHA-256 checksum: S3 verifies it on receipt and stores it with the object (Object Lock buckets refuse a PutObject
# without one). The role may only put: an existing key gets a new version, the locked older one stays.
aws s3 cp "${snapshot}" "s3://${BUCKET}/${key}" --checksum-algorithm SHA256 --only-show-errors --no-progress
echo "uploaded s3://${BUCKET}/${key}"
if [ -n "${METRIC_NAMESPACE:-}" ]; then
  aws cloudwatch put-metric-data --namespace "${METRIC_NAMESPACE}" --metric-name "${METRIC_NAME}" \\
    --dimensions "${METRIC_DIMENSIONS}" --value 1 --unit Count
  echo "counted in ${METRIC_NAMESPACE}/${METRIC_NAME}"
fi
"""

# Env: WORK_DIR, BUCKET, SNAPSHOT_KEY, DATA_DIR, PREVIOUS_DATA_DIR, KEEP_PREVIOUS_DATA (true|false), and
# SNAPSHOT_VERSION (optional: an older version of the key, e.g. the locked original of an overwritten snapshot).
# Downloads the snapshot and clears DATA_DIR for `etcdutl snapshot restore`, which
# refuses to write into an existing directory. With KEEP_PREVIOUS_DATA the old data
# directory is moved aside once; a retry of the same restore (PREVIOUS_DATA_DIR already
# there) only removes the partial output of the failed attempt.
PREPARE_RESTORE = """\
set -eu
snapshot="${WORK_DIR}/snapshot.db"
if [ -n "${SNAPSHOT_VERSION:-}" ]; then
  aws s3api get-object --bucket "${BUCKET}" --key "${SNAPSHOT_KEY}" --version-id "${SNAPSHOT_VERSION}" \
    --checksum-mode ENABLED "${snapshot}" > /dev/null
else
  aws s3 cp "s3://${BUCKET}/${SNAPSHOT_KEY}" "${snapshot}" --checksum-mode ENABLED --only-show-errors --no-progress
fi
test -s "${snapshot}" || { echo "downloaded snapshot is empty" >&2; exit 1; }
echo "downloaded s3://${BUCKET}/${SNAPSHOT_KEY}"
if [ -e "${DATA_DIR}" ]; then
  if [ "${KEEP_PREVIOUS_DATA}" = "true" ] && [ ! -e "${PREVIOUS_DATA_DIR}" ]; then
    mv "${DATA_DIR}" "${PREVIOUS_DATA_DIR}"
    echo "moved the previous data directory to ${PREVIOUS_DATA_DIR}"
  else
    rm -rf "${DATA_DIR}"
    echo "removed ${DATA_DIR}"
  fi
fi
"""

# Env: ETCD_VOLUME (the data volume's mount path). Removes what PREPARE_RESTORE kept aside.
CLEANUP_PREVIOUS = """\
set -eu
found=0
for dir in "${ETCD_VOLUME}"/data.before-restore-*; do
  [ -e "${dir}" ] || continue
  rm -rf "${dir}"
  echo "removed ${dir}"
  found=1
done
[ "${found}" = 1 ] || echo "nothing to remove under ${ETCD_VOLUME}"
"""
