"""DynamoDB tables of a template (and of a Terraform module lowered onto one).

Each setting becomes a ``TableSetting`` located at the node that declares it (the resource's type
when the default applies). Terraform's ``aws_dynamodb_table`` arrives lowered with its own
argument names (``HashKey``, ``Attribute``, ``GlobalSecondaryIndex``...): both shapes are read,
so a table compares equal to itself whichever way it is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from scanner.facts import DynamoTable, TableSetting
from scanner.inputs import dynamodb as ddb

if TYPE_CHECKING:
    from scanner.inputs.cloudformation.template import Node
    from scanner.model import Location

Locate = Callable[["Node | None"], "Location"]
SAM_TYPES = {"String": "S", "Number": "N", "Binary": "B"}  # a SimpleTable's PrimaryKey Type


def _get(node: Node | None, *names: str) -> Node | None:
    """The first of ``names`` that ``node`` has (template and Terraform spellings)."""
    for name in names:
        found = node.get(name) if node is not None else None
        if found is not None:
            return found
    return None


def _text(node: Node | None) -> str:
    return ddb.canonical(node.value) if node is not None else ""


def _attribute_types(props: Node) -> dict[str, str]:
    types: dict[str, str] = {}
    definitions = _get(props, "AttributeDefinitions", "Attribute")
    for entry in definitions.elements() if definitions else ():
        name = _get(entry, "AttributeName", "Name")
        kind = _get(entry, "AttributeType", "Type")
        if name is not None:
            types[_text(name)] = _text(kind)
    primary = _primary_key(props)
    if primary is not None:
        types[primary[0]] = primary[1]
    return types


def _primary_key(node: Node) -> tuple[str, str] | None:
    """A SAM ``SimpleTable``'s ``PrimaryKey`` as (attribute, S/N/B): a partition key only,
    ``id`` of type String unless it says otherwise."""
    primary = node.get("PrimaryKey")
    if primary is None:
        return None
    kind = _text(primary.get("Type"))
    return _text(primary.get("Name")) or "id", SAM_TYPES.get(kind, kind or "S")


def _keys(node: Node | None) -> list[tuple[str, str]]:
    """(attribute, HASH/RANGE) from ``KeySchema``, Terraform's ``hash_key``/``range_key`` or
    SAM's ``PrimaryKey``."""
    if node is None:
        return []
    primary = _primary_key(node)
    if primary is not None:
        return [(primary[0], "HASH")]
    schema = node.get("KeySchema")
    if schema is not None:
        return [
            (_text(_get(k, "AttributeName")), _text(_get(k, "KeyType")).upper())
            for k in schema.elements()
        ]
    pairs = [(_text(node.get("HashKey")), "HASH"), (_text(node.get("RangeKey")), "RANGE")]
    return [(attribute, role) for attribute, role in pairs if attribute]


def _projection(index: Node) -> str:
    projection = index.get("Projection")
    kind = _text(_get(projection, "ProjectionType") or index.get("ProjectionType"))
    extra = _get(projection, "NonKeyAttributes") or index.get("NonKeyAttributes")
    return kind + (f" {_text(extra)}" if extra is not None else "")


def _indexes(
    props: Node, key: str, prefix: str, types: dict[str, str], locate: Locate
) -> Iterator[TableSetting]:
    listed = _get(props, key, key.removesuffix("es"))  # Terraform: one block per index
    for index in listed.elements() if listed else ():
        name = _text(_get(index, "IndexName", "Name"))
        throughput = _get(index, "ProvisionedThroughput")
        extra = f"throughput {_text(throughput)}" if throughput is not None else ""
        value = ddb.index_text(ddb.key_text(_keys(index), types), _projection(index), extra)
        yield TableSetting(prefix + name, value, locate(index), ddb.replaces(prefix))


def _stream(props: Node) -> tuple[str, Node | None]:
    spec = props.get("StreamSpecification")
    if spec is not None:
        return _text(_get(spec, "StreamViewType")) or ddb.OFF, spec
    enabled = props.get("StreamEnabled")  # Terraform
    if enabled is not None and _text(enabled).lower() == "true":
        return _text(props.get("StreamViewType")) or "enabled", enabled
    return ddb.OFF, enabled


def _ttl(props: Node) -> tuple[str, Node | None]:
    spec = _get(props, "TimeToLiveSpecification", "Ttl")
    if spec is None:
        return ddb.OFF, None
    return ddb.ttl_text(_text(spec.get("AttributeName")), _text(spec.get("Enabled"))), spec


def _recovery(props: Node) -> Node | None:
    spec = _get(props, "PointInTimeRecoverySpecification", "PointInTimeRecovery")
    return _get(spec, "PointInTimeRecoveryEnabled", "Enabled")


def _billing(type_name: str, props: Node) -> str:
    if type_name == "AWS::Serverless::SimpleTable":
        return "PROVISIONED" if props.get("ProvisionedThroughput") else "PAY_PER_REQUEST"
    return _text(props.get("BillingMode")) or ddb.DEFAULTS[ddb.BILLING]


def table(
    logical_id: str, type_name: str, resource: Node, props: Node, locate: Locate, path: str = ""
) -> DynamoTable:
    """The table ``resource`` declares, every setting located (defaults at its type)."""
    types = _attribute_types(props)
    here = locate(None)

    def setting(name: str, value: str, node: Node | None) -> TableSetting:
        shown = value or ddb.DEFAULTS.get(name, ddb.ABSENT)
        return TableSetting(
            name, shown, locate(node) if node is not None else here, ddb.replaces(name)
        )

    stream, stream_node = _stream(props)
    ttl, ttl_node = _ttl(props)
    recovery = _recovery(props)
    table_name = _get(props, "TableName", "Name")
    throughput = props.get("ProvisionedThroughput")
    capacity = [props.get(k) for k in ("ReadCapacity", "WriteCapacity")]  # Terraform
    protection = props.get("DeletionProtectionEnabled")
    deletion, update_replace = resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")
    settings = [
        setting(ddb.TABLE_NAME, _text(table_name), table_name),
        setting(ddb.KEY_SCHEMA, ddb.key_text(_keys(props), types), _key_node(props)),
        *_indexes(props, "LocalSecondaryIndexes", ddb.LOCAL_INDEX, types, locate),
        *_indexes(props, "GlobalSecondaryIndexes", ddb.GLOBAL_INDEX, types, locate),
        setting(ddb.STREAM, stream, stream_node),
        setting(ddb.TIME_TO_LIVE, ttl, ttl_node),
        setting(ddb.BILLING, _billing(type_name, props), props.get("BillingMode")),
        setting(
            ddb.THROUGHPUT,
            _text(throughput) if throughput is not None else _capacity(capacity),
            throughput or next((c for c in capacity if c is not None), None),
        ),
        setting(ddb.DELETION_PROTECTION, _text(protection), protection),
        setting(ddb.RECOVERY, _text(recovery), recovery),
        setting(ddb.DELETION_POLICY, _text(deletion), deletion),
        setting(ddb.UPDATE_REPLACE_POLICY, _text(update_replace), update_replace),
    ]
    return DynamoTable(logical_id, here, tuple(settings), path)


def _capacity(nodes: list[Node | None]) -> str:
    if all(node is None for node in nodes):
        return ""
    read, write = (_text(node) or "?" for node in nodes)
    return f"read {read}, write {write}"


def _key_node(props: Node) -> Node | None:
    return _get(props, "KeySchema", "HashKey", "PrimaryKey")
