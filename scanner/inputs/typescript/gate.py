"""Which TypeScript/JavaScript modules can hold a fact a rule reads, decided on the parse's tree.

Every module is parsed by tree-sitter (its syntax check: SCAN001 at the first error), and only a
module with evidence that it can matter is lowered onto Python and analysed by the Python
input's collectors with libcst, which costs about a hundred times the parse. Most modules of a
real tree (rxjs, zod, an ORM's query builders, the AWS SDK's own clients) hold nothing any rule
reads. Evidence is decided in two steps, as for Python (``scanner.inputs.python.gate``), from
the tables the lowering and the collectors resolve against:

1. **Words** (``scanner.inputs.words``: bounded like identifier parts, so ``rds`` is found in
   ``aws-rds`` and ``getRdsClient``, never in "records"). A *strong* word makes the module
   matter at once: a CDK import (``aws-cdk-lib``, ``@aws-cdk/``: every CDK fact comes from a
   name resolved through one), ``dsql`` (the DSQL connectors, hosts, clients and signers, the
   suppression marker ``dsql-scan``), an auth-token method in any spelling the lowering turns
   into one (``getDbConnectAuthToken``, ``generateDbAuthToken``: counted on any receiver), or a
   method that sets a function's environment (``addEnvironment``, ``addContainer``: a sink on
   any receiver). A *weak* word leads to a fact only in some syntax, which step 2 decides:
   ``rds`` and ``aurora`` (and ``dsql`` inside a longer word), a method that sends SQL as the
   lowering names it (``query``, ``execute``, ``unsafe``, ``raw``, ``fetch``...), an SQL tag,
   a health-check word, ``engine``, or a word that makes a configuration field a database's
   (``db``, ``database``, ``pg``, ``postgres``, ``dsn``). A module with neither is inert.
2. **Syntax** (the tree the parse built, read with one tree-sitter query: no second parser). A
   weak-word module matters when it has: a call of a query method or an SQL-tagged template, and
   a string or template text that can start SQL and can reach such a call (a query's text is
   built from the module's literals, and the piece that starts it starts with a keyword or an
   SQL comment once its escapes are decoded; the collectors read it from the call's arguments,
   or through a name or attribute it is assigned to); a function, method or function-valued
   declaration named like a health check; an engine setting (a key, name or field ending in
   ``engine`` given a literal that names a relational engine); a configuration type (an
   interface, an object type alias, a class of fields alone, a zod or envalid schema) with a
   field that names the database; an environment read of a variable the rules judge (an
   RDS/Aurora/DSQL name, or one it cannot name while the module says ``rds``, ``aurora`` or
   ``dsql``); an RDS host in a literal; an import of the SDK module of an RDS or DSQL client, or
   of boto3.

Two settings of the scan widen what matters. Where the configuration names environment variables
of its own (``required-env``, ``legacy-env-patterns``), any ``process.env`` read matters, and so
does any configuration type (its fields declare variables). In a CDK app (a ``cdk.json`` above
the module), any configuration type matters, and so does a folder's ``index`` that imports or
re-exports: a TS module with one hands its symbols to the app's other modules
(``symbol_links``), which ``scanner.project.resolve.symbols`` follows within a CDK app only.

A skipped module is still parsed, and what it would have contributed is nothing a rule reads:
environment reads of names no rule judges, engine settings of no database, configuration types
without a database field outside a CDK app, symbol links outside any CDK app, and function
summaries that neither connect, nor send SQL, nor are named like a health check (a health
check follows calls into analysed modules only, as for Python). Words are not split across
literals (``'r' + 'ds'``). ``tests/test_typescript_prefilter.py`` checks the claim against the
full analysis of thousands of real modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from scanner.config import DEFAULT_LEGACY_ENV_PATTERNS
from scanner.facts import DATABASE_FIELD_TOKENS, field_tokens
from scanner.inputs import catalog, names
from scanner.inputs.python.gate import LOOKS_LIKE_SQL, QUERY_METHODS, environment_judged
from scanner.inputs.typescript.lower import (
    EXPRESSIONS,
    FUNCTION_VALUES,
    MEMBER_ALIASES,
    QUERY_ALIASES,
    SDK_CLIENTS,
    SQL_TAG,
    Lowerer,
    is_record,
    lowered_member,
    wrapped,
)
from scanner.inputs.words import Words
from scanner.project.context import DATABASE_ENV_WORD, RELATIONAL_ENGINE
from scanner.project.health import HEALTH_WORDS, health_named

if TYPE_CHECKING:
    from scanner.config import Config

# The auth-token methods the collectors count on any receiver (app.TOKEN_METHODS and
# catalog.AUTH_TOKEN_METHOD), as the lowering names them.
TOKEN_METHODS = frozenset(
    {
        catalog.AUTH_TOKEN_METHOD,
        "generate_db_connect_auth_token",
        "generate_db_connect_admin_auth_token",
    }
)
STRONG = Words(
    ("aws-cdk", "aws_cdk", "dsql", *MEMBER_ALIASES, *TOKEN_METHODS, *catalog.ENVIRONMENT_METHODS),
    humps=True,
)
# Words that name the database service: a fact only through an environment variable, a host, an
# SDK client or a configuration field (``rdsdataservice`` is the SDK v2 client's module).
DATABASE_WORDS = ("rds", "aurora", "rdsdataservice")
DATABASE = Words(DATABASE_WORDS, inside=("dsql",))
# What the lowering turns into a query method (``query`` -> ``execute``, ``#fetch`` -> ``fetch``).
QUERY_SPELLINGS = (*QUERY_METHODS, *QUERY_ALIASES)
FIELD_WORDS = tuple(sorted(DATABASE_FIELD_TOKENS))
WEAK = Words(
    (*DATABASE_WORDS, *QUERY_SPELLINGS, *HEALTH_WORDS, *FIELD_WORDS),
    # an SQL tag is any name holding "sql", ``dbEngine`` an engine key, ``MYDSQLHOST`` a DSQL
    # host's variable
    inside=("sql", "engine", "dsql"),
    humps=True,
)
# The schema libraries whose calls are configuration types (catalog.CONFIG_SCHEMAS), and the
# modules whose imports lead to an AWS API call: the SDK clients' and boto3's.
SCHEMA_ROOTS = frozenset(name.split(".")[0] for name in catalog.CONFIG_SCHEMAS)
SDK_MODULES = frozenset(
    ".".join(parts[:end]) for parts in (n.split(".") for n in SDK_CLIENTS) for end in range(1, 4)
)
BOTO_ROOTS = frozenset(
    name.split(".")[0] for name in catalog.BOTO3_CLIENTS | catalog.BOTO3_SESSIONS
)
# A piece of text that may start SQL although no keyword starts it: an SQL comment, which may
# go on in the next piece.
SQL_COMMENT = re.compile(r"^\s*(?:--|/\*)")
ENGINE_KEY = re.compile(r"engine['\"`\]]*$", re.IGNORECASE)
LEGACY_ENV = tuple(re.compile(pattern) for pattern in DEFAULT_LEGACY_ENV_PATTERNS)
# What the lowering reads through to the expression it wraps (``(x)``, ``x as T``, ``x!``).
WRAPPERS = frozenset(kind for kind, lowers in EXPRESSIONS.items() if lowers is Lowerer._inner)
IMPORTS = re.compile(r"\b(?:import|export|require)\b")


def strong(text: str) -> bool:
    """Does the text hold a word that makes any module matter?"""
    return STRONG.search(text)


def weak(text: str) -> bool:
    """Does the text hold a word that leads to a fact in some syntax (see ``by_syntax``)?"""
    return WEAK.search(text)


@dataclass(frozen=True)
class Scope:
    """What widens the evidence beyond the module's words (see the module's docstring)."""

    environment: bool = False  # the configuration judges environment variables of its own
    in_app: bool = False  # the module lies in a CDK app

    @property
    def configuration(self) -> bool:
        """Does any configuration type matter (not only one with a database field)?"""
        return self.environment or self.in_app


def scope_of(config: Config | None, in_app: bool = False) -> Scope:
    return Scope(environment=environment_judged(config), in_app=in_app)


def by_words(text: str, path: str, scope: Scope = Scope()) -> bool | None:
    """True: the module matters; False: it cannot; None: its syntax decides (``by_syntax``)."""
    if strong(text):
        return True
    if scope.environment and "process" in text and "env" in text:
        return True
    if scope.in_app and names.is_package(path) and IMPORTS.search(text):
        return True  # a folder's index passes on what it imports
    if scope.configuration:
        return None  # any configuration type matters: the syntax says whether there is one
    return None if weak(text) else False


def by_syntax(tree: Any, grammar: str, text: str, scope: Scope = Scope()) -> bool:
    """Whether a weak-word module's syntax holds what a collector records (see the module's
    docstring): one run of the grammar's query over the tree the parse built, and one more for
    its literals when a decision needs them."""
    found = _query(grammar, MAIN).captures(tree.root_node)
    if any(health_named(_function_name(n)) for n in found.get("function", ())):
        return True
    if any(_engine(n) for n in found.get("engine", ())) or _configuration(found, scope):
        return True
    if any(_sdk(_specifier(n)) for n in found.get("specifier", ())):
        return True
    database = DATABASE.search(text)
    calls = _query_calls(found)
    reads = [name for node in found.get("environ", ()) for name in _variables(node)]
    if any(name is not None and judged_variable(name) for name in reads):
        return True
    unnamed = None in reads
    if unnamed and database:
        return True
    if not (calls or unnamed or database):
        return False
    literals = _query(grammar, LITERALS).captures(tree.root_node)
    nodes = literals.get("string", []) + literals.get("template", [])
    if calls and any(_starts_sql(p) and _reaches(n, calls) for n in nodes for p in _pieces(n)):
        return True
    pieces = [piece for node in nodes for piece in _pieces(node)]
    return (unnamed and any(judged_variable(p) for p in pieces)) or (
        database and any(catalog.RDS_HOST.search(p) for p in pieces)
    )


def matters(text: str, path: str, tree: Any, grammar: str, scope: Scope = Scope()) -> bool:
    """The gate: does the module need the full analysis?"""
    verdict = by_words(text, path, scope)
    if verdict is None:
        return by_syntax(tree, grammar, text, scope)
    return verdict


# -- the query ----------------------------------------------------------------------------------

# Each pattern captures what one decision reads; a pattern naming a node type or field a
# grammar lacks (interfaces in JavaScript) is left out of that grammar's query.
_METHODS = "|".join(sorted("_?".join(re.escape(p) for p in w.split("_")) for w in QUERY_SPELLINGS))
_FIELD_WORDS = "|".join(FIELD_WORDS)
_HEALTH_WORDS = "|".join(sorted(HEALTH_WORDS))
_PROCESS_ENV = (
    "(member_expression object: (identifier) @_process property: (property_identifier) @_env)"
)
MAIN = (
    # a call of a query method (as the lowering names members)
    f'((member_expression property: (_) @method) (#match? @method "^#?(?i:{_METHODS})$"))',
    # a call whose callee only wraps a member (``(0, db.query)(...)``): unwrapped below
    *(f"(call_expression function: ({w}) @wrapped)" for w in sorted(WRAPPERS)),
    # (``new`` takes no ``as``, ``satisfies`` or ``<T>x`` callee without parentheses)
    "(new_expression constructor: (parenthesized_expression) @wrapped)",
    "(new_expression constructor: (non_null_expression) @wrapped)",
    # a tagged template: an SQL tag sends its text as a query
    "(call_expression function: (_) @tag arguments: (template_string))",
    # functions and methods named like a health check
    *(
        f'(({node} name: (_) @function) (#match? @function "(?i:{_HEALTH_WORDS})"))'
        for node in ("function_declaration", "generator_function_declaration", "method_definition")
    ),
    *(
        f"((variable_declarator name: (identifier) @function value: ({kind}))"
        f' (#match? @function "(?i:{_HEALTH_WORDS})"))'
        for kind in sorted(FUNCTION_VALUES - {"function"})  # older grammars' function_expression
    ),
    # engine settings: a key, name or field ending in "engine", and its value
    *(
        f'(({node} {key}: (_) @engine) (#match? @engine "(?i:engine)[\'\\"`\\\\]]*$"))'
        for node, key in (
            ("pair", "key"),
            ("variable_declarator", "name"),
            ("assignment_expression", "left"),
            ("public_field_definition", "name"),
            ("field_definition", "property"),
            ("enum_assignment", "name"),
        )
    ),
    # environment reads: ``process.env`` and what is read of it
    f'({_PROCESS_ENV} @environ (#eq? @_process "process") (#eq? @_env "env"))',
    # module specifiers: what an import, a re-export or a require names
    "(import_statement source: (string) @specifier)",
    "(export_statement source: (string) @specifier)",
    "(import_require_clause source: (string) @specifier)",
    "((call_expression function: (identifier) @_require arguments: (arguments . (string)"
    ' @specifier .)) (#eq? @_require "require"))',
    "(call_expression function: (import) arguments: (arguments . (string) @specifier .))",
    # configuration types and their fields
    "(interface_declaration) @interface",
    "(type_alias_declaration value: (object_type)) @alias",
    "(class_declaration) @class",
    "(abstract_class_declaration) @class",
    "(class) @class",
    f'((property_signature name: (_) @field) (#match? @field "(?i:{_FIELD_WORDS})"))',
    f'((public_field_definition name: (_) @field) (#match? @field "(?i:{_FIELD_WORDS})"))',
    f'((pair key: (_) @key) (#match? @key "(?i:{_FIELD_WORDS})"))',
    f'((shorthand_property_identifier) @key (#match? @key "(?i:{_FIELD_WORDS})"))',
)
# The module's literals: what a query's text, a variable's name or a host is built from.
LITERALS = ("(string) @string", "(template_string) @template")


@cache
def _query(grammar: str, patterns: tuple[str, ...]) -> Any:
    """The patterns the grammar has node types and fields for, as one query."""
    import tree_sitter

    from scanner.inputs.typescript import parse

    language = parse.language(grammar)
    valid = []
    for pattern in patterns:
        try:
            tree_sitter.Query(language, pattern)
        except tree_sitter.QueryError:
            continue
        valid.append(pattern)
    return tree_sitter.QueryCursor(tree_sitter.Query(language, "\n".join(valid)))


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace")


# -- queries and SQL ----------------------------------------------------------------------------


def _unwrapped(node: Any) -> Any:
    while node is not None and node.type in WRAPPERS:
        node = wrapped(node)
    return node


Key = tuple[int, int, str]  # a node's place: (start byte, end byte, type)


def _key(node: Any) -> Key:
    return node.start_byte, node.end_byte, node.type


def _query_calls(found: dict[str, list[Any]]) -> set[Key]:
    """The calls the collectors read as queries: a query method on any receiver (called
    directly or through a wrapper), an SQL-tagged template."""
    calls = set()
    for node in found.get("method", ()):
        if lowered_member(_text(node)) in QUERY_METHODS and _called(node.parent):
            calls.add(_key(node.parent.parent))
    for node in found.get("wrapped", ()):
        inner = _unwrapped(node)
        prop = inner.child_by_field_name("property") if inner is not None else None
        member = inner is not None and inner.type == "member_expression"
        if member and prop is not None and lowered_member(_text(prop)) in QUERY_METHODS:
            calls.add(_key(node.parent))
    calls.update(_key(node.parent) for node in found.get("tag", ()) if SQL_TAG.search(_text(node)))
    return calls


# Where a value is bound to a name or an attribute in the lowering (an assignment): a query's
# text reaches the call through it (the collectors follow names and ``self`` attributes to what
# is assigned to them, never a call's return). ``export default x`` assigns its value.
BINDINGS = frozenset(
    {
        "variable_declarator",
        "assignment_expression",
        "augmented_assignment_expression",
        "public_field_definition",
        "field_definition",
        "enum_assignment",
    }
)


def _reaches(literal: Any, calls: set[Key]) -> bool:
    """Can a literal's text become a query's: is it part of a query call's arguments (which the
    collectors read whole), or of a value bound to a name or an attribute? Not through a block:
    a function with one is hoisted into a ``def`` of its own, whose return no one follows."""
    node = literal
    parent = node.parent
    while parent is not None and parent.type != "statement_block":
        if parent.type in BINDINGS:
            return True
        if parent.type == "export_statement":
            return parent.child_by_field_name("value") == node
        call = parent.type in ("call_expression", "new_expression") and _key(parent) in calls
        if call and parent.child_by_field_name("arguments") == node:
            return True
        node, parent = parent, parent.parent
    return False


def _called(member: Any) -> bool:
    """Is the member the callee of a call or ``new`` (directly: wrapped ones are ``wrapped``)?"""
    parent = member.parent
    if parent is None:
        return False
    if parent.type == "call_expression":
        return parent.child_by_field_name("function") == member
    if parent.type == "new_expression":
        return parent.child_by_field_name("constructor") == member
    return False


JS_ESCAPE = re.compile(
    r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})"
    r"|(\r\n|[\n\r\u2028\u2029])|(.))",
    re.DOTALL,
)
SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _unescape(match: re.Match[str]) -> str:
    braced, four, two, line, other = match.groups()
    hexadecimal = braced or four or two
    if hexadecimal is not None:
        point = int(hexadecimal, 16)
        return chr(point) if point <= 0x10FFFF else ""
    if line is not None:
        return ""  # a line continuation
    return SIMPLE_ESCAPES.get(other, other)


def js_text(raw: str) -> str:
    """A JS string's or template's raw content with its escapes decoded (what the program holds,
    and what the lowering hands to the collectors)."""
    return JS_ESCAPE.sub(_unescape, raw) if "\\" in raw else raw


def _pieces(node: Any) -> list[str]:
    """The decoded texts of a string, or of a template between its substitutions."""
    raw = node.text
    if node.type == "string":
        return [js_text(raw[1:-1].decode("utf-8", "replace"))]
    pieces = []
    start = node.start_byte
    cursor = start + 1
    for child in node.named_children:
        if child.type == "template_substitution":
            pieces.append(raw[cursor - start : child.start_byte - start])
            cursor = child.end_byte
    pieces.append(raw[cursor - start : len(raw) - 1])
    return [js_text(p.decode("utf-8", "replace")) for p in pieces]


def _starts_sql(piece: str) -> bool:
    return LOOKS_LIKE_SQL.match(piece) is not None or SQL_COMMENT.match(piece) is not None


# -- functions, engines, configuration ----------------------------------------------------------


def _function_name(node: Any) -> str:
    """The name a function, method or function-valued declaration has in the lowering."""
    raw = _text(node).strip("'\"#")
    return "__init__" if raw == "constructor" else names.snake(raw)


ENGINE_VALUES = {
    "pair": "value",
    "variable_declarator": "value",
    "assignment_expression": "right",
    "public_field_definition": "value",
    "field_definition": "value",
    "enum_assignment": "value",
}


def _engine(key: Any) -> bool:
    """An engine setting: the key's value a literal that names a relational engine."""
    parent = key.parent
    field = ENGINE_VALUES.get(parent.type) if parent is not None else None
    value = _unwrapped(parent.child_by_field_name(field)) if field else None
    if value is None or value.type not in ("string", "template_string"):
        return False
    if not ENGINE_KEY.search(_text(key)):
        return False
    return any(RELATIONAL_ENGINE.search(piece) for piece in _pieces(value))


