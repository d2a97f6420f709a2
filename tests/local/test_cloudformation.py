"""local_control_plane.cloudformation: intrinsics, ordering and handler lookup, as CloudFormation would do them."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from karmada_constructs.karmada_manifest import KarmadaManifest
from karmada_constructs.member_registration import MemberRegistration
from local_control_plane.cloudformation import (
    REF,
    AccessPolicy,
    Assembly,
    DeployTimeValues,
    TemplateError,
    attribute_key,
    default_access_entry_username,
    values_for_type,
)

REPO = Path(__file__).resolve().parents[2]
REAL_ASSEMBLY = REPO / ".local" / "cdk.out"


# -- building small assemblies --------------------------------------------------------------------

def write_assembly(
    outdir: Path,
    templates: dict[str, dict],
    dependencies: dict[str, list[str]] | None = None,
    environments: dict[str, str] | None = None,
) -> Path:
    """A cloud assembly with these stack templates, as cdk synth lays it out."""
    outdir.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for name, template in templates.items():
        (outdir / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[f"{name}.assets"] = {"type": "cdk:asset-manifest", "properties": {"file": f"{name}.assets.json"}}
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": (environments or {}).get(name, "aws://unknown-account/eu-west-1"),
            "properties": {"templateFile": f"{name}.template.json"},
            "dependencies": [*(dependencies or {}).get(name, []), f"{name}.assets"],
        }
    (outdir / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return outdir


def one_stack(tmp_path: Path, template: dict, values: DeployTimeValues | None = None,
              environment: str = "aws://unknown-account/eu-west-1") -> Assembly:
    write_assembly(tmp_path, {"S": template}, environments={"S": environment})
    return Assembly(tmp_path, values or DeployTimeValues())


def resources(**by_id: dict) -> dict:
    return {"Resources": by_id}


WAIT = {"Type": "AWS::CloudFormation::WaitConditionHandle"}


def role(**properties: Any) -> dict:
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, **properties}}


def function(handler: str, role_id: str, **environment: Any) -> dict:
    properties: dict[str, Any] = {"Handler": handler, "Role": {"Fn::GetAtt": [role_id, "Arn"]}, "Runtime": "python3.13"}
    if environment:
        properties["Environment"] = {"Variables": environment}
    return {"Type": "AWS::Lambda::Function", "Properties": properties}


def provider(prefix: str = "P") -> dict:
    """A CDK Provider framework: onEvent function naming the user's function, each with a role."""
    return {
        f"{prefix}UserRole": role(),
        f"{prefix}User": function("functions.thing.handler.on_event", f"{prefix}UserRole"),
        f"{prefix}FrameworkRole": role(),
        f"{prefix}Framework": function("framework.onEvent", f"{prefix}FrameworkRole",
                                       USER_ON_EVENT_FUNCTION_ARN={"Fn::GetAtt": [f"{prefix}User", "Arn"]}),
    }


# -- stack order ----------------------------------------------------------------------------------

def test_stacks_follow_manifest_dependencies_with_ties_by_name(tmp_path):
    empty = resources(R=WAIT)
    write_assembly(tmp_path, {"D": empty, "C": empty, "B": empty, "A": empty},
                   dependencies={"A": ["D"], "B": ["D"]})
    assert Assembly(tmp_path, DeployTimeValues()).stacks_in_order() == ["C", "D", "A", "B"]


def test_stack_cycle_raises_naming_the_stacks(tmp_path):
    empty = resources(R=WAIT)
    write_assembly(tmp_path, {"A": empty, "B": empty}, dependencies={"A": ["B"], "B": ["A"]})
    with pytest.raises(TemplateError, match="A -> B -> A"):
        Assembly(tmp_path, DeployTimeValues()).stacks_in_order()


# -- resource order -------------------------------------------------------------------------------

def test_resources_without_dependencies_keep_template_order(tmp_path):
    assembly = one_stack(tmp_path, resources(C=WAIT, A=WAIT, B=WAIT))
    assert assembly.resources_in_order("S") == ["C", "A", "B"]


