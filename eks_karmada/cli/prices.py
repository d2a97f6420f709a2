"""Bundled on-demand list prices (USD) for `eks-karmada cost`.

Recorded on PRICES_TAKEN from AWS's published on-demand list prices for us-east-1 and us-west-2
(Linux, shared tenancy), without network access: `eks-karmada cost --live` reads the current
prices from the AWS Price List API instead, and regions not listed here fall back to us-east-1
with a warning. None of these rates has changed since the public IPv4 charge began (2024-02-01).

Units: hourly prices per hour; EBS prices per month (GB-month, IOPS-month, MiB/s-month);
NAT data per GB processed; data transfer per GB (inter-region out of the region, cross-AZ each way);
a Route 53 hosted zone per month (alias queries to load balancers are free).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRICES_TAKEN = "2026-11-24"
CURRENCY = "USD"
HOURS_PER_MONTH = 730  # AWS's own monthly convention (8,760 h / 12)
FALLBACK_REGION = "us-east-1"
GLOBAL = "global"  # the "region" of a global service's price (Route 53): the same in every table

# gp3 includes 3,000 IOPS and 125 MiB/s per volume; only what is provisioned above is billed.
GP3_FREE_IOPS = 3000
GP3_FREE_THROUGHPUT_MIBPS = 125


@dataclass(frozen=True)
class RegionPrices:
    """On-demand list prices (USD) for one region, in the units the module docstring gives."""

    eks_cluster_hour: float  # EKS control plane, standard support
    ec2_hour: dict[str, float] = field(default_factory=dict[str, float])  # on-demand Linux, by instance type
    gp3_gb_month: float = 0.0
    gp3_iops_month: float = 0.0  # per IOPS above 3,000
    gp3_mibps_month: float = 0.0  # per MiB/s above 125
    nlb_hour: float = 0.0
    nlb_lcu_hour: float = 0.0
    nat_hour: float = 0.0
    nat_gb: float = 0.0
    ipv4_hour: float = 0.0  # public IPv4 address, in use or idle
    inter_region_gb: float = 0.0  # data sent to another region (VPC peering included), per GB, billed to the sender
    cross_az_gb: float = 0.0  # data across AZs in one region (VPC peering included), per GB, each direction
    route53_zone_month: float = 0.0  # a public hosted zone (the first 25 of an account); Route 53 is global


# x86_64 types only: the node groups run the AL2023 x86_64 AMI.
_EC2_US = {
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "t3.2xlarge": 0.3328,
    "m5.large": 0.096,
    "m5.xlarge": 0.192,
    "m5.2xlarge": 0.384,
    "m6i.large": 0.096,
    "m6i.xlarge": 0.192,
    "m6i.2xlarge": 0.384,
    "m6i.4xlarge": 0.768,
    "m6a.large": 0.0864,
    "m6a.xlarge": 0.1728,
    "m6a.2xlarge": 0.3456,
    "m7i.large": 0.1008,
    "m7i.xlarge": 0.2016,
    "m7i.2xlarge": 0.4032,
    "c6i.large": 0.085,
    "c6i.xlarge": 0.17,
    "c6i.2xlarge": 0.34,
    "r6i.large": 0.126,
    "r6i.xlarge": 0.252,
    "r6i.2xlarge": 0.504,
}

_US = dict(
    eks_cluster_hour=0.10,
    gp3_gb_month=0.08,
    gp3_iops_month=0.005,
    gp3_mibps_month=0.04,
    nlb_hour=0.0225,
    nlb_lcu_hour=0.006,
    nat_hour=0.045,
    nat_gb=0.045,
    ipv4_hour=0.005,
    inter_region_gb=0.02,
    cross_az_gb=0.01,
    route53_zone_month=0.50,
)

PRICES: dict[str, RegionPrices] = {
    "us-east-1": RegionPrices(ec2_hour=dict(_EC2_US), **_US),
    "us-west-2": RegionPrices(ec2_hour=dict(_EC2_US), **_US),
}