def _database_field(node: Any) -> bool:
    """A field name (as the lowering spells it) with a word that names the database."""
    raw = _text(node).strip("'\"#")
    return bool(field_tokens(names.snake(raw)) & DATABASE_FIELD_TOKENS)


def _configuration(found: dict[str, list[Any]], scope: Scope) -> bool:
    """A configuration type the rules read: one with a database field, any one in a wider
    scope (see ``Scope``)."""
    schema = any(_specifier(n).split(".")[0] in SCHEMA_ROOTS for n in found.get("specifier", ()))
    if scope.configuration and (
        schema
        or found.get("interface")
        or found.get("alias")
        or any(is_record(node) for node in found.get("class", ()))
    ):
        return True
    for node in found.get("field", ()):
        if not _database_field(node):
            continue
        owner = node.parent
        if owner.type == "property_signature":
            return True  # an interface's or an object type's (over-approximated: any one's)
        body = owner.parent
        if body is not None and body.parent is not None and is_record(body.parent):
            return True
    return schema and any(_database_field(node) for node in found.get("key", ()))


# -- the environment, hosts, SDK clients --------------------------------------------------------


def judged_variable(name: str) -> bool:
    """An environment variable the rules judge with the default settings (or whose value makes
    a connection's host a DSQL one)."""
    return (
        DATABASE_ENV_WORD.search(name) is not None
        or any(p.search(name) for p in LEGACY_ENV)
        or "DSQL" in name.upper()
    )