@pytest.mark.parametrize("reference", [
    {"DependsOn": "Last"},
    {"DependsOn": ["Last"]},
    {"Properties": {"X": {"Ref": "Last"}}},
    {"Properties": {"X": {"Fn::GetAtt": ["Last", "Arn"]}}},
    {"Properties": {"X": {"Fn::GetAtt": "Last.Arn"}}},
    {"Properties": {"X": {"Fn::Sub": "name-${Last}"}}},
    {"Properties": {"X": {"Fn::Sub": "name-${Last.Arn}"}}},
    {"Properties": {"X": {"Fn::Join": ["", [{"Fn::Sub": ["${V}", {"V": {"Ref": "Last"}}]}]]}}},
])
def test_each_kind_of_reference_orders_the_referenced_resource_first(tmp_path, reference):
    assembly = one_stack(tmp_path, resources(First={**WAIT, **reference}, Other=WAIT, Last=role()))
    assert assembly.resources_in_order("S") == ["Other", "Last", "First"]
    assert assembly.dependencies("S", "First") == ("Last",)


def test_sub_escapes_variables_and_pseudo_parameters_imply_no_dependency(tmp_path):
    sub = {"Fn::Sub": ["${!Last} ${AWS::Region} ${Var}", {"Var": "x"}]}
    assembly = one_stack(tmp_path, resources(First={**WAIT, "Properties": {"X": sub}}, Last=role()))
    assert assembly.resources_in_order("S") == ["First", "Last"]
    assert assembly.dependencies("S", "First") == ()


def test_resource_cycle_raises_naming_the_resources(tmp_path):
    assembly = one_stack(tmp_path, resources(
        Alpha={**WAIT, "DependsOn": "Beta"}, Beta={**WAIT, "Properties": {"X": {"Ref": "Alpha"}}}, Free=WAIT))
    with pytest.raises(TemplateError, match="Alpha -> Beta -> Alpha"):
        assembly.resources_in_order("S")


def test_depends_on_an_unknown_resource_raises(tmp_path):
    assembly = one_stack(tmp_path, resources(A={**WAIT, "DependsOn": "Ghost"}))
    with pytest.raises(TemplateError, match="S/A DependsOn unknown resource Ghost"):
        assembly.resources_in_order("S")


# -- pseudo parameters, parameters and Ref --------------------------------------------------------

def test_pseudo_parameters(tmp_path):
    assembly = one_stack(tmp_path, resources(R=WAIT), DeployTimeValues(account="111122223333", partition="aws"))
    resolve = lambda name: assembly.resolve("S", {"Ref": name})  # noqa: E731
    assert resolve("AWS::AccountId") == "111122223333"
    assert resolve("AWS::Region") == "eu-west-1"
    assert resolve("AWS::Partition") == "aws"
    assert resolve("AWS::URLSuffix") == "amazonaws.com"
    assert resolve("AWS::StackName") == "S"
    assert resolve("AWS::StackId").startswith("arn:aws:cloudformation:eu-west-1:111122223333:stack/S/")
    assert resolve("AWS::StackId") == resolve("AWS::StackId")


def test_a_concrete_manifest_account_is_that_stacks_account(tmp_path):
    assembly = one_stack(tmp_path, resources(R=WAIT), environment="aws://444455556666/ap-south-1")
    assert assembly.resolve("S", {"Fn::Sub": "${AWS::AccountId}/${AWS::Region}"}) == "444455556666/ap-south-1"


def test_no_value_drops_the_key_and_the_list_item(tmp_path):
    assembly = one_stack(tmp_path, resources(R=WAIT))
    value = {"Keep": "k", "Drop": {"Ref": "AWS::NoValue"}, "List": ["a", {"Ref": "AWS::NoValue"}, "b"]}
    assert assembly.resolve("S", value) == {"Keep": "k", "List": ["a", "b"]}


