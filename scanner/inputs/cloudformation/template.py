"""CloudFormation input: decode a template with cfn-lint and extract its facts.

The only module (with the DSQL validation bridge) that imports cfn-lint. cfn-lint's decoder gives
every mapping, list and string a start/end mark, so each fact gets an exact position, a logical
id and an RFC 6901 pointer. Integers and booleans carry no marks; they are located through their
key. CDK output is ordinary CloudFormation plus ``aws:cdk:path`` metadata, which every location
inside the resource carries as its construct path.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.facts import (
    DSQL_CLUSTER,
    IMPORT,
    RDS_PREFIX,
    Compute,
    Credential,
    DsqlCluster,
    DynamoTable,
    EngineSetting,
    FileFacts,
    IamRole,
    IamStatement,
    Ingress,
    Resource,
    Sink,
    Target,
    Value,
)
from scanner.inputs.cloudformation import tables
from scanner.inputs.dynamodb import TABLE_TYPES
from scanner.inputs.guards import ParseFailure, check_structure
from scanner.model import Location, Suppression

SECRET = "AWS::SecretsManager::Secret"
ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"
ROTATION = "AWS::SecretsManager::RotationSchedule"
RDS_ROTATION_APP = re.compile(r"SecretsManagerRDS\w*Rotation", re.IGNORECASE)
HOSTED_RDS_ROTATION = re.compile(r"^(PostgreSQL|MySQL|MariaDB)", re.IGNORECASE)
SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
RESOLVE_SECRET = "{{resolve:secretsmanager:"
SNIPPET_LIMIT = 200
# Export names are at most 255 characters; longer text is no name (and is not scanned as one).
NAME_LIMIT = 1024
NAME_DEPTH = 16  # nesting of Sub/Join inside an export name beyond this is left unresolved
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = "Fn::ForEach::"
# Nodes that Fn::ForEach may add to a template, the bound the alias guard also applies: an
# expansion is a copy of its body per value, and nested loops multiply.
MAX_FOR_EACH_NODES = 200_000
ROLE = "AWS::IAM::Role"
MANAGED_POLICY = "AWS::IAM::ManagedPolicy"
LAMBDA = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"
TASK_DEFINITION = "AWS::ECS::TaskDefinition"
GLOBALS_OWNER = "Globals"
# JSON keys that make a Secrets Manager secret a database credential: the shape RDS, its rotation
# functions and every database client read. Structure, not naming, is the evidence.
DB_SECRET_KEYS = frozenset({"password", "username"})
# Databases other than RDS that keep their credentials in Secrets Manager: a username/password
# secret they use is theirs, not Aurora residue.
NON_RDS_DATABASE_PREFIXES = (
    "AWS::Redshift::",
    "AWS::RedshiftServerless::",
    "AWS::DocDB::",
    "AWS::DocDBElastic::",
    "AWS::Neptune::",
    "AWS::NeptuneGraph::",
)
RDS_SECRET_KEYS = frozenset(
    {"engine", "host", "port", "dbname", "dbClusterIdentifier", "dbInstanceIdentifier"}
)
DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:(?P<body>.*?)\}\}")
SECRET_ARN = re.compile(
    r"arn:[^:\s]+:secretsmanager:[^:\s]*:[^:\s]*:secret:(?P<name>[^:\s\"'}]+)(?::(?P<key>[^:\s\"'}]*))?"
)


def looks_like_template(text: str) -> bool:
    """Cheap content test used to decide whether a parse failure deserves a SCAN001."""
    return "AWSTemplateFormatVersion" in text or "AWS::" in text


def parse(text: str) -> Any:
    """Decode with cfn-lint after the structural guard; raise ParseFailure with a position."""
    check_structure(text)
    from cfnlint.decode import decode_str

    try:
        document, matches = decode_str(text)
    except RecursionError:
        raise ParseFailure("document nested too deeply to parse") from None
    if matches:
        first = matches[0]
        message = re.sub(r"\s+", " ", str(first.message)).strip()
        raise ParseFailure(message or "invalid template", first.linenumber, first.columnnumber)
    return document


@contextmanager
def fixed_random() -> Iterator[None]:
    """cfn-lint names the values of a collection it cannot resolve (a parameter without a
    default) with random letters; seeded, they are the same in every run, as output must be."""
    state = random.getstate()
    random.seed(0)
    try:
        yield
    finally:
        random.setstate(state)


def _declares_language_extensions(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    transform = document.get("Transform")
    return LANGUAGE_EXTENSIONS in (transform if isinstance(transform, list) else [transform])


def _supplied_list_length(document: dict) -> int:
    """The longest list a collection that is not written out could resolve to: a list in the
    Mappings, a comma-separated parameter default or allowed value, or the two values cfn-lint
    makes up for one it cannot resolve."""
    longest = 2
    stack: list[Any] = [document.get("Mappings")]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            longest = max(longest, len(value))
    parameters = document.get("Parameters")
    for parameter in parameters.values() if isinstance(parameters, dict) else ():
        if not isinstance(parameter, dict):
            continue
        allowed = parameter.get("AllowedValues")
        texts = [parameter.get("Default"), *(allowed if isinstance(allowed, list) else ())]
        for text in texts:
            if isinstance(text, str):
                longest = max(longest, text.count(",") + 1)
    return longest


def _expanded_nodes(value: Any, supplied: int, expand: bool = True) -> int:
    """Nodes of a value with every Fn::ForEach body copied once per collection value (an upper
    bound: collections that are not written out count as the longest list the template has)."""
    if isinstance(value, list):
        return 1 + sum(_expanded_nodes(item, supplied, expand) for item in value)
    if not isinstance(value, dict):
        return 1
    total = 1
    for key, item in value.items():
        loop = expand and str(key).startswith(FOR_EACH) and isinstance(item, list)
        if loop and len(item) == 3:
            copies = len(item[1]) if isinstance(item[1], list) else supplied
            total += copies * _expanded_nodes(item[2], supplied)
        else:
            total += _expanded_nodes(item, supplied, expand)
    return total


def expand(document: Any, regions: tuple[str, ...] = ()) -> Any:
    """The template CloudFormation deploys: ``Fn::ForEach`` loops (and the other language
    extensions) expanded by cfn-lint's own transform, when the template declares
    ``Transform: AWS::LanguageExtensions``; other documents are returned unchanged.

    The copies keep the marks of the loop body, so a resource a loop creates is reported at its
    line in the source, under its expanded logical id. A loop that would add more than
    ``MAX_FOR_EACH_NODES`` nodes, or that cfn-lint cannot expand (duplicate logical ids, a
    malformed loop), is a ParseFailure with the reason.
    """
    if not _declares_language_extensions(document):
        return document
    added = _expanded_nodes(document, _supplied_list_length(document)) - _expanded_nodes(
        document, 0, expand=False
    )
    if added > MAX_FOR_EACH_NODES:
        raise ParseFailure(
            f"Fn::ForEach expands to more than {MAX_FOR_EACH_NODES:,} nodes",
            *_for_each_position(document),
        )
    from cfnlint.helpers import TRANSFORM_LANGUAGE_EXTENSION
    from cfnlint.template import Template
    from cfnlint.template.transforms import Transform

    language_extension = Transform().transforms[TRANSFORM_LANGUAGE_EXTENSION]
    with fixed_random():
        matches, expanded = language_extension(Template(None, document, list(regions) or None))
    if matches:
        first = matches[0]
        message = re.sub(r"\s+", " ", str(first.message)).strip()
        raise ParseFailure(message, first.linenumber, first.columnnumber)
    return expanded


def _for_each_position(document: dict) -> tuple[int, int]:
    """Where the first top-level loop is (the loops of Resources, else of Outputs)."""
    for section in ("Resources", "Outputs", "Conditions"):
        mapping = document.get(section)
        for key in mapping if isinstance(mapping, dict) else ():
            if str(key).startswith(FOR_EACH):
                return _mark(key, "start_mark") or (1, 1)
    return 1, 1


def is_template(document: Any) -> bool:
    """A Resources mapping whose entries have a Type: what CloudFormation itself requires."""
    if not isinstance(document, dict):
        return False
    resources = document.get("Resources")
    return (
        isinstance(resources, dict)
        and bool(resources)
        and all(isinstance(r, dict) and "Type" in r for r in resources.values())
    )


def template_defect(document: Any) -> ParseFailure | None:
    """Why a document that declares itself a template (AWSTemplateFormatVersion, or a Resources
    mapping) is not a valid one; None when it is valid or does not claim to be a template."""
    if not isinstance(document, dict):
        return None
    resources = document.get("Resources")
    if not isinstance(resources, dict):
        if "AWSTemplateFormatVersion" in document:
            return ParseFailure(
                "template has no Resources mapping", *_key_position(document, "Resources")
            )
        return None
    for key, resource in resources.items():
        if not isinstance(resource, dict) or "Type" not in resource:
            line, column = _mark(key, "start_mark") or (1, 1)
            needs = f" ({FOR_EACH[:-2]} needs Transform: {LANGUAGE_EXTENSIONS})"
            hint = needs if str(key).startswith(FOR_EACH) else ""
            return ParseFailure(f"resource '{key}' has no Type{hint}", line, column)
    return None


def _key_position(mapping: dict, name: str) -> tuple[int, int]:
    key = next((k for k in mapping if k == name), None)
    return _mark(key, "start_mark") or _mark(mapping, "start_mark") or (1, 1)


def escape_pointer(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def snippet(value: Any) -> str:
    """Normalised text of a node: the fingerprint's stable ingredient."""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return " ".join(text.split())[:SNIPPET_LIMIT]