def _variables(environ: Any) -> list[str | None]:
    """The variables a ``process.env`` node reads (None: one the syntax does not name)."""
    parent = environ.parent
    if parent is None:
        return [None]
    if parent.type == "member_expression" and parent.child_by_field_name("object") == environ:
        prop = parent.child_by_field_name("property")
        return [_text(prop) if prop is not None else None]
    if parent.type == "subscript_expression" and parent.child_by_field_name("object") == environ:
        index = _unwrapped(parent.child_by_field_name("index"))
        if index is not None and index.type in ("string", "template_string"):
            return ["".join(_pieces(index))]
        return [None]
    pattern = None
    if parent.type == "variable_declarator" and parent.child_by_field_name("value") == environ:
        pattern = parent.child_by_field_name("name")
    elif parent.type == "assignment_expression" and parent.child_by_field_name("right") == environ:
        pattern = parent.child_by_field_name("left")
    if pattern is not None and pattern.type == "object_pattern":
        return [_pattern_key(element) for element in pattern.named_children]
    return [None]


def _pattern_key(element: Any) -> str | None:
    if element.type == "shorthand_property_identifier_pattern":
        return _text(element)
    if element.type == "object_assignment_pattern":
        left = element.child_by_field_name("left")
        return _text(left) if left is not None else None
    if element.type == "pair_pattern":
        key = element.child_by_field_name("key")
        if key is not None and key.type in ("property_identifier", "string"):
            return _text(key).strip("'\"")
    return None  # a computed key, a rest element


def _specifier(node: Any) -> str:
    """The canonical module a specifier string names (``'@aws-sdk/client-rds'``)."""
    return names.module(js_text(_text(node)[1:-1]))


def _sdk(module: str) -> bool:
    """The SDK module of a client the lowering knows (``@aws-sdk/client-rds``, ``aws-sdk``), or
    boto3: what an AWS API call is resolved through."""
    return module in SDK_MODULES or module.split(".")[0] in BOTO_ROOTS