def test_parameters_resolve_to_their_default_unless_overridden(tmp_path):
    template = {
        "Parameters": {
            "Size": {"Type": "Number", "Default": 3},
            "Names": {"Type": "CommaDelimitedList", "Default": "a, b"},
            "Version": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/version"},
        },
        **resources(R=WAIT),
    }
    assembly = one_stack(tmp_path, template)
    assert assembly.resolve("S", {"Ref": "Size"}) == 3
    assert assembly.resolve("S", {"Ref": "Names"}) == ["a", "b"]
    with pytest.raises(TemplateError, match="S/Version is read from SSM"):
        assembly.resolve("S", {"Ref": "Version"})
    overridden = Assembly(tmp_path, DeployTimeValues(attributes={attribute_key("S", "Version"): "6"}))
    assert overridden.resolve("S", {"Ref": "Version"}) == "6"


def test_ref_to_a_resource_is_its_name_property_else_a_fake_physical_id(tmp_path):
    assembly = one_stack(tmp_path, resources(
        Named={"Type": "AWS::EKS::Cluster", "Properties": {"Name": {"Fn::Sub": "c-${AWS::Region}"}}},
        Unnamed={"Type": "AWS::EC2::VPC", "Properties": {}},
        Bucket={"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},
    ))
    assert assembly.resolve("S", {"Ref": "Named"}) == "c-eu-west-1"
    assert assembly.resolve("S", {"Ref": "Unnamed"}) == "S-Unnamed"
    assert assembly.resolve("S", {"Ref": "Bucket"}) == "b"
    with pytest.raises(TemplateError, match="no resource or parameter Ghost"):
        assembly.resolve("S", {"Ref": "Ghost"})


def test_ref_override_wins_and_flows_into_the_arn(tmp_path):
    write_assembly(tmp_path, {"S": resources(R=role())})
    given = values_for_type(tmp_path, "AWS::IAM::Role", REF, "given")
    assembly = Assembly(tmp_path, DeployTimeValues(attributes=given))
    assert assembly.resolve("S", {"Ref": "R"}) == "given"
    assert assembly.resolve("S", {"Fn::GetAtt": ["R", "Arn"]}) == "arn:aws:iam::000000000000:role/given"


# -- Fn::GetAtt -----------------------------------------------------------------------------------

def test_get_att_arn_per_resource_type(tmp_path):
    assembly = one_stack(tmp_path, resources(
        Role=role(RoleName="r", Path="/team/"),
        FakeRole=role(),
        Fn=function("index.handler", "Role"),
        Cluster={"Type": "AWS::EKS::Cluster", "Properties": {"Name": "c"}},
        Bucket={"Type": "AWS::S3::Bucket", "Properties": {}},
    ), DeployTimeValues(partition="aws-cn"))
    arn = lambda logical_id: assembly.resolve("S", {"Fn::GetAtt": [logical_id, "Arn"]})  # noqa: E731
    assert arn("Role") == "arn:aws-cn:iam::000000000000:role/team/r"
    assert arn("FakeRole") == "arn:aws-cn:iam::000000000000:role/S-FakeRole"
    assert arn("Fn") == "arn:aws-cn:lambda:eu-west-1:000000000000:function:S-Fn"
    assert arn("Cluster") == "arn:aws-cn:eks:eu-west-1:000000000000:cluster/c"
    assert arn("Bucket") == "arn:aws-cn:s3:::S-Bucket"


def test_get_att_without_a_local_value_raises_naming_stack_resource_and_attribute(tmp_path):
    assembly = one_stack(tmp_path, resources(Nlb={"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"}))
    with pytest.raises(TemplateError) as raised:
        assembly.resolve("S", {"Fn::GetAtt": ["Nlb", "DNSName"]})
    assert str(raised.value) == "S/Nlb.DNSName has no local value; pass it in DeployTimeValues"


def test_get_att_from_values_for_type(tmp_path):
    write_assembly(tmp_path, {
        "S": resources(Nlb={"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"}, Other=WAIT),
        "T": resources(Lb2={"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"}),
    })
    found = values_for_type(tmp_path, "AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName", "nlb.local")
    assert found == {"S/Nlb.DNSName": "nlb.local", "T/Lb2.DNSName": "nlb.local"}
    assembly = Assembly(tmp_path, DeployTimeValues().with_attributes(found))
    assert assembly.resolve("S", {"Fn::Sub": "https://${Nlb.DNSName}:443"}) == "https://nlb.local:443"
    assert assembly.resolve("T", {"Fn::GetAtt": "Lb2.DNSName"}) == "nlb.local"


def test_custom_resource_attribute_with_dots(tmp_path):
    write_assembly(tmp_path, {"S": resources(Lookup={"Type": "Custom::AWS"})})
    values = DeployTimeValues(attributes=values_for_type(tmp_path, "Custom::AWS", "Addresses.0.PublicIp", "1.2.3.4"))
    assert Assembly(tmp_path, values).resolve("S", {"Fn::GetAtt": ["Lookup", "Addresses.0.PublicIp"]}) == "1.2.3.4"
    with pytest.raises(TemplateError, match=r"S/Lookup.Arn has no local value"):
        Assembly(tmp_path, values).resolve("S", {"Fn::GetAtt": ["Lookup", "Arn"]})


# -- the other intrinsic functions ----------------------------------------------------------------

def test_join_split_select_base64(tmp_path):
    assembly = one_stack(tmp_path, resources(R=WAIT))
    assert assembly.resolve("S", {"Fn::Join": ["-", ["a", {"Ref": "AWS::Region"}, "b"]]}) == "a-eu-west-1-b"
    assert assembly.resolve("S", {"Fn::Split": [",", "x,y,z"]}) == ["x", "y", "z"]
    assert assembly.resolve("S", {"Fn::Select": ["1", {"Fn::Split": [",", "x,y,z"]}]}) == "y"
    assert assembly.resolve("S", {"Fn::Base64": "hi"}) == base64.b64encode(b"hi").decode()
    with pytest.raises(TemplateError, match="index 3 out of range"):
        assembly.resolve("S", {"Fn::Select": [3, ["x", "y", "z"]]})


def test_sub_both_forms(tmp_path):
    assembly = one_stack(tmp_path, resources(R=role(RoleName="r")))
    assert assembly.resolve("S", {"Fn::Sub": "${AWS::Partition}:${R}:${R.Arn}:${!Literal}"}) == (
        "aws:r:arn:aws:iam::000000000000:role/r:${Literal}")
    assert assembly.resolve("S", {"Fn::Sub": ["${R}=${V}", {"V": {"Fn::Join": ["", ["v", "1"]]}, "R": "shadow"}]}) == (
        "shadow=v1")


def test_if_follows_its_condition(tmp_path):
    def template(mode: str) -> dict:
        return {
            "Parameters": {"Mode": {"Type": "String", "Default": mode}},
            "Conditions": {
                "IsProd": {"Fn::Equals": [{"Ref": "Mode"}, "prod"]},
                "IsAwsAndProd": {"Fn::And": [{"Condition": "IsProd"},
                                             {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws"]}]},
                "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
                "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "IsNotProd"}]},
            },
            **resources(R=WAIT),
        }
    value = {"A": {"Fn::If": ["IsAwsAndProd", "big", "small"]},
             "B": {"Fn::If": ["IsNotProd", {"Ref": "AWS::NoValue"}, 1]}}
    prod = one_stack(tmp_path / "prod", template("prod"))
    dev = one_stack(tmp_path / "dev", template("dev"))
    assert prod.resolve("S", value) == {"A": "big", "B": 1}
    assert dev.resolve("S", value) == {"A": "small"}
    assert prod.condition("S", "Either") and dev.condition("S", "Either")


def test_a_resource_whose_condition_is_false_does_not_exist(tmp_path):
    template = {
        "Conditions": {"IsChina": {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]}},
        **resources(Only={**WAIT, "Condition": "IsChina"}, Always={**WAIT, "DependsOn": "Only"}),
    }
    assert one_stack(tmp_path / "aws", template).resources_in_order("S") == ["Always"]
    china = one_stack(tmp_path / "cn", template, DeployTimeValues(partition="aws-cn"))
    assert china.resources_in_order("S") == ["Only", "Always"]


def test_get_stack_output_and_import_value(tmp_path):
    producer = {
        **resources(Cluster={"Type": "AWS::EKS::Cluster", "Properties": {"Name": "parent"}}),
        "Outputs": {
            "ClusterName": {"Value": {"Ref": "Cluster"}},
            "Exported": {"Value": "v", "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-thing"}}},
        },
    }
    write_assembly(tmp_path, {"P": producer, "C": resources(R=WAIT)}, dependencies={"C": ["P"]},
                   environments={"P": "aws://unknown-account/us-east-1", "C": "aws://unknown-account/us-west-2"})
    assembly = Assembly(tmp_path, DeployTimeValues())
    output = {"StackName": "P", "Region": "us-east-1", "OutputName": "ClusterName"}
    assert assembly.resolve("C", {"Fn::GetStackOutput": output}) == "parent"
    assert assembly.resolve("C", {"Fn::ImportValue": "P-thing"}) == "v"
    with pytest.raises(TemplateError, match="wants P in us-west-2"):
        assembly.resolve("C", {"Fn::GetStackOutput": {**output, "Region": "us-west-2"}})
    with pytest.raises(TemplateError, match="no stack exports nothing"):
        assembly.resolve("C", {"Fn::ImportValue": "nothing"})


def test_get_azs_needs_a_local_value(tmp_path):
    assembly = one_stack(tmp_path, resources(R=WAIT))
    with pytest.raises(TemplateError, match="Fn::GetAZs of eu-west-1 has no local value"):
        assembly.resolve("S", {"Fn::GetAZs": ""})
    write_assembly(tmp_path, {"S": resources(R=WAIT)})
    given = Assembly(tmp_path, DeployTimeValues(availability_zones={"eu-west-1": ("eu-west-1a", "eu-west-1b")}))
    assert given.resolve("S", {"Fn::Select": [1, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}) == "eu-west-1b"


def test_unsupported_intrinsic_raises(tmp_path):
    with pytest.raises(TemplateError, match="Fn::Cidr is not supported"):
        one_stack(tmp_path, resources(R=WAIT)).resolve("S", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]})


