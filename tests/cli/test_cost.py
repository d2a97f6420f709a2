"""`eks-karmada cost`: totals checked against arithmetic done by hand here, not by the code under test."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli.harness import write_config

H = 730  # hours in the month


def _money(output: str, label: str) -> str:
    """The amount in the last cell of the last row labelled ``label`` (the by-service table comes last)."""
    found = None
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == label:
            found = cells[-1]
    assert found is not None, f"no row {label!r} in:\n{output}"
    return found


def test_default_config(world):
    result = world.invoke("cost")
    assert result.exit_code == 0, result.output
    # Default: parent (3 × m6i.large, 3 NAT gateways) + member-use1 and member-usw2 (2 × m6i.large, 1 NAT each).
    eks = 3 * H * 0.10                     # 219.00: three control planes
    ec2 = (3 + 2 + 2) * H * 0.096          # 490.56: seven m6i.large nodes
    ebs = (3 + 2 + 2) * 50 * 0.08 + 3 * 20 * 0.08  # 28.00 root + 4.80 etcd = 32.80 (gp3 at baseline)
    elb = H * 0.0225 + 1 * H * 0.006       # 16.425 + 4.38 = 20.805: one NLB, one LCU assumed
    nat = (3 + 1 + 1) * H * 0.045 + 3 * 50 * 0.045  # 164.25 hours + 6.75 data = 171.00
    ipv4 = (3 + 1 + 1) * H * 0.005         # 18.25: one address per NAT gateway (the NLB is internal)
    total = eks + ec2 + ebs + elb + nat + ipv4
    assert total == pytest.approx(952.415)
    assert _money(result.stdout, "EKS") == "219.00"
    assert _money(result.stdout, "EC2") == "490.56"
    assert _money(result.stdout, "EBS") == "32.80"
    assert _money(result.stdout, "ELB") == "20.81"
    assert _money(result.stdout, "NAT gateway") == "171.00"
    assert _money(result.stdout, "Public IPv4") == "18.25"
    assert _money(result.stdout, "Total") == "952.42"
    assert "bundled price table of 2026-11-24" in result.stdout
    assert result.stderr == ""  # no warnings: both regions are in the table
    assert world.profiles == []  # no AWS call without --live


def test_json_and_assumptions(world):
    result = world.invoke("cost", "--json", "--nat-gb", "0", "--nlb-lcus", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # The default total without NAT data (6.75) and with a second LCU (+ 730 × 0.006 = 4.38).
    assert data["total"] == pytest.approx(952.415 - 6.75 + 4.38)
    assert data["complete"] is True
    assert data["assumptions"] == {"nat_gb_per_cluster": 0.0, "nlb_lcus": 2.0, "peering_gb_per_pair": 10.0}
    lcu = next(line for line in data["lines"] if line["item"].startswith("NLB capacity"))
    assert lcu["quantity"] == 2 * H and lcu["monthly"] == pytest.approx(8.76)
    assert not any(line["item"].startswith("data processed") for line in data["lines"])


def test_a_bigger_config_with_fallbacks(world, tmp_path):
    config = write_config(tmp_path / "big.yaml", """
parent:
  nat_gateways: 1
  node_group: {instance_types: [m6i.xlarge], min_size: 3, desired_size: 3, max_size: 6, root_volume_gib: 100}
  storage_class: {iops: 6000, throughput_mibps: 250}
api_endpoint: {scheme: internet-facing, allowed_cidrs: [203.0.113.10/32]}
karmada: {etcd_replicas: 5, etcd_volume_gib: 50}
members:
  - name: member-euw1
    region: eu-west-1
    nat_gateways: 2
    node_group: {instance_types: [m6i.large], min_size: 2, desired_size: 4, max_size: 6}
  - {name: legacy, kind: existing, region: us-east-1, cluster_name: legacy-eks}
  - name: gpu
    region: us-west-2
    vpc_cidr: 10.2.0.0/16
    node_group: {instance_types: [g5.xlarge], min_size: 2, desired_size: 2, max_size: 2}
