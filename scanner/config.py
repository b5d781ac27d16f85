"""Configuration: find it, validate it strictly, merge the command line over it.

Unknown keys are errors (a typo like ``fail_on`` silently ignored would weaken a CI gate), and
every error names the file and the key. Keys are kebab-case, as in ruff's ``[tool.ruff]``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.model import Severity

CONFIG_FILES = ("pyproject.toml", ".dsql-scan.yaml", ".dsql-scan.yml")
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_FILE_SECONDS = 30.0
# An RDS_/AURORA_ word and a connection-setting word, each a whole ``_``-separated word
# (``PASSWORDS_HOST`` is no RDS setting). Lookaheads keep the match linear in the name's length.
DEFAULT_LEGACY_ENV_PATTERNS = (
    r"^(?=.*?(?<![^_])(?:RDS|AURORA)_)(?=.*?(?<![^_])(?:SECRET|CLUSTER|ARN|ENDPOINT|HOST|HOSTNAME"
    r"|PORT|USER|USERNAME|PASSWORD|DB|DATABASE|DBNAME|NAME|URL|URI|DSN|PROXY)(?![^_])).*$",
)


class ConfigError(Exception):
    """A configuration or usage problem: reported as one line, exit code 2, no traceback."""


@dataclass(frozen=True)
class DsqlSettings:
    """``[tool.dsql-scan.dsql]``: what the migrated project must look like."""

    expected_clusters: int = 1
    required_env: tuple[str, ...] = ()
    allow_admin_connect: bool = False
    require_deletion_protection: bool = True


@dataclass(frozen=True)
class Config:
    """The effective configuration of one run."""

    root: Path = field(default_factory=Path.cwd)
    source: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()  # added to select (or to the default rules)
    ignore: tuple[str, ...] = ()
    # (selector, reason) of the configuration's ``{ id = ..., reason = ... }`` ignores: the review
    # lists every disabled rule with the reason its team gave (a bare id has none, and says so)
    ignore_reasons: tuple[tuple[str, str], ...] = ()
    fail_on: Severity | None = Severity.WARNING
    regions: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    require_reason: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    # Not part of analysis_digest: an analysis that ends in time does not depend on it, and
    # one that does not is never cached.
    max_file_seconds: float = DEFAULT_MAX_FILE_SECONDS
    legacy_env_patterns: tuple[str, ...] = DEFAULT_LEGACY_ENV_PATTERNS
    dsql: DsqlSettings = field(default_factory=DsqlSettings)
    cache_dir: str = ""
    # the project's requirement catalogue (a path inside the root); "" is the Aurora DSQL spec
    requirements: str = ""
    lenient_paths: bool = False  # --lenient-paths: named files are judged like found ones
    # ``preview = true`` or ``scan --preview``: the files of inputs in preview (new languages)
    # are read and their findings reported. A review never counts them (it scans without).
    preview: bool = False
    # ``verify`` only: a review must carry a signature that verifies. Not a scan setting, so
    # not among a review's recorded settings (it cannot change what a review judges).
    require_signature: bool = False

    def severity_for(self, rule_id: str, default: Severity) -> Severity:
        return dict(self.severity).get(rule_id, default)

    def lints_templates(self) -> bool:
        """Whether analysis runs cfn-lint on every template, for the DEPLOY rules."""
        from scanner.rules import enabled_by
        from scanner.rules.deploy import LINT_RULES

        return bool(enabled_by(self) & LINT_RULES)

    def analysis_digest(self) -> str:
        """A digest of the settings that change what rules compute (for the result cache)."""
        relevant = {
            "require_reason": self.require_reason,
            "max_file_size": self.max_file_size,
            "legacy_env_patterns": self.legacy_env_patterns,
            "regions": sorted(self.regions),
            "dsql": asdict(self.dsql),
            # whether templates are linted in full by cfn-lint (an opt-in rule is enabled)
            "lint_templates": self.lints_templates(),
        }
        blob = json.dumps(relevant, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _as_list(key: str, value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def _as_str(key: str, value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value


IGNORE_ENTRY_KEYS = ("id", "reason")


def _parse_ignore(
    key: str, value: Any, where: str
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """``ignore``: rule ids or prefixes, each a bare string or ``{ id = ..., reason = ... }``.

    Returns the selectors and the (selector, reason) pairs of those that give a reason. A mapping
    must give both keys: a reason-less entry is written as a bare id, so "no reason" is visible.
    """
    if isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    ):
        return _as_list(key, value, where), ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: '{key}' must be a list of rule ids or {{ id, reason }} tables")
    selectors, reasons = [], []
    for index, entry in enumerate(value):
        at = f"{where}: '{key}[{index}]'"
        if isinstance(entry, str):
            selectors.append(entry)
            continue
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{at} must be a rule id or a table with 'id' and 'reason'")
        unknown = sorted(str(k) for k in entry if k not in IGNORE_ENTRY_KEYS)
        if unknown:
            raise ConfigError(f"{at}: unknown key {unknown[0]!r} (known keys: id, reason)")
        for name in IGNORE_ENTRY_KEYS:
            item = entry.get(name)
            if not isinstance(item, str) or not item.strip():
                raise ConfigError(f"{at}: '{name}' must be a non-empty string")
        selectors.append(entry["id"].strip())
        reasons.append((entry["id"].strip(), " ".join(entry["reason"].split())))
    return tuple(selectors), tuple(reasons)


def _as_project_path(key: str, value: Any, where: str) -> str:
    """A relative path that stays inside the project: a pull request cannot point it elsewhere."""
    text = _as_str(key, value, where)
    path = Path(text)
    if path.is_absolute() or ".." in path.parts or "\\" in text:
        raise ConfigError(f"{where}: '{key}' must be a relative path inside the project: {text!r}")
    return path.as_posix()


def _as_bool(key: str, value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false")
    return value


def _as_int(key: str, value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: '{key}' must be an integer >= {minimum}")
    return value


def _as_seconds(key: str, value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ConfigError(f"{where}: '{key}' must be a number of seconds > 0")
    return float(value)


def parse_fail_on(value: str, where: str = "--fail-on") -> Severity | None:
    if value == "never":
        return None
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(
            f"{where}: unknown level {value!r} (expected error, warning, note or never)"
        ) from None


def _parse_dsql(table: Any, where: str) -> DsqlSettings:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: 'dsql' must be a table")
    readers = {
        "expected-clusters": lambda k, v: ("expected_clusters", _as_int(k, v, where, 1)),
        "required-env": lambda k, v: ("required_env", _as_list(k, v, where)),
        "allow-admin-connect": lambda k, v: ("allow_admin_connect", _as_bool(k, v, where)),
        "require-deletion-protection": lambda k, v: (
            "require_deletion_protection",
            _as_bool(k, v, where),
        ),
    }
    values = _read_table(table, readers, f"{where} [dsql]")
    return DsqlSettings(**values)


def _parse_severity(table: Any, where: str) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: 'severity' must be a table of RULE = level")
    out = []
    for rule_id, level in sorted(table.items()):
        try:
            out.append((str(rule_id), Severity.parse(str(level))))
        except ValueError as exc:
            raise ConfigError(f"{where}: severity.{rule_id}: {exc}") from None
    return tuple(out)


def _read_table(table: Mapping, readers: Mapping, where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in table.items():
        reader = readers.get(key)
        if reader is None:
            known = ", ".join(sorted(readers))
            raise ConfigError(f"{where}: unknown key {key!r} (known keys: {known})")
        name, value = reader(key, raw)
        values[name] = value
    return values


def from_mapping(table: Any, root: Path, source: str) -> Config:
    """Validate a ``[tool.dsql-scan]`` table into a Config."""
    where = source or "configuration"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: the dsql-scan configuration must be a table/mapping")
    readers = {
        "include": lambda k, v: ("include", _as_list(k, v, where)),
        "exclude": lambda k, v: ("exclude", _as_list(k, v, where)),
        "select": lambda k, v: ("select", _as_list(k, v, where)),
        "extend-select": lambda k, v: ("extend_select", _as_list(k, v, where)),
        "ignore": lambda k, v: ("ignore", _parse_ignore(k, v, where)),
        "fail-on": lambda k, v: ("fail_on", parse_fail_on(str(v), f"{where}: fail-on")),
        "regions": lambda k, v: ("regions", _as_list(k, v, where)),
        "severity": lambda k, v: ("severity", _parse_severity(v, where)),
        "require-reason": lambda k, v: ("require_reason", _as_bool(k, v, where)),
        "max-file-size": lambda k, v: ("max_file_size", _as_int(k, v, where, 1)),
        "max-file-seconds": lambda k, v: ("max_file_seconds", _as_seconds(k, v, where)),
        "legacy-env-patterns": lambda k, v: ("legacy_env_patterns", _check_patterns(k, v, where)),
        "dsql": lambda k, v: ("dsql", _parse_dsql(v, where)),
        "cache-dir": lambda k, v: ("cache_dir", _as_str(k, v, where)),
        "require-signature": lambda k, v: ("require_signature", _as_bool(k, v, where)),
        "requirements": lambda k, v: ("requirements", _as_project_path(k, v, where)),
        "preview": lambda k, v: ("preview", _as_bool(k, v, where)),
    }
    values = _read_table(table, readers, where)
    if "ignore" in values:
        values["ignore"], values["ignore_reasons"] = values["ignore"]
    for key in ("select", "ignore"):
        _check_selectors(key, values.get(key, ()), where)
    return Config(root=root, source=source, **values)


def _check_selectors(key: str, selectors: tuple[str, ...], where: str) -> None:
    """A rule id or prefix that names no rule is an error here, where the file can be named."""
    from scanner.rules import UnknownRuleError, matching  # the rule catalogue imports Config

    for selector in selectors:
        try:
            matching(selector)
        except UnknownRuleError as exc:
            raise ConfigError(f"{where}: '{key}': {exc}") from None


def _check_patterns(key: str, value: Any, where: str) -> tuple[str, ...]:
    import re

    patterns = _as_list(key, value, where)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"{where}: '{key}': invalid regular expression {pattern!r}: {exc}"
            ) from None
    return patterns


def _load_file(path: Path) -> tuple[Any, bool]:
    """Return (table, found). pyproject without our table is 'not found'."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    if path.suffix == ".toml":
        import tomllib  # here, not at the top: a worker forked before this runs never needs it

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        table = data.get("tool", {}).get("dsql-scan")
        return table, table is not None
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    return ({} if data is None else data), True


