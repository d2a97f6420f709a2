"""`eks-karmada cost`: the monthly cost of the configured deployment, by service.

The model (everything the stacks create that has a price of its own):

* EKS: one control plane per cluster (the parent and each `new` member), per hour;
* EC2: each node group's desired size of its first instance type (managed node groups launch the
  first type of the list for on-demand capacity), per hour;
* EBS gp3: every node's root volume (root_volume_gib, baseline performance) and one etcd volume
  per etcd replica (etcd_volume_gib, plus the StorageClass's IOPS above 3,000 and throughput above
  125 MiB/s, which gp3 bills separately);
* ELB: the Karmada API's Network Load Balancer, per hour, plus an assumed number of load balancer
  capacity units (LCUs) per hour (--nlb-lcus);
* NAT gateways: per hour for each one the VPCs create, plus an assumed amount of data processed
  per cluster each month (--nat-gb);
* public IPv4: one address per NAT gateway, plus one per AZ when the NLB is internet-facing;
* data transfer over VPC peering (traffic.enabled with interconnect vpc_peering): an assumed amount
  per peered pair of members each month (--peering-gb), half each way. A cross-region pair pays the
  inter-region rate in the sending region; a same-region pair is assumed to cross AZs all the time
  (the worst case; within one AZ it is free) and pays the cross-AZ rate out and in. Peering itself
  has no hourly charge.
* with traffic.enabled (docs/traffic.md): the Route 53 hosted zone the members write into, per month (an existing
  zone: already billed if it serves other names; queries to its alias records for the NLBs are free), and in each
  `new` member an internet-facing NLB per public Service (an assumed number, --public-services), per hour, with the
  assumed LCUs and one public IPv4 address per AZ. ExternalDNS itself is one small pod on existing nodes.

`existing` and `external` members cost nothing here: this app does not create them. Left out:
other data transfer (cross-AZ inside a cluster, internet), CloudWatch Logs (flow logs, EKS
control-plane logs), KMS keys, Lambda, S3, snapshots and EKS extended support.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from eks_karmada.cli import prices as bundled
from eks_karmada.cli.common import ConfigOption, ProfileOption, consoles, make_clients, read_config, say
from eks_karmada.cli.errors import CliError, guard
from eks_karmada.config import AppConfig, MemberKind
from eks_karmada.member_peering import peered_pairs

PRICING_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")  # where the Price List API answers


# ---- the bill of materials -------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceKey:
    """Which price a usage line needs: a RegionPrices field, in a region, for an instance type."""

    kind: str  # a RegionPrices field: eks_cluster_hour, ec2_hour, gp3_gb_month, ...
    region: str
    instance_type: str = ""


@dataclass
class Usage:
    """``count`` things of ``per`` units each, priced by ``key``."""

    service: str
    item: str
    key: PriceKey
    count: float
    count_unit: str
    per: float
    per_unit: str
    price_unit: str

    @property
    def quantity(self) -> float:
        return self.count * self.per


@dataclass(frozen=True)
class Assumptions:
    """Usage the config does not determine: hours a month, NAT data per cluster, NLB LCUs, peering data per pair."""

    hours: float = bundled.HOURS_PER_MONTH
    nat_gb_per_cluster: float = 50.0
    nlb_lcus: float = 1.0
    peering_gb_per_pair: float = 10.0
    public_services: int = 1  # public Services (one NLB each) per new member, with traffic.enabled


@dataclass(frozen=True)
class _Cluster:
    name: str
    region: str
    nodes: int
    instance_type: str
    root_gib: int
    nat_gateways: int
    zones: int


def _clusters(config: AppConfig) -> list[_Cluster]:
    parent = config.parent
    out = [_Cluster(parent.cluster_name, parent.region, parent.node_group.desired_size,
                    parent.node_group.instance_types[0], parent.node_group.root_volume_gib, parent.nat_gateways,
                    len(parent.availability_zones))]
    for member in config.members:
        if member.kind is MemberKind.new:
            out.append(_Cluster(member.eks_cluster_name, member.region or "", member.node_group.desired_size,
                                member.node_group.instance_types[0], member.node_group.root_volume_gib,
                                member.nat_gateways, len(member.zones)))
    return out


def bill_of_materials(config: AppConfig, assume: Assumptions = Assumptions()) -> list[Usage]:
    """What the config deploys, in priced units, merged per service, item, region and size."""
    hours = assume.hours
    parent = config.parent
    clusters = _clusters(config)
    items: list[Usage] = []

    def add(service, item, kind, region, count, count_unit, per, per_unit, price_unit, instance_type=""):
        if count > 0 and per > 0:
            items.append(Usage(service, item, PriceKey(kind, region, instance_type), count, count_unit, per,
                               per_unit, price_unit))

    for c in clusters:
        add("EKS", "control plane", "eks_cluster_hour", c.region, 1, "cluster", hours, "h", "h")
    for c in clusters:
        add("EC2", f"{c.instance_type} nodes", "ec2_hour", c.region, c.nodes, "node", hours, "h", "h", c.instance_type)
    for c in clusters:
        add("EBS", "node root volumes (gp3)", "gp3_gb_month", c.region, c.nodes, "volume", c.root_gib, "GB", "GB-mo")
    etcd, storage = config.karmada, parent.storage_class
    add("EBS", "etcd volumes (gp3)", "gp3_gb_month", parent.region, etcd.etcd_replicas, "volume",
        etcd.etcd_volume_gib, "GB", "GB-mo")
    add("EBS", "etcd IOPS above 3,000", "gp3_iops_month", parent.region, etcd.etcd_replicas, "volume",
        storage.iops - bundled.GP3_FREE_IOPS, "IOPS", "IOPS-mo")
    add("EBS", "etcd throughput above 125 MiB/s", "gp3_mibps_month", parent.region, etcd.etcd_replicas, "volume",
        storage.throughput_mibps - bundled.GP3_FREE_THROUGHPUT_MIBPS, "MiB/s", "MiB/s-mo")
    add("ELB", "Karmada API NLB", "nlb_hour", parent.region, 1, "NLB", hours, "h", "h")
    add("ELB", "NLB capacity units (assumed)", "nlb_lcu_hour", parent.region, assume.nlb_lcus, "LCU", hours, "h",
        "LCU-h")
    for c in clusters:
        add("NAT gateway", "NAT gateway hours", "nat_hour", c.region, c.nat_gateways, "gateway", hours, "h", "h")
    for c in clusters:
        add("NAT gateway", "data processed (assumed)", "nat_gb", c.region, 1, "cluster", assume.nat_gb_per_cluster,
            "GB", "GB")
    for c in clusters:
        add("Public IPv4", "NAT gateway addresses", "ipv4_hour", c.region, c.nat_gateways, "address", hours, "h", "h")
    if config.api_endpoint.scheme == "internet-facing":
        add("Public IPv4", "internet-facing NLB addresses", "ipv4_hour", parent.region,
            len(parent.availability_zones), "address", hours, "h", "h")
    if config.traffic.enabled:
        _add_traffic(add, clusters[1:], assume)

    for pair in peered_pairs(config):
        half = assume.peering_gb_per_pair / 2
        for member in (pair.requester, pair.accepter):
            if pair.cross_region:
                add("Data transfer", "VPC peering, inter-region (assumed)", "inter_region_gb", member.region or "", 1,
                    "pair", half, "GB", "GB")
            else:
                # Billed out of the sender's AZ and into the receiver's: both directions of each GB.
                add("Data transfer", "VPC peering, cross-AZ (assumed)", "cross_az_gb", member.region or "", 1,
                    "pair", 2 * half, "GB", "GB")

    merged: OrderedDict[tuple, Usage] = OrderedDict()
    for usage in items:
        key = (usage.service, usage.item, usage.key, usage.per)
        if key in merged:
            merged[key].count += usage.count
        else:
            merged[key] = usage
    return list(merged.values())


def _add_traffic(add: Any, members: list[_Cluster], assume: Assumptions) -> None:
    """Route 53 and the public Services' NLBs of docs/traffic.md (``members``: the `new` members)."""
    hours, services = assume.hours, assume.public_services
    add("Route 53", "hosted zone", "route53_zone_month", bundled.GLOBAL, 1, "zone", 1, "month", "zone-mo")
    for c in members:
        add("ELB", "public Service NLBs (assumed)", "nlb_hour", c.region, services, "NLB", hours, "h", "h")
    for c in members:
        add("ELB", "public Service NLB capacity units (assumed)", "nlb_lcu_hour", c.region,
            services * assume.nlb_lcus, "LCU", hours, "h", "LCU-h")
    for c in members:
        add("Public IPv4", "public Service NLB addresses", "ipv4_hour", c.region, services * c.zones, "address",
            hours, "h", "h")