""")
    result = world.invoke("cost", "-c", str(config))
    assert result.exit_code == 0, result.output
    # The existing member costs nothing here; eu-west-1 is priced like us-east-1; g5.xlarge is unknown.
    eks = 3 * H * 0.10                                 # 219.00: parent, member-euw1, gpu
    ec2 = 3 * H * 0.192 + 4 * H * 0.096                # 420.48 + 280.32 (gpu nodes left out)
    ebs = (3 * 100 + 4 * 50 + 2 * 50) * 0.08           # 48.00 node root volumes
    ebs += 5 * 50 * 0.08                               # 20.00 etcd volumes
    ebs += 5 * (6000 - 3000) * 0.005                   # 75.00 etcd IOPS above the free 3,000
    ebs += 5 * (250 - 125) * 0.04                      # 25.00 etcd throughput above the free 125 MiB/s
    elb = H * 0.0225 + H * 0.006                       # 20.805
    nat = (1 + 2 + 1) * H * 0.045 + 3 * 50 * 0.045     # 131.40 + 6.75
    ipv4 = (1 + 2 + 1) * H * 0.005 + 3 * H * 0.005    # 14.60 NAT + 10.95 internet-facing NLB (3 AZs)
    total = eks + ec2 + ebs + elb + nat + ipv4
    assert total == pytest.approx(1272.305)
    assert _money(result.stdout, "EC2") == "700.80"
    assert _money(result.stdout, "EBS") == "168.00"
    assert _money(result.stdout, "Public IPv4") == "25.55"
    assert _money(result.stdout, "Total (incomplete)") == "1,272.31"
    gpu_nodes = next(line for line in result.stdout.splitlines() if "g5.xlarge nodes" in line)
    assert [c.strip() for c in gpu_nodes.split("│")[-3:-1]] == ["?", "?"]
    warnings = result.stderr.strip().splitlines()
    assert warnings == [
        "warning: no bundled prices for eu-west-1: used us-east-1's (prices there are often higher); use --live for "
        "real ones",
        "warning: no bundled price for g5.xlarge: its nodes are left out of the total; use --live",
    ]


def test_vpc_peering_data_transfer(world):
    # config/traffic.yaml: member-use1 and member-use1-b (us-east-1), member-usw2 (us-west-2): three pairs.
    result = world.invoke("cost", "-c", "config/traffic.yaml", "--json", "--peering-gb", "100")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    peering = [line for line in data["lines"] if line["service"] == "Data transfer"]
    # Two cross-region pairs (use1-usw2, usw2-use1-b): 50 GB out of each side at 0.02/GB.
    inter = sorted((line["region"], line["quantity"]) for line in peering if "inter-region" in line["item"])
    assert inter == [("us-east-1", 100.0), ("us-west-2", 100.0)]
    # One same-region pair (use1-use1-b), assumed all across AZs: 100 GB, paid out and in at 0.01/GB.
    (cross_az,) = [line for line in peering if "cross-AZ" in line["item"]]
    assert (cross_az["region"], cross_az["quantity"], cross_az["unit_price"]) == ("us-east-1", 200.0, 0.01)
    assert data["by_service"]["Data transfer"] == pytest.approx(200 * 0.02 + 200 * 0.01)  # 6.00
    assert data["assumptions"]["peering_gb_per_pair"] == 100.0
    table = world.invoke("cost", "-c", "config/traffic.yaml")
    # The default 10 GB a pair: 2 cross-region pairs × 10 GB × 0.02 + 1 same-region pair × 2 × 10 GB × 0.01.
    assert _money(table.stdout, "Data transfer") == "0.60"
    assert "10 GB a month over each of the 3 VPC peerings" in " ".join(table.stdout.split())


def test_no_peering_no_data_transfer_line(world):
    data = json.loads(world.invoke("cost", "--json").stdout)
    assert "Data transfer" not in data["by_service"]


# ---- --live: the Price List API through a botocore Stubber ------------------------------------------------


def _product(usagetype: str, unit: str, usd: float, **attributes: str) -> str:
    sku = "SKU" + str(abs(hash(usagetype)) % 10**8)
    return json.dumps({
        "product": {"sku": sku, "attributes": {"usagetype": usagetype, "regionCode": "us-east-1", **attributes}},
        "serviceCode": "x",
        "terms": {"OnDemand": {f"{sku}.JRTCKXETXF": {
            "sku": sku, "offerTermCode": "JRTCKXETXF", "effectiveDate": "2026-11-01T00:00:00Z",
            "priceDimensions": {f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                "unit": unit, "pricePerUnit": {"USD": f"{usd:.10f}"}, "description": usagetype,
                "beginRange": "0", "endRange": "Inf"}},
        }}},
        "version": "20261101000000",
        "publicationDate": "2026-11-01T00:00:00Z",
    })


def _expect(stubber, service_code: str, filters: list[tuple[str, str]], products: list[str]) -> None:
    stubber.add_response(
        "get_products",
        {"FormatVersion": "aws_v1", "PriceList": products},
        {"ServiceCode": service_code, "FormatVersion": "aws_v1", "MaxResults": 100,
         "Filters": [{"Type": "TERM_MATCH", "Field": f, "Value": v}
                     for f, v in [("regionCode", "us-east-1"), *filters]]},
    )


def test_live_prices(world, tmp_path):
    config = write_config(tmp_path / "c.yaml",
                          "parent: {storage_class: {iops: 4000, throughput_mibps: 250}}\nmembers: []\n")
    pricing = world.stub("pricing", "us-east-1")
    _expect(pricing, "AmazonEKS", [], [
        _product("USE1-AmazonEKS-Hours:extendedSupport", "Hours", 0.60),  # not this one
        _product("USE1-AmazonEKS-Hours:perCluster", "Hours", 0.10),
    ])
    _expect(pricing, "AmazonEC2", [("instanceType", "m6i.large"), ("operatingSystem", "Linux"), ("tenancy", "Shared"),
                                   ("preInstalledSw", "NA"), ("capacitystatus", "Used"),
                                   ("licenseModel", "No License required"), ("operation", "RunInstances")],
            [_product("BoxUsage:m6i.large", "Hrs", 0.097)])
    _expect(pricing, "AmazonEC2", [("volumeApiName", "gp3")], [
        _product("EBS:VolumeUsage.gp3", "GB-Mo", 0.08),
        _product("EBS:VolumeP-IOPS.gp3", "IOPS-Mo", 0.005),
        _product("EBS:VolumeP-Throughput.gp3", "GiBps-mo", 40.96),
    ])
    _expect(pricing, "AWSELB", [("productFamily", "Load Balancer-Network")], [
        _product("USE1-LoadBalancerUsage", "Hrs", 0.0225),
        _product("USE1-LCUUsage", "LCU-Hrs", 0.006),
    ])
    _expect(pricing, "AmazonEC2", [("productFamily", "NAT Gateway")], [
        _product("USE1-NatGateway-Hours", "Hrs", 0.045),
        _product("USE1-NatGateway-Bytes", "GB", 0.045),
    ])
    _expect(pricing, "AmazonVPC", [], [])  # no public IPv4 price: the bundled one is used, with a warning
    result = world.invoke("cost", "-c", str(config), "--live", "--profile", "billing")
    assert result.exit_code == 0, result.output
    eks = H * 0.10                                   # 73.00
    ec2 = 3 * H * 0.097                              # 212.43 (the live price, not the bundled 0.096)
    ebs = 3 * 50 * 0.08 + 3 * 20 * 0.08              # 12.00 + 4.80
    ebs += 3 * (4000 - 3000) * 0.005                 # 15.00
    ebs += 3 * (250 - 125) * (40.96 / 1024)          # 15.00: published per GiB/s-month
    elb = H * 0.0225 + H * 0.006                     # 20.805
    nat = 3 * H * 0.045 + 50 * 0.045                 # 98.55 + 2.25
    ipv4 = 3 * H * 0.005                             # 10.95 (bundled)
    total = eks + ec2 + ebs + elb + nat + ipv4
    assert total == pytest.approx(464.785)
    assert _money(result.stdout, "EC2") == "212.43"
    assert _money(result.stdout, "EBS") == "46.80"
    assert _money(result.stdout, "Total") == "464.79"
    assert "Prices: AWS Price List API (live)." in result.stdout
    assert ("warning: the Price List API has no ipv4_hour price for us-east-1: used the bundled one"
            in result.stderr)
    assert set(world.profiles) == {"billing"}


def test_live_without_permission(world):
    world.stub("pricing", "us-east-1").add_client_error(
        "get_products", "AccessDeniedException",
        "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: pricing:GetProducts", 400)
    result = world.invoke("cost", "--live")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: GetProducts failed: AccessDeniedException: User: arn:aws:sts::123456789012:user/moto is not "
        "authorized to perform: pricing:GetProducts; your IAM identity lacks this permission")


def test_pricing_region_must_serve_the_api(world):
    result = world.invoke("cost", "--live", "--pricing-region", "us-west-2")
    assert result.exit_code == 1
    assert "the Price List API answers only in us-east-1, eu-central-1, ap-south-1" in result.stderr


def _line_rows(output: str) -> list[list[str]]:
    """The cells of the lines table, one list per printed line, up to the by-service table."""
    rows = []
    for line in output.split("By service")[0].splitlines():
        if line.startswith("│"):
            rows.append([c.strip() for c in line.split("│")[1:-1]])
    return rows


@pytest.mark.parametrize("columns", ["80", "110"])
def test_the_tables_fit_the_terminal_and_never_break_a_number(world, columns):
    result = world.invoke("cost", env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    tables = result.stdout.split("Prices: ")[0]
    assert max(len(line.rstrip()) for line in tables.splitlines()) <= int(columns), tables
    assert "…" not in result.stdout
    # Every amount is whole on the first line of its row: the amounts add up to the total.
    amounts = [row[5] for row in _line_rows(result.stdout) if row[5]]
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts), amounts
    assert f"{sum(float(a.replace(',', '')) for a in amounts):.2f}" == _money(result.stdout, "Total") == "952.42"
    prices = [row[4] for row in _line_rows(result.stdout) if row[4]]
    assert "0.006/LCU-h" in prices and "0.08/GB-mo" in prices
    # Quantities keep each number with its unit: "2 clusters" and "× 730 h", never "730" and "h" apart.
    pieces = [row[3] for row in _line_rows(result.stdout) if row[3]]
    quantity = r"\d[\d.]* [A-Za-z]+"
    assert all(re.fullmatch(rf"{quantity}( × {quantity})?|× {quantity}", p) for p in pieces), pieces


def test_names_wrap_at_80_columns_and_stay_on_one_line_when_there_is_room(world):
    narrow = world.invoke("cost", env={"COLUMNS": "80"}).stdout
    wide = world.invoke("cost", env={"COLUMNS": "140"}).stdout
    assert ["NLB capacity units (assumed)", "1 LCU × 730 h"] == [
        row[1:4:2] for row in _line_rows(wide) if row[1].startswith("NLB")][0]
    narrow_rows = _line_rows(narrow)
    start = next(i for i, row in enumerate(narrow_rows) if row[1] == "NLB")
    assert " ".join(row[1] for row in narrow_rows[start:start + 4]).split() == "NLB capacity units (assumed)".split()
    assert [row[3] for row in narrow_rows[start:start + 2]] == ["1 LCU", "× 730 h"]


# ---- traffic.enabled: Route 53 and the public Services' NLBs ----------------------------------------------

_TRAFFIC = """
members:
  - {name: member-use1, region: us-east-1, vpc_cidr: 10.1.0.0/16}
  - {name: member-usw2, region: us-west-2, vpc_cidr: 10.2.0.0/16}
  - {name: legacy, kind: existing, region: us-east-1, cluster_name: legacy-eks}
