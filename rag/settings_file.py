"""Reading settings files: bounded YAML in, ``file:line: key: message`` errors out.

Both the agent config (YAML) and golden sets (JSONL) validate with pydantic; this module
turns a ``ValidationError`` into one line per problem naming the file, the line and the
key path, so a user can jump straight to it. YAML is read with limits checked before it
can hurt: file size, nesting depth, and the size of the document once aliases are
expanded (a few anchors can otherwise grow a 1 KB file into gigabytes). Duplicate keys
are errors naming both lines, never a silent last-wins.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "c.yaml"
>>> _ = path.write_text("a: 1\\nb: 2\\na: 3\\n")
>>> try:
...     read_yaml(path)
... except ConfigError as exc:
...     print(str(exc).replace(str(path), "c.yaml"))
c.yaml:3: a: duplicate key (first on line 1)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from rag.errors import AgentFactoryError

MAX_BYTES = 1_000_000  # a config is a page of settings, not a data file
MAX_NODES = 100_000  # scalars, lists and mappings after alias expansion
MAX_DEPTH = 50

M = TypeVar("M", bound=BaseModel)


class ConfigError(AgentFactoryError):
    """A configuration problem, with the file, line and key it comes from."""


def read_bounded(
    path: Path, max_bytes: int, what: str, error: type[AgentFactoryError] = ConfigError
) -> bytes:
    """A regular file's bytes, refused past `max_bytes` before reading (no FIFO, device or /dev/zero).

    >>> read_bounded(Path("/dev/zero"), 10, "a config")
    Traceback (most recent call last):
    rag.settings_file.ConfigError: /dev/zero: not a regular file; a config is read from a file
    """
    try:
        if not path.is_file():  # a FIFO would block, a device never ends
            raise error(
                f"{path}: {'no such file' if not path.exists() else 'not a regular file'}; {what} is read from a file"
            )
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # a file growing after the check is cut here too
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise error(f"{path}: more than {max_bytes} bytes, the limit for {what}")
    return data


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (naming both lines), complex keys and deep nesting."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1  # checked while parsing: PyYAML recurses once per level
        if self.depth > MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise ConfigError(f"{self.name}:{mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ConfigError(
                    f"{self.name}:{line}: a key must be a plain name, not a {type(key).__name__}"
                )
            if key in seen:
                raise ConfigError(f"{self.name}:{line}: {key}: duplicate key (first on line {seen[key]})")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, max_bytes: int = MAX_BYTES) -> tuple[Any, yaml.Node | None]:
    """The parsed document and its node tree (for line numbers); every limit checked first."""
    raw = read_bounded(path, max_bytes, "a config")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    try:
        loader = _StrictLoader(text)  # its reader already refuses control characters
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    loader.name = str(path)
    try:
        root = loader.get_single_node()
        if root is not None:
            _check_size(root, path)
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.YAMLError as exc:
        mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        started = f" ({exc.context} started on line {context.line + 1})" if context and exc.context else ""
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}{started}") from exc
    except ValueError as exc:  # a scalar Python refuses: an integer of 5000 digits
        raise ConfigError(f"{path}: invalid value: {exc}") from exc
    finally:
        loader.dispose()


def _check_size(root: yaml.Node, path: Path) -> None:
    """Count nodes as if aliases were expanded (memoised, so the count itself stays cheap)."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ConfigError(f"{path}:{node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
        if id(node) not in sizes:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
            if isinstance(node, yaml.MappingNode):
                children = [part for pair in node.value for part in pair]
            sizes[id(node)] = 1 + sum(size(child, depth + 1) for child in children)
            if sizes[id(node)] > MAX_NODES:
                raise ConfigError(
                    f"{path}:{node.start_mark.line + 1}: expands to more than {MAX_NODES} values "
                    "(YAML aliases repeat what they point to)"
                )
        return sizes[id(node)]

    size(root, 0)


def validate(model: type[M], data: Any, path: Path, root: yaml.Node | None) -> M:
    """``model.model_validate(data)``, with errors as ``file:line: key: message`` lines."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for key, loc, message in error_parts(exc):
            line = line_of(root, loc)
            lines.append(f"{path}:{line}: {key}: {message}" if line else f"{path}: {key}: {message}")
        raise ConfigError("invalid config\n  " + "\n  ".join(lines)) from exc


def error_parts(
    exc: ValidationError, unknown: str = "unknown key", root: str = "<root>"
) -> list[tuple[str, list[Any], str]]:
    """(dotted key, location, readable message) for each error of a ValidationError."""
    parts = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        message = err["msg"].replace("Extra inputs are not permitted", unknown)
        parts.append((".".join(str(p) for p in loc) or root, loc, message))
    return parts


def line_of(node: yaml.Node | None, loc: list[Any]) -> int | None:
    """1-based line of the deepest YAML node that `loc` reaches."""
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == str(part)]
            if not match:
                break
            line = match[0][0].start_mark.line + 1
            node = match[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
