"""DynamoDB tables in CDK source: ``Table``, ``TableV2`` and ``CfnTable`` (TypeScript too, lowered).

Each prop becomes the setting a template would show (``scanner.inputs.dynamodb``), so a table
compares with itself at the base in the same words: ``partition_key=Attribute(name="pk",
type=AttributeType.STRING)`` is ``partition key pk (S)``. CDK's own defaults apply where a prop
is not given (an L2 table is retained; ``TableV2`` bills on demand). A prop this module does not
interpret is kept as its source text under its own name, so changing it is still a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from scanner.facts import DynamoTable, TableSetting
from scanner.inputs import dynamodb as ddb
from scanner.inputs.python.locations import Locator
from scanner.inputs.python.values import Evaluator
from scanner.model import Location

DYNAMODB = "aws_cdk.aws_dynamodb."
TABLE_V2 = DYNAMODB + "TableV2"
REMOVAL = {"DESTROY": "Delete", "RETAIN": "Retain", "SNAPSHOT": "Snapshot"}
REMOVAL["RETAIN_ON_UPDATE_OR_DELETE"] = "RetainExceptOnCreate"
INDEX_METHODS = {"add_global_secondary_index": ddb.GLOBAL_INDEX}
INDEX_METHODS["add_local_secondary_index"] = ddb.LOCAL_INDEX
INDEX_LISTS = {"global_secondary_indexes": ddb.GLOBAL_INDEX}
INDEX_LISTS["local_secondary_indexes"] = ddb.LOCAL_INDEX


@dataclass
class _Table:
    """A table being collected: its settings by name (methods add indexes later)."""

    name: str
    location: Location
    settings: dict[str, TableSetting] = field(default_factory=dict)


class TableCollector:
    """Collects the tables a CDK module declares; ``tables()`` at the end."""

    def __init__(self, evaluator: Evaluator, locator: Locator) -> None:
        self.ev = evaluator
        self.at = locator
        self._tables: dict[str, _Table] = {}
        self._created: dict[str, set[str]] = {}  # class of this module -> construct ids given

    def table(self, node: cst.Call, qualified: str, owner: str = "") -> None:
        """A ``Table``/``TableV2``/``CfnTable`` construct, created in the class ``owner``.

        The class is part of its name: CDK derives the logical id from the construct path, so
        the same id created in another construct (a table moved into a nested construct) is
        another table to CloudFormation.
        """
        name = self.ev.construct_id(node) or qualified.rsplit(".", 1)[-1]
        name = f"{owner}/{name}" if owner else name
        here = self.at.location(node, qualified)
        found = _Table(name, here)
        defaults = dict(ddb.CDK_DEFAULTS if ".Cfn" not in qualified else ddb.DEFAULTS)
        if qualified == TABLE_V2:
            defaults[ddb.BILLING] = "PAY_PER_REQUEST"
        for setting, value in defaults.items():
            found.settings[setting] = TableSetting(setting, value, here, ddb.replaces(setting))
        self._tables[name] = found
        props = self._props(node)
        for key, value in props:
            for setting in self._settings(key, value):
                found.settings[setting.name] = setting
        keyed = dict(props)
        key_node = keyed.get("partition_key") or keyed.get("sort_key")
        if key_node is not None:
            keys = self._setting(ddb.KEY_SCHEMA, self._keys(keyed), key_node)
            found.settings[ddb.KEY_SCHEMA] = keys

    def method(self, node: cst.Call, method: str, table: str, owner: str = "") -> None:
        """``table.add_global_secondary_index(...)`` and its local twin, on the table of that
        construct id created in the class ``owner`` (else the one created elsewhere here)."""
        if method not in INDEX_METHODS:
            return
        names = (f"{owner}/{table}", table) if owner else (table,)
        found = next((self._tables[n] for n in names if n in self._tables), None)
        found = found or next((t for n, t in self._tables.items() if n.endswith("/" + table)), None)
        if found is not None:
            setting = self._index(node, INDEX_METHODS[method])
            found.settings[setting.name] = setting

    def created(self, name: str, construct_id: str) -> None:
        """``Storage(self, "Storage")``: where a construct class of this module is created."""
        if construct_id:
            self._created.setdefault(name, set()).add(construct_id)

    def tables(self) -> tuple[DynamoTable, ...]:
        """Each table named by its construct path as far as this module shows it: a table
        created in a construct class created once here is under that construct's id
        (``Storage/Orders``), else under the class's name."""
        out = []
        for table in self._tables.values():
            owner, _, own = table.name.rpartition("/")
            ids = self._created.get(owner, set())
            name = f"{next(iter(ids))}/{own}" if len(ids) == 1 else table.name
            out.append(DynamoTable(name, table.location, tuple(table.settings.values()), name))
        return tuple(out)

    # -- props -------------------------------------------------------------------------------

    def _props(self, node: cst.Call) -> list[tuple[str, cst.BaseExpression]]:
        props = [(a.keyword.value, a.value) for a in node.args if a.keyword is not None]
        positional = self.ev.positional(node)
        if len(positional) > 2 and isinstance(positional[-1], cst.Dict):  # (scope, id, {...})
            props += self.ev.entries(positional[-1]).items()
        return props

    def _text(self, value: cst.BaseExpression | None) -> str:
        """A literal as its value, an enum member as its name, anything else as its code."""
        if value is None:
            return ""
        literal = self.ev.str_of(value)
        if literal is not None:
            return literal
        if isinstance(value, cst.Name) and value.value in ("True", "False"):
            return value.value.lower()
        if isinstance(value, cst.Integer):
            return value.value
        qualified = self.ev.qualified(value) if isinstance(value, cst.Attribute) else ""
        if qualified.startswith(DYNAMODB) or qualified.startswith("aws_cdk.RemovalPolicy."):
            return qualified.rsplit(".", 1)[-1]
        return " ".join(self.ev.code_for(value).split())

    def _attribute(self, value: cst.BaseExpression | None) -> tuple[str, str]:
        """(name, S/N/B) of a key attribute."""
        if value is None:
            return "", ""
        fields = self.ev.fields(value)
        kind = self._text(fields.get("type"))
        return self._text(fields.get("name")), ddb.ATTRIBUTE_TYPES.get(kind, kind)

    def _keys(self, fields: dict[str, cst.BaseExpression]) -> str:
        pairs = [
            (self._attribute(fields.get("partition_key")), "HASH"),
            (self._attribute(fields.get("sort_key")), "RANGE"),
        ]
        keys = [(name, role) for (name, _), role in pairs if name]
        return ddb.key_text(keys, {name: kind for (name, kind), _ in pairs if name})

    def _setting(self, name: str, value: str, node: cst.CSTNode) -> TableSetting:
        return TableSetting(name, value, self.at.location(node), ddb.replaces(name))

    def _settings(self, key: str, value: cst.BaseExpression) -> list[TableSetting]:
        text = self._text(value)
        simple = {
            "table_name": ddb.TABLE_NAME,
            "stream": ddb.STREAM,
            "dynamo_stream": ddb.STREAM,
            "deletion_protection": ddb.DELETION_PROTECTION,
            "deletion_protection_enabled": ddb.DELETION_PROTECTION,
            "point_in_time_recovery": ddb.RECOVERY,
            "billing_mode": ddb.BILLING,
        }
        if key in simple:
            return [self._setting(simple[key], text, value)]
        if key in ("partition_key", "sort_key"):
            return []  # read with the other key (below), once
        if key == "billing":  # TableV2: Billing.on_demand() / Billing.provisioned(...)
            mode = "PAY_PER_REQUEST" if "on_demand" in text else "PROVISIONED"
            return [self._setting(ddb.BILLING, mode, value)]
        if key in ("read_capacity", "write_capacity"):
            which = key.removesuffix("_capacity")
            return [self._setting(f"{ddb.THROUGHPUT} ({which})", text, value)]
        if key == "time_to_live_attribute":
            return [self._setting(ddb.TIME_TO_LIVE, ddb.ttl_text(text, "true"), value)]
        if key == "removal_policy":
            policy = REMOVAL.get(text, text)
            return [
                self._setting(ddb.DELETION_POLICY, policy, value),
                self._setting(ddb.UPDATE_REPLACE_POLICY, policy, value),
            ]
        if key in INDEX_LISTS:
            elements = value.elements if isinstance(value, cst.List | cst.Tuple) else ()
            return [self._index(e.value, INDEX_LISTS[key]) for e in elements]
        if key == "key_schema":  # an L1 CfnTable: as its code
            return [self._setting(ddb.KEY_SCHEMA, text, value)]
        return [self._setting(key.replace("_", " "), text, value)]

    def _index(self, node: cst.BaseExpression, prefix: str) -> TableSetting:
        """An index, from ``add_*_secondary_index(...)`` (keywords, or one props mapping) or
        from an entry of ``TableV2``'s index lists."""
        fields = self.ev.fields(node)
        positional = self.ev.positional(node) if isinstance(node, cst.Call) else []
        if len(positional) == 1 and isinstance(positional[0], cst.Dict):
            fields |= self.ev.entries(positional[0])
        name = self._text(fields.get("index_name")) or "(unnamed)"
        projection = self._text(fields.get("projection_type"))
        extra = self._text(fields.get("non_key_attributes"))
        value = ddb.index_text(self._keys(fields), projection + (f" {extra}" if extra else ""))
        return self._setting(prefix + name, value, node)