traffic: {enabled: true, hosted_zone_id: Z0123456789ABCDEFGHIJ, domain: apps.example.com}
"""


def test_traffic_adds_the_zone_and_one_public_nlb_per_new_member(world, tmp_path):
    config = write_config(tmp_path / "traffic.yaml", _TRAFFIC)
    result = world.invoke("cost", "-c", str(config))
    assert result.exit_code == 0, result.output
    # The default deployment (952.415, test_default_config), plus:
    zone = 0.50                                       # one hosted zone-month; alias queries to the NLBs are free
    nlbs = 2 * (H * 0.0225 + H * 0.006)               # 41.61: one NLB + one LCU in each new member (not legacy)
    ipv4 = 2 * 3 * H * 0.005                          # 21.90: an internet-facing NLB has an address per AZ (3)
    peering = 10 * 0.02                               # 0.20: the two members' peering, 10 GB a month across regions
    assert 952.415 + zone + nlbs + ipv4 + peering == pytest.approx(1016.625)
    assert _money(result.stdout, "Route 53") == "0.50"
    assert _money(result.stdout, "ELB") == "62.42"    # 20.805 (Karmada API) + 41.61
    assert _money(result.stdout, "Public IPv4") == "40.15"  # 18.25 + 21.90
    assert _money(result.stdout, "Total") == "1,016.63"
    assert "1 public Service (one NLB) per new member assumed" in result.stdout
    assert result.stderr == ""  # Route 53 is priced the same everywhere: no fallback warning


def test_public_services_scale_the_member_nlbs_and_show_in_the_json(world, tmp_path):
    config = write_config(tmp_path / "traffic.yaml", _TRAFFIC)
    result = world.invoke("cost", "-c", str(config), "--json", "--public-services", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["assumptions"]["public_services"] == 3
    nlb = [line for line in data["lines"] if line["item"] == "public Service NLBs (assumed)"]
    assert [(line["region"], line["quantity"]) for line in nlb] == [("us-east-1", 3 * H), ("us-west-2", 3 * H)]
    assert data["total"] == pytest.approx(952.415 + 0.50 + 3 * (41.61 + 21.90) + 0.20)  # + the peering's data
    assert data["by_service"]["Route 53"] == pytest.approx(0.50)


def test_without_traffic_there_is_no_route_53_line(world):
    result = world.invoke("cost", "--json")
    data = json.loads(result.stdout)
    assert "Route 53" not in data["by_service"] and "public_services" not in data["assumptions"]