# -- custom resources -----------------------------------------------------------------------------

def test_custom_resource_properties_arrive_as_strings(tmp_path):
    thing = {"Type": "Custom::Thing", "Properties": {
        "ServiceToken": {"Fn::GetAtt": ["PFramework", "Arn"]},
        "Port": 5443, "Enabled": True, "Ratio": 0.5, "Nested": {"List": [1, False, {"N": 2}]},
        "Gone": {"Ref": "AWS::NoValue"},
    }}
    assembly = one_stack(tmp_path, resources(**provider(), Thing=thing))
    [resource] = assembly.custom_resources("S")
    assert resource.properties == {
        "ServiceToken": "arn:aws:lambda:eu-west-1:000000000000:function:S-PFramework",
        "Port": "5443", "Enabled": "true", "Ratio": "0.5", "Nested": {"List": ["1", "false", {"N": "2"}]},
    }
    # resolve() keeps template types: only what CloudFormation delivers is stringified.
    assert assembly.resolve("S", {"Port": 5443}) == {"Port": 5443}


def test_provider_framework_is_followed_to_the_user_function(tmp_path):
    thing = {"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Fn::GetAtt": ["PFramework", "Arn"]}}}
    [resource] = one_stack(tmp_path, resources(**provider(), Thing=thing)).custom_resources("S")
    assert (resource.stack, resource.logical_id, resource.resource_type) == ("S", "Thing", "Custom::Thing")
    assert resource.handler == "functions.thing.handler.on_event"
    assert resource.role_arn == "arn:aws:iam::000000000000:role/S-PUserRole"
    assert resource.depends_on == ("PFramework",)


