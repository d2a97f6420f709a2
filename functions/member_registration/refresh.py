"""Scheduled refresh of a member's credentials (EventBridge Scheduler): Pull agent certificates, Push tokens.

The registration stack's schedule invokes ``on_event`` with the registration's own properties as the event (the
custom resource's ResourceProperties, without the CloudFormation envelope), under the registrar's role, so the
member's join role trusts it as it trusts the registration.

Pull, daily. cert-manager renews the agent's client certificate in the parent (Secret ``AgentCredentialSecret``,
30 days before the end of its 90); karmada-agent only reads the copy in its member's Secret ``karmada-kubeconfig``,
and only when it starts. Each run:

1. reads the parent's certificate (CN, O and expiry checked as the registration checks them) and the one in the
   member's ``karmada-kubeconfig``;
2. the same serial number: nothing to do (``Unchanged``). A parent certificate that expires no later than the
   member's: nothing either (``KeptNewer``, a warning): it never downgrades the agent;
3. otherwise it first proves that Karmada accepts the new certificate (the agent's own ``get`` of its Cluster,
   as the agent), then rewrites ``karmada-kubeconfig``, sets the agent Deployment's pod-template annotation
   ``eks-karmada.io/agent-certificate: <serial>`` (the pods roll and read the new kubeconfig) and waits for the
   Cluster to be Ready (``Refreshed``).

It never creates the Secret (the registration does) and leaves one another registration wrote alone.

Push, hourly (push_tokens.py). The member's tokens in Karmada stay while they are within the first half of their
life and the member accepts them (``Unchanged``); otherwise the refresh requests new ones, writes them into Karmada's
two Secrets, rolls the Deployments that watch the member with the old one (``TokenConsumers``) and waits for the
Cluster to be Ready (``Refreshed``, with the reason). Re-creating the member's ServiceAccount revokes its tokens: the
next run (or an invocation at once) replaces them.

Errors are raised as one line (the function's Errors metric counts them), with no secret material; the next run
tries again, well within the life the old credential has left.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Any

from ..errors import HandlerError
from ..kube.client import KubeClient
from ..kube.connection import KarmadaTransport, TlsMaterial
from ..kube.errors import ApiError
from ..kube.retry import Deadline, root_cause
from . import objects as obj
from . import push_tokens
from .certinfo import CertificateInfo, read_certificate
from .errors import CertificateFormatError, PropertiesError, RegistrationError
from .handler import (
    CONNECT_ERRORS,
    REGISTRATION_ANNOTATION,
    USER_AGENT,
    Run,
    Runtime,
    budget_seconds,
    describe,
    physical_id_for,
    quiet_aws_sdk_logs,
)
from .properties import Properties

__all__ = ["Runtime", "handle", "on_event"]  # Runtime: what the local schedules daemon builds for ``handle``

logger = logging.getLogger("member_registration.refresh")
logger.setLevel(logging.INFO)

UNCHANGED, KEPT_NEWER, REFRESHED = "Unchanged", "KeptNewer", "Refreshed"


def on_event(event: dict, context: Any) -> dict:
    """Lambda entry point (the EventBridge Scheduler target)."""
    quiet_aws_sdk_logs()
    return handle(event, context, Runtime.default())


def handle(event: dict, context: Any, runtime: Runtime) -> dict:
    """Refresh the agent certificate (Pull) or the tokens (Push) of the member the event's properties name."""
    if not isinstance(event, dict) or "RequestType" in event or "ResourceProperties" in event:
        raise RegistrationError("the credential refresh takes the registration's properties as its event "
                                "(the schedule's Input), not a CloudFormation event: send those to handler.on_event")
    try:
        props = Properties.parse(event)
    except PropertiesError as err:
        raise RegistrationError(f"credential refresh: {err}") from None
    run = Run(props, runtime, Deadline(budget_seconds(context, runtime), runtime.clock), "Refresh",
              physical_id_for(props))
    try:
        return _Refresh(run).refresh().as_dict() if props.pull else refresh_push_tokens(run)
    except HandlerError as err:
        raise RegistrationError(run.redact(err)) from None
    except Exception as err:  # noqa: BLE001 - anything else still ends as one short, clean line
        logger.error("refresh failed: %s: %s", type(err).__name__, run.redact(err))
        raise RegistrationError(run.redact(f"credential refresh of {props.member_name} failed: "
                                           f"{type(err).__name__}: {err}")) from None
    finally:
        run.close()


def refresh_push_tokens(run: Run) -> dict:
    """Renew a Push member's tokens in Karmada when push_tokens.py says they must be, and hand them on."""
    p = run.props
    cluster = run.k_get(obj.CLUSTERS, p.member_name)
    if cluster is None:
        raise RegistrationError(f"Cluster {p.member_name} is not registered in Karmada: its KarmadaRegistration stack "
                                "registers it; the refresh only renews its tokens")
    member = run.member(p)
    tokens, reason = push_tokens.held_or_new(run, member)
    expires = tokens.controller.expires.isoformat() if tokens.controller.expires else ""
    if reason is None:
        return {"MemberName": p.member_name, "Action": UNCHANGED, "Expires": expires}
    run.write_push_secrets(member, tokens, obj.owner_reference(cluster))
    rolled = push_tokens.roll_consumers(run, tokens)
    run.wait_cluster_ready()
    return {"MemberName": p.member_name, "Action": REFRESHED, "Reason": reason, "Expires": expires,
            "Rolled": rolled}


