"""The small YAML reader: document splitting and object identity, checked against PyYAML."""

from __future__ import annotations

import pytest
import yaml

from functions.karmada_manifest.errors import YamlSubsetError
from functions.karmada_manifest.yaml_docs import ObjectIdentity, read_identity, split_documents, with_annotation


def identity_by_pyyaml(document: str) -> ObjectIdentity:
    data = yaml.safe_load(document)
    metadata = data.get("metadata") or {}
    return ObjectIdentity(data["apiVersion"], data["kind"], metadata["name"], metadata.get("namespace"))


def test_split_on_document_markers_and_drop_empty_documents():
    text = (
        "%YAML 1.2\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
        "--- # second\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n...\n---\n\n"
    )
    documents = split_documents(text)
    assert [read_identity(d).name for d in documents] == ["a", "b"]
    assert len(list(yaml.safe_load_all(text))) == 4  # PyYAML also sees the two empty ones


def test_split_keeps_dashes_that_are_not_document_markers():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: |\n    ---\n    ----\n"
    documents = split_documents(text)
    assert len(documents) == 1 and "    ---\n" in documents[0]


def test_split_handles_crlf_and_a_bom():
    assert read_identity(split_documents("\ufeffapiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: s\r\n")[0]) == \
        ObjectIdentity("v1", "Secret", "s")


def test_content_on_a_start_line_is_refused():
    with pytest.raises(YamlSubsetError):
        split_documents("--- {a: 1}\n")


@pytest.mark.parametrize(
    "document",
    [
        # quoted scalars, comments, keys in any order, nested metadata before name
        'kind: "ConfigMap"  # a comment\napiVersion: \'v1\'\nmetadata:\n  labels:\n    name: not-this\n'
        '  annotations:\n    a: |\n      name: nor-this\n  namespace: "apps"\n  name: settings # trailing\n',
        # a block sequence at its key's indentation, before metadata
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nrules:\n- apiGroups: ['']\n"
        "  resources: [pods]\nmetadata:\n  name: 'system:reader'\n",
        # finalizers as a compact sequence inside metadata
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  finalizers:\n  - kubernetes\n  name: apps\n",
        # flow-style metadata
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "x", namespace: y}\ndata: {a: b}\n',
        # four-space indentation, blank lines and comments inside metadata
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\n    # comment\n    name: four\n    namespace: ns\n",
        # escapes in a double-quoted name, a null namespace
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\\u002db"\n  namespace: ~\n',
        # a top-level block scalar whose content looks like keys
        "apiVersion: v1\nkind: ConfigMap\ndescription: >\n  kind: Fake\nmetadata:\n  name: real\n",
    ],
)
def test_identity_matches_pyyaml(document):
    assert read_identity(document) == identity_by_pyyaml(document)


@pytest.mark.parametrize(
    "document, message",
    [
        ("kind: ConfigMap\nmetadata:\n  name: a\n", "no apiVersion or kind"),
        ("apiVersion: v1\nkind: ConfigMap\n", "no metadata"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n", "no metadata.name"),
        ("- a\n- b\n", "sequence"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &anchor a\n", "does not support"),
        ("apiVersion: v1\nkind: |\n  ConfigMap\nmetadata:\n  name: a\n", "does not support"),
        ("apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: a\n", "duplicate key"),
        ('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\n', "unterminated"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}, name: x}\n", "nested"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n", "tab"),
    ],
)
def test_unsupported_or_incomplete_documents_are_refused(document, message):
    with pytest.raises(YamlSubsetError, match=message):
        read_identity(document)


def test_identity_describe():
    assert ObjectIdentity("v1", "ConfigMap", "a", "ns").describe() == "ConfigMap ns/a"
    assert ObjectIdentity("policy.karmada.io/v1alpha1", "ClusterPropagationPolicy", "b").describe() == \
        "ClusterPropagationPolicy b"
    assert ObjectIdentity("policy.karmada.io/v1alpha1", "X", "b").group == "policy.karmada.io"


# ---- with_annotation: the owner annotation added to YAML text --------------------------------------
KEY, VALUE = "eks-karmada.io/applied-by", "Crds-0123456789abcdef"
HEAD = "apiVersion: v1\nkind: ConfigMap\n"


@pytest.mark.parametrize("metadata, annotations", [
    ("metadata:\n  name: a\n", {}),
    ("metadata:\n    name: a  # four spaces\n    namespace: n\n", {}),
    ("metadata:\n  annotations:\n    team: platform\n    note: |\n      two\n      lines\n  name: a\n",
     {"team": "platform", "note": "two\nlines\n"}),
    ("metadata:\n  name: a\n  annotations:\n  # a comment\n      team: x\n", {"team": "x"}),
    ("metadata:\n  name: a\n  annotations: {}\n", {}),
    ("metadata:\n  name: a\n  annotations: {team: x, 'b': \"c\"}\n", {"team": "x", "b": "c"}),
    ("metadata:\n  name: a\n  annotations:\n", {}),
    ("metadata:\n  name: a\n  annotations: ~\n", {}),
    ("metadata: {name: a, namespace: n}\n", {}),
    ('"metadata":\n  "annotations":\n    team: x\n  name: a\n', {"team": "x"}),
])
def test_with_annotation_adds_the_key_and_keeps_the_rest(metadata, annotations):
    document = HEAD + metadata + "data:\n  annotations: not-these\n"
    annotated = with_annotation(document, KEY, VALUE)
    before, after = yaml.safe_load(document), yaml.safe_load(annotated)
    assert after["metadata"].pop("annotations") == {**annotations, KEY: VALUE}
    before["metadata"].pop("annotations", None)
    assert after == before  # identity, data (and its "annotations" key) unchanged


@pytest.mark.parametrize("metadata, message", [
    (f"metadata:\n  name: a\n  annotations:\n    {KEY}: other\n", "already has"),
    (f"metadata:\n  name: a\n  annotations: {{'{KEY}': other}}\n", "already has"),
    ("metadata:\n  name: a\n  annotations: {team: x}  # why\n", "comment"),
    ("metadata:\n  name: a\n  annotations: some-text\n", "not a mapping"),
    ("metadata: {name: a, annotations: null}\n", "flow mapping"),
])
def test_with_annotation_refuses_what_it_cannot_extend_safely(metadata, message):
    with pytest.raises(YamlSubsetError, match=message):
        with_annotation(HEAD + metadata, KEY, VALUE)