# ---- prices ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    """A unit price in USD and where it was read (bundled table or Price List API)."""

    usd: float
    source: str


class BundledPrices:
    """The table in prices.py; other regions fall back to us-east-1 (with a warning)."""

    label = f"bundled price table of {bundled.PRICES_TAKEN}"

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def _warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def price(self, key: PriceKey) -> Price | None:
        region = key.region
        table = bundled.PRICES.get(bundled.FALLBACK_REGION if region == bundled.GLOBAL else region)
        source = "bundled"
        if table is None:
            self._warn(f"no bundled prices for {region}: used {bundled.FALLBACK_REGION}'s (prices there are often "
                       f"higher); use --live for real ones")
            table = bundled.PRICES[bundled.FALLBACK_REGION]
            source = f"bundled {bundled.FALLBACK_REGION}"
        if key.kind == "ec2_hour":
            usd = table.ec2_hour.get(key.instance_type)
            if usd is None:
                self._warn(f"no bundled price for {key.instance_type}: its nodes are left out of the total; "
                           f"use --live")
                return None
            return Price(usd, source)
        return Price(getattr(table, key.kind), source)

    def lookup(self, keys: Iterable[PriceKey]) -> dict[PriceKey, Price | None]:
        return {key: self.price(key) for key in keys}


