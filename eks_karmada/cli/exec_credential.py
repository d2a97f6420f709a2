"""A kubeconfig user's ``exec`` credential plugin, run as kubectl runs it (client.authentication.k8s.io).

The command (with its args and env, and KUBERNETES_EXEC_INFO) prints an ExecCredential on standard output:
``status.token``, or ``status.clientCertificateData`` and ``status.clientKeyData``, and optionally
``status.expirationTimestamp``. A token is kept until shortly before it expires, then the command runs again;
without an expiry it is kept for the whole command, as kubectl keeps it.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eks_karmada.cli.errors import CliError, one_line

API_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")
TIMEOUT_SECONDS = 120.0
REFRESH_MARGIN = datetime.timedelta(seconds=30)


@dataclass(frozen=True)
class ExecCredential:
    """What the plugin printed: a token, or a client certificate and key (PEM), and when it expires."""

    token: str | None = field(default=None, repr=False)
    cert_pem: bytes | None = field(default=None, repr=False)
    key_pem: bytes | None = field(default=None, repr=False)
    expires: datetime.datetime | None = None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class ExecPlugin:
    """One kubeconfig user's ``exec`` section; calling it gives a current token (running the command when needed)."""

    def __init__(self, spec: dict[str, Any], who: str, kubeconfig: Path, *,
                 clock: Callable[[], datetime.datetime] = _now) -> None:
        self.who = who
        self._clock = clock
        self._api_version = str(spec.get("apiVersion") or "")
        if self._api_version not in API_VERSIONS:
            raise CliError(f"{who}: exec apiVersion {self._api_version or '(none)'!r} is not supported; use "
                           f"{API_VERSIONS[1]} (as `eks-karmada kubeconfig` writes) or {API_VERSIONS[0]}")
        command = str(spec.get("command") or "")
        if not command:
            raise CliError(f"{who}: exec has no command; name the credential command (e.g. aws)")
        # As kubectl: a relative command with a path separator is relative to the kubeconfig's folder.
        if os.sep in command and not os.path.isabs(command):
            command = str(kubeconfig.parent / command)
        args = spec.get("args") or []
        env = spec.get("env") or []
        if not isinstance(args, list) or not isinstance(env, list) or not all(
                isinstance(e, dict) and e.get("name") for e in env):
            raise CliError(f"{who}: exec args must be a list and env a list of {{name, value}}; fix the kubeconfig")
        self._argv = [command, *(str(a) for a in args)]
        self._env = {str(e["name"]): str(e.get("value") or "") for e in env}
        self._hint = one_line(str(spec.get("installHint") or ""))
        self._current: ExecCredential | None = None

    def credential(self) -> ExecCredential:
        """The current credential: the cached one until it is about to expire, else a fresh one."""
        current = self._current
        if current is None or (current.expires is not None and self._clock() >= current.expires - REFRESH_MARGIN):
            current = self._current = self._run()
        return current

    def __call__(self) -> str:
        token = self.credential().token
        if token is None:
            raise CliError(f"{self.who}: the exec command stopped giving a token (it now gives a certificate)")
        return token

    def _run(self) -> ExecCredential:
        name = self._argv[0]
        if shutil.which(name) is None:
            hint = f": {self._hint}" if self._hint else "; install it or put it on PATH"
            raise CliError(f"{self.who}: exec command {name!r} not found{hint}")
        info = {"apiVersion": self._api_version, "kind": "ExecCredential", "spec": {"interactive": False}}
        env = {**os.environ, **self._env, "KUBERNETES_EXEC_INFO": json.dumps(info)}
        try:
            done = subprocess.run(self._argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,  # noqa: S603
                                  timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise CliError(f"{self.who}: exec command {name!r} gave no credential within {TIMEOUT_SECONDS:g} s; "
                           "run it by hand to see why") from None
        except OSError as err:
            raise CliError(f"{self.who}: cannot run exec command {name!r}: {err.strerror or err}") from None
        if done.returncode != 0:
            said = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
            why = f": {one_line(said[-1])}" if said else ""
            raise CliError(f"{self.who}: exec command {name!r} failed (exit {done.returncode}{why}); fix that "
                           "(e.g. `aws sso login`, or --profile / AWS_PROFILE) and retry")
        return self._parse(done.stdout)

    def _parse(self, stdout: bytes) -> ExecCredential:
        bad = f"{self.who}: exec command {self._argv[0]!r} did not print an ExecCredential"
        try:
            answer = json.loads(stdout.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise CliError(f"{bad} (its output is not JSON); make it print one, e.g. aws eks get-token --output "
                           "json") from None
        if not isinstance(answer, dict) or answer.get("kind") != "ExecCredential":
            raise CliError(f"{bad} (no kind: ExecCredential)")
        if answer.get("apiVersion") != self._api_version:
            raise CliError(f"{bad} of apiVersion {self._api_version} (it printed {answer.get('apiVersion')!r}); "
                           "set the kubeconfig's exec apiVersion to what the command prints")
        raw = answer.get("status")
        status: dict[str, Any] = raw if isinstance(raw, dict) else {}
        expires = None
        if status.get("expirationTimestamp"):
            try:
                expires = datetime.datetime.fromisoformat(str(status["expirationTimestamp"]).replace("Z", "+00:00"))
            except ValueError:
                raise CliError(f"{bad}: status.expirationTimestamp {status['expirationTimestamp']!r} is not "
                               "RFC 3339") from None
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=datetime.UTC)
        if status.get("token"):
            return ExecCredential(token=str(status["token"]), expires=expires)
        if status.get("clientCertificateData") and status.get("clientKeyData"):
            return ExecCredential(cert_pem=str(status["clientCertificateData"]).encode(),
                                  key_pem=str(status["clientKeyData"]).encode(), expires=expires)
        raise CliError(f"{bad} with status.token or status.clientCertificateData and clientKeyData")
