"""The Network Load Balancer in front of the Karmada API server."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from karmada_constructs.nag import acknowledge


@dataclass(frozen=True, kw_only=True)
class KarmadaApiLoadBalancerProps:
    """Properties of `KarmadaApiLoadBalancer`."""
    vpc: ec2.IVpc
    """The parent's VPC."""
    vpc_cidr: str
    """Its CIDR, always admitted (handlers, health checks)."""
    internet_facing: bool
    """Public subnets and an internet-facing scheme, or internal."""
    allowed_cidrs: list[str] = field(default_factory=list)
    """Client networks admitted to the listener. Default: none beyond the VPC."""
    apiserver_port: int = 5443
    """The karmada-apiserver container port (IP targets). Default: 5443."""
    listener_port: int = 443
    """The NLB's TCP listener port. Default: 443."""


class KarmadaApiLoadBalancer(Construct):
    """An NLB that passes TLS through to the karmada-apiserver pods.

    Creates an NLB with a TCP listener on 443 that passes TLS through to the karmada-apiserver pods (client
    certificates must reach the API server, so TLS ends there), an IP target group health-checked on HTTPS /readyz, and
    a security group that admits only the VPC and the configured client networks.

    The target group's members are managed in the cluster by a
    TargetGroupBinding (see charts/load_balancer_binding.py); `allow_to` opens
    the path from the NLB to the pods' security group.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaApiLoadBalancerProps) -> None:
        super().__init__(scope, id)
        self._apiserver_port = props.apiserver_port
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=props.vpc,
            description="Karmada API NLB: clients on 443 from the allow-list only",
            allow_all_outbound=False,
        )
        for cidr in [props.vpc_cidr, *props.allowed_cidrs]:
            self.security_group.add_ingress_rule(
                ec2.Peer.ipv4(cidr), ec2.Port.tcp(props.listener_port), "Karmada API clients"
            )
        if "0.0.0.0/0" in props.allowed_cidrs:
            acknowledge(
                self.security_group,
                "AwsSolutions-EC23",
                "The config sets api_endpoint.allow_anywhere: true, and synth warns about it.",
            )

        self.load_balancer = elbv2.NetworkLoadBalancer(
            self,
            "Nlb",
            vpc=props.vpc,
            internet_facing=props.internet_facing,
            vpc_subnets=ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PUBLIC if props.internet_facing else ec2.SubnetType.PRIVATE_WITH_EGRESS
            ),
            security_groups=[self.security_group],
            cross_zone_enabled=True,
        )
        acknowledge(
            self.load_balancer,
            "AwsSolutions-ELB2",
            "NLB access logs are only written for TLS listeners; this listener is TCP passthrough so the "
            "API server can verify client certificates. The API server's audit log (CloudWatch Logs) records the "
            "identity behind every write and every read but the control plane's own; not the client address, "
            "which this NLB does not pass on.",
        )
        self.target_group = elbv2.NetworkTargetGroup(
            self,
            "ApiServerTargets",
            vpc=props.vpc,
            port=props.apiserver_port,
            protocol=elbv2.Protocol.TCP,
            target_type=elbv2.TargetType.IP,
            # Off (the default for IP targets over TCP, made explicit): the pods see the NLB's own addresses,
            # which is what karmada-apiserver's NetworkPolicy admits (the NLB's subnets, not every client).
            preserve_client_ip=False,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                protocol=elbv2.Protocol.HTTPS,
                path="/readyz",
                port="traffic-port",
                interval=Duration.seconds(10),
                # Explicit and below the interval: the NLB default for HTTPS checks equals the
                # interval (10 s), so a slow check overlaps the next one.
                timeout=Duration.seconds(6),
                healthy_threshold_count=2,
                unhealthy_threshold_count=2,
            ),
        )
        self.load_balancer.add_listener(
            "Https", port=props.listener_port, protocol=elbv2.Protocol.TCP, default_target_groups=[self.target_group]
        )

    @property
    def dns_name(self) -> str:
        return self.load_balancer.load_balancer_dns_name

    def allow_to(self, pods_security_group: ec2.ISecurityGroup) -> None:
        """Let the NLB reach the API server pods (and health-check them) in this security group."""
        self.security_group.connections.allow_to(
            pods_security_group, ec2.Port.tcp(self._apiserver_port), "Karmada API NLB to karmada-apiserver pods"
        )