@dataclass(frozen=True)
class _Family:
    """One get_products query and the price kinds read from its answer (by usagetype suffix)."""

    name: str
    service_code: str
    filters: tuple[tuple[str, str], ...]
    kinds: tuple[tuple[str, str, tuple[str, ...]], ...]  # (kind, usagetype suffix, accepted units)


_HOURS = ("hrs", "hours")


def _families(region_keys: set[PriceKey]) -> list[_Family]:
    """The queries for one region, in a fixed order: EKS, EC2 by type, gp3, NLB, NAT, IPv4."""
    kinds = {k.kind for k in region_keys}
    families = []
    if "eks_cluster_hour" in kinds:
        families.append(_Family("EKS", "AmazonEKS", (), (("eks_cluster_hour", "AmazonEKS-Hours:perCluster", _HOURS),)))
    for instance_type in sorted({k.instance_type for k in region_keys if k.kind == "ec2_hour"}):
        families.append(_Family(
            f"EC2 {instance_type}", "AmazonEC2",
            (("instanceType", instance_type), ("operatingSystem", "Linux"), ("tenancy", "Shared"),
             ("preInstalledSw", "NA"), ("capacitystatus", "Used"), ("licenseModel", "No License required"),
             ("operation", "RunInstances")),
            (("ec2_hour:" + instance_type, f"BoxUsage:{instance_type}", _HOURS),),
        ))
    if kinds & {"gp3_gb_month", "gp3_iops_month", "gp3_mibps_month"}:
        families.append(_Family("EBS gp3", "AmazonEC2", (("volumeApiName", "gp3"),), (
            ("gp3_gb_month", "EBS:VolumeUsage.gp3", ("gb-mo", "gb-month")),
            ("gp3_iops_month", "EBS:VolumeP-IOPS.gp3", ("iops-mo", "iops-month")),
            ("gp3_mibps_month", "EBS:VolumeP-Throughput.gp3", ("gibps-mo", "mibps-mo", "mbps-mo")),
        )))
    if kinds & {"nlb_hour", "nlb_lcu_hour"}:
        families.append(_Family("NLB", "AWSELB", (("productFamily", "Load Balancer-Network"),), (
            ("nlb_hour", "LoadBalancerUsage", _HOURS),
            ("nlb_lcu_hour", "LCUUsage", ("lcu-hrs", "lcu-hours")),
        )))
    if kinds & {"nat_hour", "nat_gb"}:
        families.append(_Family("NAT gateway", "AmazonEC2", (("productFamily", "NAT Gateway"),), (
            ("nat_hour", "NatGateway-Hours", _HOURS),
            ("nat_gb", "NatGateway-Bytes", ("gb",)),
        )))
    if "ipv4_hour" in kinds:
        families.append(_Family("public IPv4", "AmazonVPC", (), (("ipv4_hour", "PublicIPv4:InUseAddress", _HOURS),)))
    return families