def test_a_plain_lambda_service_token_names_that_lambda(tmp_path):
    thing = {"Type": "AWS::CloudFormation::CustomResource",
             "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}}}
    [resource] = one_stack(tmp_path, resources(FnRole=role(RoleName="fr"), Fn=function("index.handler", "FnRole"),
                                               Thing=thing)).custom_resources("S")
    assert (resource.handler, resource.role_arn) == ("index.handler", "arn:aws:iam::000000000000:role/fr")


def test_service_token_from_another_stack_and_region(tmp_path):
    parent = {**resources(**provider()), "Outputs": {"Token": {"Value": {"Fn::GetAtt": ["PFramework", "Arn"]}}}}
    child = resources(Thing={"Type": "Custom::Thing", "Properties": {
        "ServiceToken": {"Fn::GetStackOutput": {"StackName": "Parent", "Region": "us-east-1", "OutputName": "Token"}}}})
    write_assembly(tmp_path, {"Parent": parent, "Child": child}, dependencies={"Child": ["Parent"]},
                   environments={"Parent": "aws://unknown-account/us-east-1",
                                 "Child": "aws://unknown-account/us-west-2"})
    [resource] = Assembly(tmp_path, DeployTimeValues()).custom_resources("Child")
    assert resource.properties["ServiceToken"] == "arn:aws:lambda:us-east-1:000000000000:function:Parent-PFramework"
    assert resource.handler == "functions.thing.handler.on_event"
    assert resource.role_arn == "arn:aws:iam::000000000000:role/Parent-PUserRole"
    assert resource.depends_on == ()


def test_a_service_token_that_is_no_lambda_of_the_assembly_raises(tmp_path):
    thing = {"Type": "Custom::Thing", "Properties": {"ServiceToken": "arn:aws:sns:eu-west-1:1:topic"}}
    with pytest.raises(TemplateError, match="S/Thing: ServiceToken arn:aws:sns:eu-west-1:1:topic is no Lambda"):
        one_stack(tmp_path, resources(Thing=thing)).custom_resources("S")


def test_custom_resources_in_deploy_order_filtered_by_type(tmp_path):
    token = {"ServiceToken": {"Fn::GetAtt": ["PFramework", "Arn"]}}
    assembly = one_stack(tmp_path, resources(
        **provider(),
        Objects={"Type": "Custom::Manifest", "Properties": {**token, "After": {"Fn::GetAtt": ["Crds", "Done"]}}},
        Other={"Type": "Custom::Other", "Properties": token},
        Crds={"Type": "Custom::Manifest", "Properties": token},
    ), DeployTimeValues(attributes={"S/Crds.Done": "yes"}))
    assert [r.logical_id for r in assembly.custom_resources("S")] == ["Other", "Crds", "Objects"]
    assert [r.logical_id for r in assembly.custom_resources("S", ["Custom::Manifest"])] == ["Crds", "Objects"]
    assert assembly.custom_resources("S", ["Custom::Manifest"])[1].properties["After"] == "yes"


# -- access entries -------------------------------------------------------------------------------

def test_access_entries(tmp_path):
    cluster = {"Ref": "Cluster"}
    assembly = one_stack(tmp_path, resources(
        Cluster={"Type": "AWS::EKS::Cluster", "Properties": {"Name": "c"}},
        Applier=role(Path="/svc/"),
        User={"Type": "AWS::IAM::User", "Properties": {"UserName": "u"}},
        RoleEntry={"Type": "AWS::EKS::AccessEntry", "Properties": {
            "ClusterName": cluster, "PrincipalArn": {"Fn::GetAtt": ["Applier", "Arn"]},
            "KubernetesGroups": ["g1", "g2"], "Type": "STANDARD",
            "AccessPolicies": [{"PolicyArn": {"Fn::Sub": "arn:${AWS::Partition}:eks::aws:cluster-access-policy/View"},
                                "AccessScope": {"Type": "namespace", "Namespaces": ["a"]}}]}},
        UserEntry={"Type": "AWS::EKS::AccessEntry", "Properties": {
            "ClusterName": cluster, "PrincipalArn": {"Fn::GetAtt": ["User", "Arn"]}}},
        NamedEntry={"Type": "AWS::EKS::AccessEntry", "Properties": {
            "ClusterName": cluster, "PrincipalArn": {"Fn::GetAtt": ["Applier", "Arn"]}, "Username": "me"}},
    ))
    role_entry, user_entry, named_entry = assembly.access_entries("S")
    assert role_entry.cluster_name == "c"
    assert role_entry.principal_arn == "arn:aws:iam::000000000000:role/svc/S-Applier"
    assert role_entry.kubernetes_groups == ("g1", "g2")
    assert role_entry.username == "arn:aws:sts::000000000000:assumed-role/S-Applier/{{SessionName}}"
    assert role_entry.access_policies == (
        AccessPolicy("arn:aws:eks::aws:cluster-access-policy/View", "namespace", ("a",)),)
    assert user_entry.username == user_entry.principal_arn == "arn:aws:iam::000000000000:user/u"
    assert user_entry.type == "STANDARD" and user_entry.kubernetes_groups == ()
    assert named_entry.username == "me"


def test_default_username_keeps_the_partition_and_account_of_the_role():
    assert default_access_entry_username("arn:aws-cn:iam::123456789012:role/a/b/name") == (
        "arn:aws-cn:sts::123456789012:assumed-role/name/{{SessionName}}")


# -- the real assembly ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real() -> Assembly:
    if not (REAL_ASSEMBLY / "manifest.json").is_file():
        pytest.skip(f"{REAL_ASSEMBLY} not synthesized (cdk synth -c config=config/local.yaml -o .local/cdk.out)")
    nlb = values_for_type(REAL_ASSEMBLY, "AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName", "nlb.local.test")
    return Assembly(REAL_ASSEMBLY, DeployTimeValues(attributes=nlb))


def test_real_parent_manifests(real):
    manifests = real.custom_resources("KarmadaParent", [KarmadaManifest.RESOURCE_TYPE])
    assert len(manifests) >= 2
    for resource in manifests:
        assert resource.properties["ClusterName"] == "karmada-parent"
        assert resource.handler.startswith("functions.karmada_manifest.") and resource.handler.endswith(".on_event")
        assert resource.role_arn.startswith("arn:aws:iam::000000000000:role/")
        assert resource.properties["ServiceToken"].startswith("arn:aws:lambda:")
    order = {part: next(i for i, r in enumerate(manifests) if r.logical_id.startswith(f"KarmadaApiBootstrap{part}"))
             for part in ("Rbac", "Crds", "Objects")}
    assert order["Rbac"] < order["Crds"] < order["Objects"]
    assert "crds" in manifests[order["Crds"]].properties["Source"]
    assert "nlb.local.test" in manifests[order["Objects"]].properties["Manifest"]


def test_real_registrations_resolve_their_service_token_to_the_parent_provider(real):
    parent_provider = real.output(
        "KarmadaParent",
        next(name for name in real.output_names("KarmadaParent") if "MemberRegistrationProvider" in name))
    registrations = [name for name in real.stacks_in_order() if name.startswith("KarmadaRegistration-")]
    assert registrations
    assert real.stacks_in_order().index("KarmadaParent") < min(map(real.stacks_in_order().index, registrations))
    for stack in registrations:
        [registration] = real.custom_resources(stack, [MemberRegistration.RESOURCE_TYPE])
        assert registration.properties["ServiceToken"] == parent_provider
        assert ":function:KarmadaParent-" in parent_provider
        assert registration.handler == "functions.member_registration.handler.on_event"
        assert registration.properties["ClusterName"] == "karmada-parent"
        assert registration.properties["MemberName"] == stack.removeprefix("KarmadaRegistration-")


@pytest.mark.parametrize("part, group", [("Rbac", "eks-karmada:karmada-bootstrap-applier"),
                                         ("Crds", "eks-karmada:karmada-manifest-applier")])
def test_real_manifest_provider_roles_have_their_access_entries(real, part, group):
    manifest = next(r for r in real.custom_resources("KarmadaParent", [KarmadaManifest.RESOURCE_TYPE])
                    if r.logical_id.startswith(f"KarmadaApiBootstrap{part}"))
    entries = [e for e in real.access_entries("KarmadaParent") if e.principal_arn == manifest.role_arn]
    assert len(entries) == 1
    assert entries[0].kubernetes_groups == (group,)
    assert entries[0].cluster_name == "karmada-parent"
    # The entry must exist before the manifests run: CloudFormation orders it first.
    order = real.resources_in_order("KarmadaParent")
    assert order.index(entries[0].logical_id) < order.index(manifest.logical_id)