@dataclass(frozen=True)
class Outcome:
    """What a refresh did, and the certificate the member's agent now uses."""

    member: str
    action: str
    certificate: CertificateInfo

    def as_dict(self) -> dict:
        return {"MemberName": self.member, "Action": self.action, "Serial": self.certificate.serial_hex,
                "NotAfter": self.certificate.not_after.isoformat()}


def member_certificate(secret: dict, key: str) -> CertificateInfo | None:
    """The client certificate of the kubeconfig in ``secret.data[key]``; None when there is none to read."""
    try:
        config = json.loads(base64.b64decode((secret.get("data") or {}).get(key) or "", validate=True))
        context_name = config.get("current-context")
        context = next((c.get("context") or {} for c in config.get("contexts") or []
                        if c.get("name") == context_name), {})
        users = config.get("users") or []
        user = next((u for u in users if u.get("name") == context.get("user")), users[0] if users else {})
        return read_certificate(base64.b64decode((user.get("user") or {}).get("client-certificate-data") or ""))
    except (ValueError, binascii.Error, AttributeError, CertificateFormatError):
        return None  # JSON is what the registrar and agent-bundle write; anything else is replaced


class _Refresh:
    """One refresh on top of the registration's invocation state (clients, retries, redaction, waits)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.props = run.props

    def refresh(self) -> Outcome:
        run, p = self.run, self.props
        agent = run.read_tls(p.agent_credential_namespace, p.agent_credential_secret)
        run.check_agent_certificate(agent.cert_pem)
        renewed = read_certificate(agent.cert_pem)
        member = run.member(p)
        described = describe(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, p.agent_namespace)
        existing = run.m_call(member, lambda c: c.get(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, p.agent_namespace),
                              f"read {described}")
        if existing is None:
            raise RegistrationError(
                f"{described} does not exist in the member {member.where}: the registration writes it (deploy the "
                f"KarmadaRegistration stack of {p.member_name}); the refresh only renews it")
        owner = (existing["metadata"].get("annotations") or {}).get(REGISTRATION_ANNOTATION)
        if owner and owner != run.physical_id:
            raise RegistrationError(f"{described} in the member {member.where} was written by registration {owner}, "
                                    f"not {run.physical_id}: left alone")
        current = member_certificate(existing, p.agent_kubeconfig_key)
        if current is not None and current.serial_number == renewed.serial_number:
            logger.info("%s already holds certificate %s (expires %s): nothing to do", described, renewed.serial_hex,
                        renewed.not_after.isoformat())
            return Outcome(p.member_name, UNCHANGED, current)
        if current is not None and renewed.not_after <= current.not_after:
            logger.warning("%s holds certificate %s, expiring %s, no earlier than the parent's %s (%s): kept, never "
                           "downgraded", described, current.serial_hex, current.not_after.isoformat(),
                           renewed.serial_hex, renewed.not_after.isoformat())
            return Outcome(p.member_name, KEPT_NEWER, current)

        server_ca = run.karmada_ca()
        self.check_karmada_accepts(TlsMaterial(ca_pem=server_ca, cert_pem=agent.cert_pem, key_pem=agent.key_pem),
                                   renewed)
        body = run.agent_kubeconfig_secret(server_ca, agent)
        run.m_call(member, lambda c: c.apply(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, p.agent_namespace, body,
                                             p.field_manager, force=True), f"apply {described}")
        logger.info("wrote certificate %s (expires %s) into %s in the member %s, replacing %s", renewed.serial_hex,
                    renewed.not_after.isoformat(), described, member.where,
                    current.serial_hex if current else "an unreadable one")
        # The same pod-template annotations a registration writes, so a later Update sees nothing new to restart for.
        run.restart_agent(member, server_ca, agent.cert_pem)
        run.wait_cluster_ready()
        return Outcome(p.member_name, REFRESHED, renewed)

    def check_karmada_accepts(self, tls: TlsMaterial, certificate: CertificateInfo) -> None:
        """Read the agent's own Cluster as the agent: the member never gets a certificate Karmada refuses."""
        run, p = self.run, self.props
        what = f"read Cluster {p.member_name} in Karmada with the renewed agent certificate {certificate.serial_hex}"
        transport = KarmadaTransport(run.parent(), tls, p.api_server_namespace, p.api_server_service,
                                     p.api_server_port, p.api_server_server_name, run.runtime.karmada_transport)
        client = KubeClient(transport, user_agent=USER_AGENT)
        try:
            run.retry(lambda: client.get(obj.CLUSTERS, p.member_name), what=what)
        except CONNECT_ERRORS as err:
            cause = root_cause(err)
            if isinstance(cause, ApiError) and cause.code == 401:
                raise RegistrationError(
                    f"Karmada refuses the renewed agent certificate {certificate.serial_hex} of {p.member_name} "
                    f"(401): not written to the member; check that Secret {p.agent_credential_namespace}/"
                    f"{p.agent_credential_secret} is issued by the Karmada CA") from None
            if isinstance(cause, ApiError) and cause.code == 403:
                raise RegistrationError(
                    f"Karmada accepts the renewed certificate but {obj.agent_user(p.member_name)} may not get its "
                    f"Cluster (403): the agent's RBAC is missing; update the KarmadaRegistration stack of "
                    f"{p.member_name} to apply it again") from None
            raise run.fail(what, err) from err
        finally:
            transport.close()
        logger.info("Karmada accepts certificate %s as %s", certificate.serial_hex, obj.agent_user(p.member_name))