def _usagetype_matches(usagetype: str, suffix: str) -> bool:
    # us-east-1 usage types carry no region prefix for some services ("BoxUsage:m6i.large").
    return usagetype == suffix or usagetype.endswith("-" + suffix)


def _on_demand(product: dict) -> list[tuple[str, float]]:
    """(unit, USD) of each on-demand price dimension of a Price List product."""
    out = []
    for term in (product.get("terms") or {}).get("OnDemand", {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            try:
                out.append((dimension.get("unit", ""), float(dimension["pricePerUnit"]["USD"])))
            except (KeyError, TypeError, ValueError):
                continue
    return out


class LivePrices:
    """Current prices from the AWS Price List API (pricing:GetProducts); bundled ones where none is found."""

    def __init__(self, pricing_client: Any, fallback: BundledPrices, status: Any = None) -> None:
        self._pricing = pricing_client
        self._fallback = fallback
        self._status = status
        self.label = "AWS Price List API (live)"
        self.warnings = fallback.warnings

    def _products(self, family: _Family, region: str) -> list[dict]:
        filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}]
        filters += [{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in family.filters]
        products = []
        paginator = self._pricing.get_paginator("get_products")
        for page in paginator.paginate(ServiceCode=family.service_code, Filters=filters, FormatVersion="aws_v1",
                                       PaginationConfig={"PageSize": 100}):
            products += [json.loads(p) if isinstance(p, str) else p for p in page.get("PriceList") or []]
        return products

    def _read(self, family: _Family, region: str) -> dict[str, float]:
        found: dict[str, float] = {}
        for product in self._products(family, region):
            usagetype = ((product.get("product") or {}).get("attributes") or {}).get("usagetype", "")
            for kind, suffix, units in family.kinds:
                if kind in found or not _usagetype_matches(usagetype, suffix):
                    continue
                for unit, usd in _on_demand(product):
                    if unit.lower() in units and usd > 0:
                        # gp3 throughput is published per GiB/s-month; the model counts MiB/s.
                        found[kind] = usd / 1024 if unit.lower() == "gibps-mo" else usd
                        break
        return found

    def lookup(self, keys: Iterable[PriceKey]) -> dict[PriceKey, Price | None]:
        keys = list(dict.fromkeys(keys))
        result: dict[PriceKey, Price | None] = {}
        for region in sorted({k.region for k in keys}):
            region_keys = {k for k in keys if k.region == region}
            found: dict[str, float] = {}
            for family in _families(region_keys):
                if self._status is not None:
                    self._status.update(f"Price List API: {family.name} in {region}...")
                found.update(self._read(family, region))
            for key in region_keys:
                kind = f"ec2_hour:{key.instance_type}" if key.kind == "ec2_hour" else key.kind
                if kind in found:
                    result[key] = Price(found[kind], "live")
                else:
                    what = key.instance_type or key.kind
                    self._fallback._warn(f"the Price List API has no {what} price for {region}: used the bundled one")
                    result[key] = self._fallback.price(key)
        return result


# ---- the estimate ----------------------------------------------------------------------------------


def _dec(value: float) -> Decimal:
    """Money arithmetic in decimal, so 16.425 is 16.425 and rounds half up like an invoice."""
    return Decimal(repr(float(value)))


@dataclass
class Line:
    """One line of the estimate: a usage and its price (None when no price was found)."""

    usage: Usage
    price: Price | None

    @property
    def monthly(self) -> Decimal | None:
        if self.price is None:
            return None
        return _dec(self.usage.count) * _dec(self.usage.per) * _dec(self.price.usd)


@dataclass
class Estimate:
    """The priced lines, with the warnings met while pricing them and the price source."""

    lines: list[Line]
    warnings: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def total(self) -> Decimal:
        return sum((line.monthly or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def complete(self) -> bool:
        return all(line.price is not None for line in self.lines)

    def by_service(self) -> OrderedDict[str, Decimal]:
        out: OrderedDict[str, Decimal] = OrderedDict()
        for line in self.lines:
            out[line.usage.service] = out.get(line.usage.service, Decimal(0)) + (line.monthly or Decimal(0))
        return out


def estimate(config: AppConfig, book: Any, assume: Assumptions = Assumptions()) -> Estimate:
    usages = bill_of_materials(config, assume)
    found = book.lookup(u.key for u in usages)
    return Estimate([Line(u, found.get(u.key)) for u in usages], list(book.warnings), book.label)


# ---- output ----------------------------------------------------------------------------------------


def _plural(count: float, unit: str) -> str:
    if count == 1:
        return f"{count:g} {unit}"
    return f"{count:g} {unit}es" if unit.endswith("s") else f"{count:g} {unit}s"


def _usd(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _unit_price(usd: float) -> str:
    text = f"{usd:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") or len(text.split(".")[1]) < 2 else text


def lines_table(result: Estimate, width: int | None = None) -> Table:
    """Every line of the estimate; at ``width`` columns names wrap and numbers never do.

    Numbers (region, unit price, monthly amount) never wrap; when the table is wider than ``width``, each
    quantity goes on two lines ("2 clusters" over "× 730 h") and the service and item names wrap between words.
    """
    table = _lines_table(result, stacked=False)
    if width is not None and Console(width=10_000).measure(table).maximum > width:
        table = _lines_table(result, stacked=True)
    return table


def _lines_table(result: Estimate, *, stacked: bool) -> Table:
    table = Table(title=f"Monthly cost estimate (USD, {bundled.HOURS_PER_MONTH} h/month, on-demand)",
                  title_justify="left")
    table.add_column("Service", overflow="fold")
    table.add_column("Item", overflow="fold")
    table.add_column("Region", no_wrap=True)
    table.add_column("Quantity", no_wrap=True)
    table.add_column("Unit price", justify="right", no_wrap=True)
    table.add_column("Per month", justify="right", no_wrap=True)
    for line in result.lines:
        u = line.usage
        quantity = f"{_plural(u.count, u.count_unit)}{chr(10) if stacked else ' '}× {u.per:g} {u.per_unit}"
        price = "?" if line.price is None else f"{_unit_price(line.price.usd)}/{u.price_unit}"
        monthly = "?" if line.monthly is None else _usd(line.monthly)
        table.add_row(u.service, u.item, u.key.region, quantity, price, monthly)
    return table


def services_table(result: Estimate) -> Table:
    table = Table(title="By service", title_justify="left", show_footer=True)
    table.add_column("Service", footer="Total" + ("" if result.complete else " (incomplete)"))
    table.add_column("Per month", justify="right", footer=_usd(result.total))
    for service, amount in result.by_service().items():
        table.add_row(service, _usd(amount))
    return table


def cost(
    ctx: typer.Context,
    config: ConfigOption = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Read current prices from the AWS Price List API (needs pricing:GetProducts)."),
    ] = False,
    profile: ProfileOption = None,
    pricing_region: Annotated[
        str, typer.Option("--pricing-region", help="Region of the Price List API endpoint (with --live).")
    ] = "us-east-1",
    nat_gb: Annotated[
        float, typer.Option("--nat-gb", min=0, help="Assumed data through each cluster's NAT gateways, GB per month.")
    ] = Assumptions.nat_gb_per_cluster,
    nlb_lcus: Annotated[
        float,
        typer.Option(
            "--nlb-lcus", min=0, help="Assumed load balancer capacity units the Karmada API NLB uses per hour."
        ),
    ] = Assumptions.nlb_lcus,
    peering_gb: Annotated[
        float,
        typer.Option("--peering-gb", min=0,
                     help="Assumed data each peered pair of members exchanges, GB per month (traffic.interconnect)."),
    ] = Assumptions.peering_gb_per_pair,
    public_services: Annotated[
        int,
        typer.Option("--public-services", min=0,
                     help="With traffic.enabled: assumed public Services (one NLB each) per new member."),
    ] = Assumptions.public_services,
    as_json: Annotated[bool, typer.Option("--json", help="Print the estimate as JSON instead of tables.")] = False,
) -> None:
    """Estimate the monthly cost of the configured deployment, by service.

    Counts EKS control planes, EC2 nodes (desired size), EBS gp3 (node root volumes, etcd volumes
    with IOPS/throughput above the free baseline), the Karmada API NLB (hours + assumed LCUs), NAT
    gateways (hours + assumed data), public IPv4 addresses; with traffic.enabled also the Route 53
    hosted zone, each new member's public Service NLBs (--public-services) and, with interconnect
    vpc_peering, the data over the member VPC peerings (assumed GB per pair); at on-demand prices: the bundled
    table (us-east-1, us-west-2; other regions use us-east-1's with a warning) or, with --live, the
    AWS Price List API. Other data transfer, logs, KMS, Lambda and S3 are not included.
    """
    out, err = consoles()
    with guard(err):
        cfg = read_config(config)
        assume = Assumptions(nat_gb_per_cluster=nat_gb, nlb_lcus=nlb_lcus, peering_gb_per_pair=peering_gb,
                             public_services=public_services)
        book: Any = BundledPrices()
        if live:
            if pricing_region not in PRICING_REGIONS:
                raise CliError(f"--pricing-region {pricing_region}: the Price List API answers only in "
                               f"{', '.join(PRICING_REGIONS)}")
            clients = make_clients(ctx, profile)
            with err.status("Reading prices from the AWS Price List API...") as status:
                book = LivePrices(clients.aws("pricing", pricing_region), book, status)
                result = estimate(cfg, book, assume)
        else:
            result = estimate(cfg, book, assume)

    if as_json:
        out.print_json(json.dumps(to_json(result, assume, traffic=cfg.traffic.enabled)))
    else:
        out.print(lines_table(result, out.width))
        out.print(services_table(result))
        say(out, f"Prices: {result.source}. Assumed: nodes at desired size, {assume.nlb_lcus:g} NLB LCU per hour, "
                 f"{assume.nat_gb_per_cluster:g} GB NAT data per cluster{_peering_note(cfg, assume)}. Not included: "
                 f"other data transfer, CloudWatch Logs, KMS, Lambda, S3, snapshots.")
        if cfg.traffic.enabled:
            say(out, f"Traffic: {assume.public_services} public Service (one NLB) per new member assumed; Route 53 "
                     "queries to alias records for load balancers are free.")
    for warning in result.warnings:
        say(err, f"warning: {warning}")


def _peering_note(config: AppConfig, assume: Assumptions) -> str:
    pairs = len(peered_pairs(config))
    if not pairs:
        return ""
    return (f", {assume.peering_gb_per_pair:g} GB a month over each of the {pairs} VPC peering"
            f"{'s' if pairs != 1 else ''} (half each way; same-region pairs all across AZs)")


def to_json(result: Estimate, assume: Assumptions, *, traffic: bool = False) -> dict:
    assumptions: dict[str, float] = {"nat_gb_per_cluster": assume.nat_gb_per_cluster, "nlb_lcus": assume.nlb_lcus,
                                     "peering_gb_per_pair": assume.peering_gb_per_pair}
    if traffic:
        assumptions["public_services"] = assume.public_services
    return {
        "currency": bundled.CURRENCY,
        "prices": result.source,
        "hours_per_month": assume.hours,
        "assumptions": assumptions,
        "lines": [
            {
                "service": line.usage.service,
                "item": line.usage.item,
                "region": line.usage.key.region,
                "quantity": line.usage.quantity,
                "unit": line.usage.price_unit,
                "unit_price": None if line.price is None else line.price.usd,
                "monthly": None if line.monthly is None else float(line.monthly),
            }
            for line in result.lines
        ],
        "by_service": {k: float(v) for k, v in result.by_service().items()},
        "total": float(result.total),
        "complete": result.complete,
        "warnings": result.warnings,
    }