def _mark(node: Any, name: str) -> tuple[int, int] | None:
    mark = getattr(node, name, None)
    if mark is None:
        return None
    return mark.line + 1, mark.column + 1


@dataclass
class Node:
    """A value in the template with the path that reached it and the key node that named it."""

    value: Any
    parts: tuple[str | int, ...]
    key: Any = None

    def get(self, name: str) -> Node | None:
        if not isinstance(self.value, dict) or name not in self.value:
            return None
        key = next((k for k in self.value if k == name), name)
        return Node(self.value[name], (*self.parts, name), key)

    def items(self) -> Iterator[tuple[str, Node]]:
        if isinstance(self.value, dict):
            for key, value in self.value.items():
                yield str(key), Node(value, (*self.parts, str(key)), key)

    def elements(self) -> Iterator[Node]:
        """List items; a single mapping counts as a one-element list (IAM allows both)."""
        if isinstance(self.value, list):
            for index, value in enumerate(self.value):
                yield Node(value, (*self.parts, index), None)
        elif self.value is not None:
            yield self

    @property
    def pointer(self) -> str:
        return "".join("/" + escape_pointer(p) for p in self.parts)

    @property
    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    def key_location_node(self) -> Node:
        return Node(self.key, self.parts, self.key)


@dataclass
class TemplateContext:
    """Per-template knowledge that extraction needs: types, parameters, RDS secrets, paths."""

    path: str
    lines: list[str]
    stack: str
    types: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    construct_paths: dict[str, str] = field(default_factory=dict)
    rds_secrets: set[str] = field(default_factory=set)
    dsql_endpoint_groups: set[str] = field(default_factory=set)
    rotation_apps: set[str] = field(default_factory=set)
    database_ports: dict[str, int] = field(default_factory=dict)
    db_secrets: set[str] = field(default_factory=set)
    non_rds_secrets: set[str] = field(default_factory=set)  # used by Redshift, DocumentDB...
    orphan_secrets: set[str] = field(default_factory=set)  # database-shaped, no other user
    managed_policy_roles: dict[str, set[str]] = field(default_factory=dict)

    def locate(self, node: Node, resource: str = "") -> Location:
        start = _mark(node.value, "start_mark")
        end = _mark(node.value, "end_mark")
        if start is None:
            start, end = self._value_after_key(node)
        if resource == "" and len(node.parts) > 1 and node.parts[0] == "Resources":
            resource = str(node.parts[1])
        return Location(
            path=self.path,
            line=start[0],
            column=start[1],
            end_line=end[0] if end else start[0],
            end_column=end[1] if end else start[1],
            resource=resource,
            pointer=node.pointer,
            construct_path=self.construct_paths.get(resource, ""),
            snippet=snippet(node.value),
            stack=self.stack,
        )

    def _value_after_key(self, node: Node) -> tuple[tuple[int, int], tuple[int, int] | None]:
        """Scalars without marks: find the value right after its key on the key's line."""
        key_end = _mark(node.key, "end_mark")
        if key_end is None:
            return (1, 1), None
        line_no, column = key_end
        line = self.lines[line_no - 1] if 0 < line_no <= len(self.lines) else ""
        rest = line[column - 1 :]
        stripped = rest.lstrip(" \t\"':")
        start_col = column + (len(rest) - len(stripped))
        token = re.match(r"[^\s,}\]\"']*", stripped)
        width = len(token.group(0)) if token else 0
        return (line_no, start_col), (line_no, start_col + width)

    def name_text(self, value: Any, depth: int = 0) -> str | None:
        """The text of an export or import name, as far as this template can tell.

        ``${AWS::StackName}`` becomes the stack's name when the cloud assembly names it, a
        parameter its default; ``Fn::Sub`` variables and ``Fn::Join`` parts are filled in the
        same way. What stays unknown stays a ``${...}`` placeholder, which the resolution stage
        matches as a wildcard. None for a value that is not built from names at all.
        """
        if depth > NAME_DEPTH:
            return None
        if isinstance(value, str | int) and not isinstance(value, bool):
            return self._filled(str(value), {}, depth) if len(str(value)) <= NAME_LIMIT else None
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((function, arg),) = value.items()
        if function == "Ref" and isinstance(arg, str):
            return self._filled("${" + arg + "}", {}, depth)
        if function == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (None, {})
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                text = arg[0]
                variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
            if text is None or len(text) > NAME_LIMIT:
                return None
            return self._filled(text, variables, depth)
        if function == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            separator, parts = arg
            if isinstance(separator, str) and isinstance(parts, list):
                texts = [self.name_text(part, depth + 1) for part in parts[:NAME_LIMIT]]
                if all(text is not None for text in texts):
                    joined = separator.join(texts)  # type: ignore[arg-type]
                    return joined if len(joined) <= NAME_LIMIT else None
        return None

    def _filled(self, text: str, variables: dict, depth: int) -> str:
        """``text`` with the placeholders this template knows replaced by their values."""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in variables:
                known = self.name_text(variables[name], depth + 1)
                return known if known is not None else match.group(0)
            if name == "AWS::StackName" and self.stack:
                return self.stack
            default = self.parameters.get(name, {})
            default = default.get("Default") if isinstance(default, dict) else None
            if isinstance(default, str | int) and not isinstance(default, bool):
                return str(default)
            return match.group(0)

        return SUB_VARIABLE.sub(fill, text)

    def target(self, name: str, attribute: str = "") -> Target:
        return Target(
            name=name,
            type=self.types.get(name, ""),
            attribute=attribute,
            rds_secret=name in self.rds_secrets,
        )