def discover(start: Path) -> Path | None:
    """Walk up from ``start`` to the first directory holding a dsql-scan configuration."""
    for candidate in config_candidates(start):
        if candidate.is_file():
            if candidate.name == "pyproject.toml" and not _load_file(candidate)[1]:
                continue
            return candidate
    return None


def config_candidates(start: Path) -> Iterator[Path]:
    """Where a configuration is looked for from ``start``, nearest first."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            yield directory / name


def load(explicit: str | None = None, start: Path | None = None) -> Config:
    """Load the explicit config file, or the discovered one, or the defaults."""
    start = (start or Path.cwd()).resolve()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"--config: no such file: {explicit}")
        table, found = _load_file(path)
        if not found:
            raise ConfigError(f"{explicit}: no [tool.dsql-scan] table")
    else:
        found_path = discover(start)
        if found_path is None:
            return Config(root=start)
        path = found_path
        table, _ = _load_file(path)
    return from_mapping(table, path.resolve().parent, str(path))


def cache_directory(config: Config, environ: Mapping[str, str] | None = None) -> tuple[Path, str]:
    """The cache directory, and why a configured ``cache-dir`` was ignored ("" if it was not).

    ``$DSQL_SCAN_CACHE_DIR`` is the user's own choice and may point anywhere. ``cache-dir``
    comes from the scanned project's configuration, which a pull request can change: it is
    honoured only when it stays inside the project root, else the default is used.
    """
    import os

    given = (os.environ if environ is None else environ).get("DSQL_SCAN_CACHE_DIR", "")
    if given:
        return config.root / given, ""  # an absolute path stays as it is
    default = config.root / ".dsql-scan-cache"
    if not config.cache_dir:
        return default, ""
    configured = Path(config.cache_dir)
    if configured.is_absolute() or ".." in configured.parts:
        where = config.source or "the configuration"
        return default, (
            f"{where}: cache-dir {config.cache_dir!r} is ignored: it must be a relative path "
            "inside the project (set DSQL_SCAN_CACHE_DIR to keep the cache elsewhere)"
        )
    return config.root / configured, ""


def with_overrides(config: Config, **overrides: Any) -> Config:
    """Apply command-line values (None means 'not given')."""
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(config, **given)


def apply_command_line(
    config: Config,
    select: tuple[str, ...] | None = None,
    ignore: tuple[str, ...] | None = None,
    regions: tuple[str, ...] | None = None,
    fail_on: str | None = None,
    extend_select: tuple[str, ...] | None = None,
) -> Config:
    """The settings ``scan``, ``review`` and ``verify`` take on the command line, over the file.

    ``fail_on`` stays text until here: "never" parses to None, which an override that treats
    None as "not given" could not express.
    """
    config = with_overrides(config, select=select, ignore=ignore, regions=regions)
    if ignore is not None:  # the command line's --ignore replaces the file's, reasons and all
        config = replace(config, ignore_reasons=())
    if extend_select:
        config = replace(config, extend_select=config.extend_select + extend_select)
    if fail_on is not None:
        config = replace(config, fail_on=parse_fail_on(fail_on))
    return config