def references(value: Any) -> Iterator[tuple[str, str]]:
    """(logical id, attribute) pairs a value refers to through Ref, GetAtt, Sub and nesting."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((name, arg),) = value.items()
            if name == "Ref" and isinstance(arg, str):
                yield str(arg), ""
                return
            if name == "Fn::GetAtt":
                if isinstance(arg, str) and "." in arg:
                    logical, attribute = str(arg).split(".", 1)
                    yield logical, attribute
                    return
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    yield (
                        str(arg[0]),
                        str(arg[1]) if len(arg) > 1 and isinstance(arg[1], str) else "",
                    )
                    return
            if name == "Fn::Sub":
                yield from _sub_references(arg)
                return
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def _sub_references(arg: Any) -> Iterator[tuple[str, str]]:
    text, variables = (arg, {}) if isinstance(arg, str) else (None, {})
    if isinstance(arg, list) and arg:
        text = arg[0] if isinstance(arg[0], str) else None
        variables = arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {}
        yield from references(variables)
    for match in SUB_VARIABLE.finditer(text or ""):
        name = match.group(1).strip()
        logical, _, attribute = name.partition(".")
        if logical not in variables and not logical.startswith("AWS::"):
            yield logical, attribute


def imports(value: Any, name_of: Callable[[Any], str | None] | None = None) -> Iterator[str]:
    """Export names a value imports with ``Fn::ImportValue`` (CDK's cross-stack links).

    ``name_of`` turns a computed name (``Fn::Sub``, ``Fn::Join``) into text, with the
    placeholders it cannot fill left as ``${...}`` (see ``TemplateContext.name_text``); without
    it only literal names are returned.
    """
    if isinstance(value, dict):
        if list(value) == [IMPORT]:
            name = (name_of or flatten)(value[IMPORT])
            if name is not None and (name_of is not None or "${" not in name):
                yield name
            return
        for item in value.values():
            yield from imports(item, name_of)
    elif isinstance(value, list):
        for item in value:
            yield from imports(item, name_of)


def flatten(value: Any) -> str | None:
    """The text of a value built from literals and pseudo parameters, or None when computed.

    CDK writes ARNs as ``Fn::Join`` of literals and ``Ref AWS::Partition``; ``Fn::Sub`` strings
    are kept with their ``${...}`` placeholders, which is all the ARN checks need.
    """
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, arg),) = value.items()
    if name == "Ref" and isinstance(arg, str) and arg.startswith("AWS::"):
        return "${" + arg + "}"
    if name == "Fn::Sub":
        return arg if isinstance(arg, str) else None
    if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
        separator, parts = arg
        if isinstance(separator, str) and isinstance(parts, list):
            texts = [flatten(part) for part in parts]
            if all(text is not None for text in texts):
                return separator.join(texts)  # type: ignore[arg-type]
    return None


def _json_keys(value: Any) -> set[str]:
    if not isinstance(value, str):
        return set()
    try:
        data = json.loads(value)
    except ValueError:
        return set()
    return {str(key) for key in data} if isinstance(data, dict) else set()


def _is_db_shaped(props: Node) -> bool:
    """A secret whose JSON holds a username and password (or RDS connection keys)."""
    keys: set[str] = set()
    generate = props.get("GenerateSecretString")
    if generate is not None:
        template = generate.get("SecretStringTemplate")
        keys |= _json_keys(template.value if template else None)
        key = generate.get("GenerateStringKey")
        if key is not None and isinstance(key.value, str):
            keys.add(key.value)
    secret_string = props.get("SecretString")
    keys |= _json_keys(secret_string.value if secret_string else None)
    return "password" in keys and bool(keys & (DB_SECRET_KEYS | RDS_SECRET_KEYS) - {"password"})


def secret_kind(text: str, db_secrets: set[str]) -> str:
    """Does a string hand over a Secrets Manager secret, and is it a database credential?

    "db" on evidence (an RDS-managed ``rds!`` secret, a ``password``/``username`` JSON key, a
    reference to a local database-shaped secret), "other" for any other secret, "" when the text
    is no secret at all. Variable and secret names are never evidence.

    The dynamic references are found by literal scans, not by a regex: the value is untrusted,
    and ``{{resolve:secretsmanager:`` repeated without a closing ``}}`` made a lazy regex rescan
    the rest of the line from every start (minutes for 500 KB).
    """
    found = ""
    pos = 0
    while (start := text.find(RESOLVE_SECRET, pos)) >= 0:
        body_start = start + len(RESOLVE_SECRET)
        line_end = text.find("\n", body_start)
        line_end = len(text) if line_end < 0 else line_end
        end = text.find("}}", body_start, line_end)
        if end < 0:  # no later start on this line can close either
            pos = line_end
            continue
        pos = end + 2
        secret_id, _, rest = text[body_start:end].partition(":SecretString:")
        key = rest.split(":", 1)[0]
        arn = SECRET_ARN.search(secret_id)
        name = arn.group("name") if arn else secret_id
        local = {variable.split(".")[0] for variable in _sub_variables(secret_id)}
        if key in DB_SECRET_KEYS or name.startswith("rds!") or local & db_secrets:
            return "db"
        found = "other"
    for match in SECRET_ARN.finditer(text):
        if match.group("name").startswith("rds!") or match.group("key") in DB_SECRET_KEYS:
            return "db"
        found = "other"
    return found


def _sub_variables(text: str) -> Iterator[str]:
    """The ``${Name}`` variables of a ``Fn::Sub`` string, as SUB_VARIABLE finds them, in one
    pass (``${${${...`` without a closing brace would make the regex rescan from every start).
    """
    pos = 0
    close = -1
    while (start := text.find("${", pos)) >= 0:
        if close < start:
            close = text.find("}", start)
            if close < 0:
                return
        name = text[start + 2 : close]
        if name and not name.startswith("!"):
            yield name
            pos = close + 1
        else:
            pos = start + 1


def _scalar_text(value: Any) -> str:
    """The text of a literal scalar (``30``, ``true``, ``ledger``); "" for computed values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return ""


def strings(node: Node) -> Iterator[Node]:
    """Every string leaf below a node, with its path (for engine values behind Fn::If...)."""
    if isinstance(node.value, str):
        yield node
    elif isinstance(node.value, dict):
        for _, child in node.items():
            yield from strings(child)
    elif isinstance(node.value, list):
        for child in node.elements():
            yield from strings(child)


def _resources(root: Node) -> Iterator[tuple[str, str, Node]]:
    resources = root.get("Resources")
    for logical_id, resource in resources.items() if resources else ():
        type_node = resource.get("Type")
        if type_node is not None and isinstance(type_node.value, str):
            yield logical_id, str(type_node.value), resource


def _properties(resource: Node) -> Node:
    return resource.get("Properties") or Node({}, (*resource.parts, "Properties"))


def _parameter_default(context: TemplateContext, value: Any) -> Any:
    if isinstance(value, dict) and list(value) == ["Ref"]:
        parameter = context.parameters.get(str(value["Ref"]))
        if isinstance(parameter, dict):
            return parameter.get("Default")
    return value


def _as_port(context: TemplateContext, node: Node | None) -> int | str | None:
    """A port number, None when absent, or "unknown" when it cannot be resolved statically."""
    if node is None:
        return None
    value = _parameter_default(context, node.value)
    try:
        return int(str(value))
    except (TypeError, ValueError):
        pass
    targets = list(references(value))
    if len(targets) == 1 and targets[0][1].endswith("Port"):
        return context.database_ports.get(targets[0][0], "unknown")
    return "unknown"


def _analyse_wiring(root: Node, context: TemplateContext) -> None:
    """Decide which secrets exist for RDS and which security groups guard a DSQL endpoint."""
    for logical_id, type_name, resource in _resources(root):
        props = _properties(resource)
        refs = {name for name, _ in references(props.value)}
        secret_refs = {r for r in refs if context.types.get(r) == SECRET}
        if type_name.startswith(RDS_PREFIX):
            context.rds_secrets |= secret_refs
        elif type_name.startswith(NON_RDS_DATABASE_PREFIXES):
            context.non_rds_secrets |= secret_refs
        elif type_name == ATTACHMENT:
            target_type = props.get("TargetType")
            target_refs = {name for name, _ in references((props.get("TargetId") or props).value)}
            target_types = {context.types.get(r, "") for r in target_refs}
            if target_type is not None:
                target_types.add(str(target_type.value))
            if any(t.startswith(RDS_PREFIX) for t in target_types):
                # a Ref to the attachment is the secret's ARN: an RDS secret too
                context.rds_secrets |= secret_refs | {logical_id}
            elif any(t.startswith(NON_RDS_DATABASE_PREFIXES) for t in target_types):
                context.non_rds_secrets |= secret_refs | {logical_id}
        elif type_name == ROTATION and _is_rds_rotation(props, context):
            context.rds_secrets |= secret_refs
        elif type_name == "AWS::EC2::VPCEndpoint":
            service = props.get("ServiceName")
            if service is not None and "dsql" in snippet(service.value).lower():
                groups = props.get("SecurityGroupIds")
                context.dsql_endpoint_groups |= {
                    name for name, _ in references(groups.value if groups else [])
                }


def _is_rds_rotation(props: Node, context: TemplateContext) -> bool:
    hosted = props.get("HostedRotationLambda")
    rotation_type = hosted.get("RotationType") if hosted else None
    if rotation_type is not None and HOSTED_RDS_ROTATION.match(str(rotation_type.value)):
        return True
    lambda_arn = props.get("RotationLambdaARN")
    for name, _ in references(lambda_arn.value if lambda_arn else None):
        if name in context.rotation_apps:
            return True
    return False


class Extractor:
    """Walks one template once and collects its facts."""

    def __init__(self, root: Node, context: TemplateContext) -> None:
        self.root = root
        self.ctx = context
        self.resources: list[Resource] = []
        self.engines: list[EngineSetting] = []
        self.credentials: list[Credential] = []
        self.statements: list[IamStatement] = []
        self.ingress: list[Ingress] = []
        self.sinks: list[Sink] = []
        self.clusters: list[DsqlCluster] = []
        self.compute: list[Compute] = []
        self.roles: list[IamRole] = []
        self.tables: list[DynamoTable] = []

    def run(self) -> None:
        for logical_id, type_name, resource in _resources(self.root):
            type_node = resource.get("Type")
            assert type_node is not None
            detail = ""
            if type_name == "AWS::Serverless::Application" and logical_id in self.ctx.rotation_apps:
                detail = "rds-rotation-application"
            self.resources.append(
                Resource(type_name, self.ctx.locate(type_node, logical_id), logical_id, detail)
            )
            props = _properties(resource)
            self._engine(props, logical_id)
            self._credentials(logical_id, type_name, type_node, props)
            self._iam(logical_id, type_name, props)
            self._ingress(logical_id, type_name, props)
            self._environment(logical_id, type_name, props)
            self._dsql(logical_id, type_name, type_node, props)
            if type_name in TABLE_TYPES:
                self._table(logical_id, type_name, type_node, resource, props)
        self._globals_environment()
        self._outputs()

    def _table(
        self, logical_id: str, type_name: str, type_node: Node, resource: Node, props: Node
    ) -> None:
        def locate(node: Node | None) -> Location:
            return self.ctx.locate(type_node if node is None else node, logical_id)

        path = self.ctx.construct_paths.get(logical_id, "")
        self.tables.append(tables.table(logical_id, type_name, resource, props, locate, path))

    def _engine(self, props: Node, logical_id: str) -> None:
        engine = props.get("Engine")
        if engine is None:
            return
        default = _parameter_default(self.ctx, engine.value)
        if default is not engine.value and isinstance(default, str):
            self.engines.append(EngineSetting(str(default), self.ctx.locate(engine, logical_id)))
            return
        for leaf in strings(engine):
            self.engines.append(EngineSetting(str(leaf.value), self.ctx.locate(leaf, logical_id)))

    def _credentials(self, logical_id: str, type_name: str, type_node: Node, props: Node) -> None:
        here = self.ctx.locate(type_node, logical_id)
        if type_name == SECRET:
            kind = "orphan-secret" if logical_id in self.ctx.orphan_secrets else "secret"
            self.credentials.append(
                Credential(kind, here, logical_id in self.ctx.rds_secrets, logical_id)
            )
        elif type_name == ATTACHMENT:
            secret_ids = {n for n, _ in references((props.get("SecretId") or props).value)}
            self.credentials.append(
                Credential(
                    "target-attachment",
                    here,
                    bool(secret_ids & self.ctx.rds_secrets) or self._attaches_rds(props),
                )
            )
        elif type_name == ROTATION:
            secret_ids = {n for n, _ in references((props.get("SecretId") or props).value)}
            rds = bool(secret_ids & self.ctx.rds_secrets) or _is_rds_rotation(props, self.ctx)
            self.credentials.append(Credential("rotation", here, rds, logical_id))
        if not type_name.startswith(RDS_PREFIX):
            return
        managed = props.get("ManageMasterUserPassword")
        if managed is not None and str(managed.value).lower() == "true":
            self.credentials.append(
                Credential("managed-password", self.ctx.locate(managed, logical_id), True)
            )
        master_secret = props.get("MasterUserSecret")
        if master_secret is not None:
            self.credentials.append(
                Credential("master-user-secret", self.ctx.locate(master_secret, logical_id), True)
            )
        for _, prop in props.items():
            local = {n for n, _ in references(prop.value)} & set(self.ctx.types)
            if local:
                continue  # the secret resource itself is reported
            for leaf in strings(prop):
                if RESOLVE_SECRET in leaf.value:
                    self.credentials.append(
                        Credential(
                            "resolve", self.ctx.locate(leaf, logical_id), True, str(leaf.value)
                        )
                    )

    def _attaches_rds(self, props: Node) -> bool:
        target_type = props.get("TargetType")
        return target_type is not None and str(target_type.value).startswith(RDS_PREFIX)

    def _iam(self, logical_id: str, type_name: str, props: Node) -> None:
        documents: list[tuple[Node, tuple[str, ...]]] = []
        if type_name in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            policies = props.get("Policies")
            for policy in policies.elements() if policies else ():
                document = policy.get("PolicyDocument")
                if document is not None:
                    documents.append((document, (logical_id,)))
        elif type_name in (
            "AWS::IAM::Policy",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::RolePolicy",
            "AWS::IAM::UserPolicy",
            "AWS::IAM::GroupPolicy",
        ):
            document = props.get("PolicyDocument")
            principals = tuple(
                sorted(
                    {
                        name
                        for key in ("Roles", "Users", "Groups", "RoleName", "UserName", "GroupName")
                        for name, _ in references((props.get(key) or Node(None, ())).value)
                    }
                    | self.ctx.managed_policy_roles.get(logical_id, set())
                )
            )
            if document is not None:
                documents.append((document, principals))
        elif type_name == SAM_FUNCTION and props.get("Role") is None:
            policies = props.get("Policies")
            for policy in policies.elements() if policies else ():
                document = policy if policy.get("Statement") is not None else None
                if document is not None:
                    documents.append((document, (f"{logical_id}Role",)))
        for document, principals in documents:
            statements = document.get("Statement")
            for statement in statements.elements() if statements else ():
                self._statement(statement, principals, logical_id)

    def _statement(self, statement: Node, principals: tuple[str, ...], logical_id: str) -> None:
        if not isinstance(statement.value, dict):
            return
        effect = statement.get("Effect")
        action = statement.get("Action")
        not_action = action is None and statement.get("NotAction") is not None
        action = action or statement.get("NotAction")
        resource = statement.get("Resource")
        self.statements.append(
            IamStatement(
                effect=str(effect.value) if effect is not None else "",
                actions=self._values(action, logical_id),
                resources=self._values(resource, logical_id),
                location=self.ctx.locate(statement, logical_id),
                principals=principals,
                not_action=not_action,
                resource_targets=self._targets(resource.value if resource else None),
                opaque_resources=any(
                    self._opaque(entry.value) for entry in (resource.elements() if resource else ())
                ),
            )
        )

    def _targets(self, value: Any) -> tuple[Target, ...]:
        """Local resources and cross-stack imports a value refers to."""
        local = tuple(
            self.ctx.target(ref, attribute)
            for ref, attribute in references(value)
            if ref in self.ctx.types
        )
        names = imports(value, self.ctx.name_text)
        return local + tuple(Target(name, IMPORT) for name in dict.fromkeys(names))

    def _opaque(self, value: Any) -> bool:
        """A computed value (a parameter, a condition) that names nothing this file declares."""
        return isinstance(value, dict) and flatten(value) is None and not self._targets(value)

    def _values(self, node: Node | None, logical_id: str) -> tuple[Value, ...]:
        if node is None:
            return ()
        return tuple(
            Value(str(leaf.value), self.ctx.locate(leaf, logical_id)) for leaf in strings(node)
        )

    def _ingress(self, logical_id: str, type_name: str, props: Node) -> None:
        if type_name == "AWS::EC2::SecurityGroup":
            rules = props.get("SecurityGroupIngress")
            groups = {logical_id}
            for rule_node in rules.elements() if rules else ():
                self._ingress_rule(rule_node, groups, logical_id)
        elif type_name == "AWS::EC2::SecurityGroupIngress":
            group = props.get("GroupId") or props.get("GroupName")
            groups = {n for n, _ in references(group.value)} if group else set()
            self._ingress_rule(props, groups, logical_id)

    def _ingress_rule(self, rule_node: Node, groups: set[str], logical_id: str) -> None:
        if not isinstance(rule_node.value, dict):
            return
        protocol = rule_node.get("IpProtocol")
        from_port = _as_port(self.ctx, rule_node.get("FromPort"))
        to_port = _as_port(self.ctx, rule_node.get("ToPort"))
        if "unknown" in (from_port, to_port):
            return
        self.ingress.append(
            Ingress(
                protocol=str(protocol.value) if protocol is not None else "tcp",
                from_port=from_port,  # type: ignore[arg-type]
                to_port=to_port,  # type: ignore[arg-type]
                location=self.ctx.locate(rule_node, logical_id),
                to_dsql_endpoint=bool(groups & self.ctx.dsql_endpoint_groups),
            )
        )

    def _sink(
        self,
        kind: str,
        name: str,
        value: Node,
        name_node: Node,
        owner: str,
        resource: str | None = None,
    ) -> None:
        resource = owner if resource is None else resource
        targets = self._targets(value.value)
        self.sinks.append(
            Sink(
                kind=kind,
                name=name,
                location=self.ctx.locate(value, resource),
                name_location=self.ctx.locate(name_node, resource),
                targets=targets,
                owner=owner,
                literal=_scalar_text(value.value),
                secret=self._secret(value, targets),
                unwrapped=self._dynamic_reference(value, resource) if kind == "env" else None,
            )
        )

    def _dynamic_reference(self, value: Node, resource: str) -> Location | None:
        """Where a value resolves a Secrets Manager secret into plain text at deploy time."""
        for leaf in strings(value):
            if RESOLVE_SECRET in leaf.value:
                # a short-form tag's string (``!Sub "{{resolve:...}}"``) carries no position
                marked = _mark(leaf.value, "start_mark") is not None
                return self.ctx.locate(leaf if marked else value, resource)
        return None

    def _secret(self, value: Node, targets: tuple[Target, ...]) -> str:
        kinds = {
            "db" if target.name in self.ctx.db_secrets else "other"
            for target in targets
            if self.ctx.types.get(target.name) == SECRET
        }
        kinds |= {secret_kind(leaf.value, self.ctx.db_secrets) for leaf in strings(value)}
        return "db" if "db" in kinds else ("other" if "other" in kinds else "")

    def _environment(self, logical_id: str, type_name: str, props: Node) -> None:
        if type_name in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            environment = props.get("Environment")
            variables = environment.get("Variables") if environment else None
            for name, value in variables.items() if variables else ():
                self._sink("env", name, value, value.key_location_node(), logical_id)
        elif type_name == "AWS::ECS::TaskDefinition":
            containers = props.get("ContainerDefinitions")
            for container in containers.elements() if containers else ():
                for section, value_key in (("Environment", "Value"), ("Secrets", "ValueFrom")):
                    entries = container.get(section)
                    for entry in entries.elements() if entries else ():
                        name = entry.get("Name")
                        value = entry.get(value_key)
                        if name is not None and value is not None:
                            self._sink("env", str(name.value), value, name, logical_id)
        elif type_name == "AWS::SSM::Parameter":
            value = props.get("Value")
            name = props.get("Name")
            if value is not None:
                label = str(name.value) if name is not None and name.text else logical_id
                self._sink("ssm", label, value, name or value, logical_id)

    def _globals_environment(self) -> None:
        """SAM ``Globals.Function.Environment``: variables every serverless function receives."""
        section = self.root.get("Globals")
        function = section.get("Function") if section else None
        environment = function.get("Environment") if function else None
        variables = environment.get("Variables") if environment else None
        for name, value in variables.items() if variables else ():
            self._sink("env", name, value, value.key_location_node(), GLOBALS_OWNER, "")

    def _dsql(self, logical_id: str, type_name: str, type_node: Node, props: Node) -> None:
        """The DSQL target state: clusters, compute resources and the roles they run as."""
        here = self.ctx.locate(type_node, logical_id)
        if type_name == DSQL_CLUSTER:
            self.clusters.append(self._cluster(logical_id, here, props))
        elif type_name in (LAMBDA, SAM_FUNCTION):
            self._function(logical_id, type_name, here, props)
        elif type_name == TASK_DEFINITION:
            containers = props.get("ContainerDefinitions")
            names = tuple(
                str(c.value["Name"])
                for c in (containers.elements() if containers else ())
                if isinstance(c.value, dict) and isinstance(c.value.get("Name"), str)
            )
            declared = next(
                (
                    c.get("Environment")
                    for c in (containers.elements() if containers else ())
                    if isinstance(c.value, dict) and c.get("Environment") is not None
                ),
                containers,
            )
            self.compute.append(
                Compute(
                    name=logical_id,
                    kind="ecs",
                    location=here,
                    role=self._local_role(props.get("TaskRoleArn")),
                    env_owners=(logical_id,),
                    env_location=self.ctx.locate(declared, logical_id) if declared else None,
                    containers=names,
                )
            )
        elif type_name == ROLE:
            policies = props.get("ManagedPolicyArns")
            self.roles.append(IamRole(logical_id, here, self._external_policies(policies)))

    def _cluster(self, logical_id: str, here: Location, props: Node) -> DsqlCluster:
        protection = props.get("DeletionProtectionEnabled")
        state = "absent"
        if protection is not None:
            value = str(_parameter_default(self.ctx, protection.value)).lower()
            state = {"true": "enabled", "false": "disabled"}.get(value, "unknown")
        regions = props.get("MultiRegionProperties")
        witness = regions.get("WitnessRegion") if regions else None
        peers = regions.get("Clusters") if regions else None
        return DsqlCluster(
            name=logical_id,
            location=here,
            deletion_protection=state,
            protection_location=(
                self.ctx.locate(protection, logical_id) if protection is not None else None
            ),
            multi_region=regions is not None,
            witness_region=witness.value if witness is not None and witness.text else "",
            peers=tuple(
                sorted(
                    {
                        name
                        for name, _ in references(peers.value if peers else None)
                        if self.ctx.types.get(name) == DSQL_CLUSTER and name != logical_id
                    }
                )
            ),
        )

    def _function(self, logical_id: str, type_name: str, here: Location, props: Node) -> None:
        role_node = props.get("Role")
        role = self._local_role(role_node)
        owners: tuple[str, ...] = (logical_id,)
        if type_name == SAM_FUNCTION:
            owners += (GLOBALS_OWNER,)
            if role_node is None:
                role = f"{logical_id}Role"
                policies = props.get("Policies")
                implicit = (Value("AWSLambdaBasicExecutionRole", here),)
                self.roles.append(IamRole(role, here, implicit + self._external_policies(policies)))
        environment = props.get("Environment")
        variables = environment.get("Variables") if environment else None
        declared = variables or environment
        self.compute.append(
            Compute(
                name=logical_id,
                kind="lambda",
                location=here,
                role=role,
                env_owners=owners,
                env_location=self.ctx.locate(declared, logical_id) if declared else None,
            )
        )

    def _local_role(self, node: Node | None) -> str:
        """The logical id of the role an ARN/name value refers to, when it is declared here."""
        for name, _ in references(node.value if node else None):
            if self.ctx.types.get(name) == ROLE:
                return name
        return ""

    def _external_policies(self, policies: Node | None) -> tuple[Value, ...]:
        """Managed policies attached by ARN or SAM name that this template does not declare."""
        found = []
        for entry in policies.elements() if policies else ():
            value = entry.value
            if isinstance(value, dict) and ("Statement" in value or len(value) != 1):
                continue  # an inline document or a SAM policy template
            if any(self.ctx.types.get(n) == MANAGED_POLICY for n, _ in references(value)):
                continue  # a local managed policy: its statements name the role
            if isinstance(value, dict) and not str(next(iter(value))).startswith(("Ref", "Fn::")):
                continue  # a SAM policy template such as DynamoDBCrudPolicy
            found.append(Value(flatten(value) or "", self.ctx.locate(entry)))
        return tuple(found)

    def _outputs(self) -> None:
        outputs = self.root.get("Outputs")
        for name, output in outputs.items() if outputs else ():
            value = output.get("Value")
            if value is None:
                continue
            export = output.get("Export")
            kind = "export" if export is not None else "output"
            self._sink(kind, name, value, output.key_location_node(), "")
            export_name = export.get("Name") if export is not None else None
            text = self.ctx.name_text(export_name.value) if export_name is not None else None
            if text:
                self.sinks[-1] = replace(self.sinks[-1], export_name=text)

    def facts(self) -> FileFacts:
        return FileFacts(
            kind="cfn",
            path=self.ctx.path,
            resources=tuple(self.resources),
            engines=tuple(self.engines),
            credentials=tuple(self.credentials),
            statements=tuple(self.statements),
            ingress=tuple(self.ingress),
            sinks=tuple(self.sinks),
            clusters=tuple(self.clusters),
            compute=tuple(self.compute),
            roles=tuple(self.roles),
            tables=tuple(self.tables),
        )


DATABASE_TYPES = frozenset({"AWS::RDS::DBCluster", "AWS::RDS::DBInstance"})
MYSQL_ENGINES = re.compile(r"^(aurora|aurora-mysql|mysql|mariadb)$", re.IGNORECASE)


def _database_port(props: Node) -> int:
    """The port a database listens on: its Port property, else its engine's default."""
    port = props.get("Port")
    if port is not None and str(port.value).isdigit():
        return int(str(port.value))
    engine = props.get("Engine")
    mysql = engine is not None and MYSQL_ENGINES.match(str(engine.value).strip())
    return 3306 if mysql else 5432


def _mapped_text(root: Node, node: Node) -> str:
    """A value's text plus the Mappings it reads with Fn::FindInMap (CDK puts the rotation
    application's id there)."""
    texts = [snippet(node.value)]
    mappings = root.get("Mappings")
    for leaf in _find_in_map(node.value):
        mapping = mappings.get(leaf) if mappings else None
        if mapping is not None:
            texts.append(snippet(mapping.value))
    return " ".join(texts)


def _find_in_map(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        arg = value.get("Fn::FindInMap")
        if isinstance(arg, list) and arg and isinstance(arg[0], str):
            yield arg[0]
        for item in value.values():
            yield from _find_in_map(item)
    elif isinstance(value, list):
        for item in value:
            yield from _find_in_map(item)


def _context(root: Node, path: str, text: str, stack: str) -> TemplateContext:
    context = TemplateContext(path=path, lines=text.splitlines(), stack=stack)
    parameters = root.get("Parameters")
    context.parameters = (
        dict(parameters.value) if parameters and isinstance(parameters.value, dict) else {}
    )
    for logical_id, type_name, resource in _resources(root):
        context.types[logical_id] = type_name
        metadata = resource.get("Metadata")
        cdk_path = metadata.get("aws:cdk:path") if metadata else None
        if cdk_path is not None and isinstance(cdk_path.value, str):
            context.construct_paths[logical_id] = str(cdk_path.value)
        if type_name == "AWS::Serverless::Application":
            location = _properties(resource).get("Location")
            if location is not None and RDS_ROTATION_APP.search(_mapped_text(root, location)):
                context.rotation_apps.add(logical_id)
        if type_name in DATABASE_TYPES:
            context.database_ports[logical_id] = _database_port(_properties(resource))
    _analyse_wiring(root, context)
    _analyse_identity(root, context)
    # Aurora DSQL takes no password, so a username/password secret that no Redshift, DocumentDB
    # or Neptune database here uses is what the RDS database left behind (the CDK DatabaseSecret
    # of a deleted cluster): everything that carries it carries RDS credentials.
    context.rds_secrets |= context.orphan_secrets
    return context


def _analyse_identity(root: Node, context: TemplateContext) -> None:
    """Database-shaped secrets, and which roles attach each local managed policy by ARN."""
    context.db_secrets = set(context.rds_secrets)
    for logical_id, type_name, resource in _resources(root):
        props = _properties(resource)
        if type_name == SECRET and _is_db_shaped(props):
            context.db_secrets.add(logical_id)
            if logical_id not in context.rds_secrets | context.non_rds_secrets:
                context.orphan_secrets.add(logical_id)
        attached: list[tuple[str, Node | None]] = []
        if type_name == ROLE:
            attached.append((logical_id, props.get("ManagedPolicyArns")))
        elif type_name == SAM_FUNCTION and props.get("Role") is None:
            attached.append((f"{logical_id}Role", props.get("Policies")))
        for role, policies in attached:
            for name, _ in references(policies.value if policies else None):
                if context.types.get(name) == MANAGED_POLICY:
                    context.managed_policy_roles.setdefault(name, set()).add(role)


def suppressions(root: Node, context: TemplateContext) -> tuple[Suppression, ...]:
    """``Metadata: {dsql-scan: {ignore: [{id, reason}]}}`` on resources or the template."""
    found: list[Suppression] = []
    scopes: list[tuple[Node | None, str, bool]] = [(root.get("Metadata"), "", True)]
    for logical_id, _, resource in _resources(root):
        scopes.append((resource.get("Metadata"), logical_id, False))
    for metadata, logical_id, whole_file in scopes:
        block = metadata.get("dsql-scan") if metadata else None
        ignore = block.get("ignore") if block else None
        for entry in ignore.elements() if ignore else ():
            rule_id = entry.get("id") if isinstance(entry.value, dict) else entry
            if rule_id is None or not isinstance(rule_id.value, str):
                continue
            reason = entry.get("reason") if isinstance(entry.value, dict) else None
            found.append(
                Suppression(
                    rules=(str(rule_id.value).strip(),),
                    reason=str(reason.value).strip() if reason is not None else "",
                    location=context.locate(rule_id, logical_id),
                    resource=logical_id,
                    whole_file=whole_file,
                )
            )
    return tuple(found)


def extract(
    document: Any, path: str, text: str, stack: str = ""
) -> tuple[FileFacts, tuple[Suppression, ...]]:
    """Facts and suppressions of one decoded template."""
    root = Node(document, ())
    context = _context(root, path, text, stack)
    extractor = Extractor(root, context)
    extractor.run()
    return plain(extractor.facts()), plain(suppressions(root, context))


def plain(value: Any) -> Any:
    """Replace cfn-lint's marked ``str``/``dict``/``list`` subclasses with the builtins.

    Facts outlive the parse: they are pickled into the result cache and sent between worker
    processes, and cfn-lint's node classes are created at run time and cannot be pickled.
    Normalising once here keeps every extractor free to pass node values through.
    """
    kind = type(value)
    if kind in (str, int, float, bool, type(None)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return kind(plain(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


__all__ = [
    "DSQL_CLUSTER",
    "ParseFailure",
    "expand",
    "extract",
    "is_template",
    "looks_like_template",
    "parse",
]
