"""Reading YAML while remembering where every value came from.

Plain PyYAML forgets positions and silently keeps the last of two equal keys. This loader composes
the node tree, refuses anchors and aliases (they would let a small file expand into a huge one), and
builds plain Python data itself, recording the line and column of every key and value on the way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

#: Deeper nesting than this is never a questionnaire; stop before Python's recursion limit.
MAX_DEPTH = 60

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


@dataclass
class Position:
    line: int  # 1-based
    column: int  # 1-based
    quoted: bool = False
    single_line: bool = True


@dataclass
class Document:
    """Plain data plus where each part of it was written."""

    data: object = None
    #: path -> position of the key (for mapping members) or of the node (for list elements)
    positions: dict[tuple, Position] = field(default_factory=dict)
    #: path -> position of the value itself (for scalars: where the text starts)
    value_positions: dict[tuple, Position] = field(default_factory=dict)
    #: (message, path, position or None) for problems found while reading
    problems: list[tuple[str, tuple, Position | None]] = field(default_factory=list)

    def position(self, path: tuple) -> Position | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]


class _ReadProblem(Exception):
    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.message = message
        self.mark = mark


class PositionLoader(yaml.SafeLoader):
    """A SafeLoader that rejects anchors and aliases while composing."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _ReadProblem(
                f"aliases (*{event.anchor}) are not supported; write the value out", event.start_mark
            )
        if getattr(event, "anchor", None):
            raise _ReadProblem(
                f"anchors (&{event.anchor}) are not supported; write the value out", event.start_mark
            )
        return super().compose_node(parent, index)


def _position(mark, quoted: bool = False) -> Position:
    return Position(mark.line + 1, mark.column + 1, quoted)


def read_yaml(text: str) -> Document:
    """Parse ``text`` into a :class:`Document`. Never raises; problems are collected."""
    document = Document()
    loader = None
    try:
        try:
            loader = PositionLoader(text)
            node = loader.get_single_node()
        except _ReadProblem as problem:
            document.problems.append((problem.message, (), _position(problem.mark)))
            return document
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            message = _yaml_message(error)
            document.problems.append((message, (), _position(mark) if mark else None))
            return document
        except yaml.reader.ReaderError as error:
            line, column = _line_column(text, error.position)
            document.problems.append(
                (
                    f"the character {_char_repr(error.character)} is not allowed in YAML",
                    (),
                    Position(line, column),
                )
            )
            return document
        except yaml.YAMLError as error:
            document.problems.append((f"not valid YAML: {error}", (), None))
            return document
        except RecursionError:
            document.problems.append(("the document is nested too deeply", (), None))
            return document
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        document.problems.append(("the file is empty", (), None))
        return document
    try:
        document.data = _build(loader, node, (), document, 0)
    except _ReadProblem as problem:
        document.problems.append((problem.message, (), _position(problem.mark) if problem.mark else None))
    return document


def _build(loader, node, path, document, depth):
    if depth > MAX_DEPTH:
        raise _ReadProblem("the document is nested too deeply", node.start_mark)
    if not path:
        document.positions[path] = _position(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            document.problems.append(
                (f"YAML tags such as {node.tag} are not supported", path, _position(node.start_mark))
            )
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                document.problems.append(
                    (
                        "a key must be a plain word, not a list or mapping",
                        path,
                        _position(key_node.start_mark),
                    )
                )
                continue
            key = _scalar(loader, key_node, path, document)
            try:
                hash(key)
            except TypeError:
                key = key_node.value
            if key in result:
                first = document.positions.get(path + (key,))
                where = f" (first at line {first.line})" if first else ""
                document.problems.append(
                    (
                        f'duplicate key "{key_node.value}"{where}; each key may appear once',
                        path + (key,),
                        _position(key_node.start_mark),
                    )
                )
                continue
            child = path + (key,)
            document.positions[child] = _position(key_node.start_mark)
            result[key] = _build(loader, value_node, child, document, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            document.problems.append(
                (f"YAML tags such as {node.tag} are not supported", path, _position(node.start_mark))
            )
        result = []
        for index, item_node in enumerate(node.value):
            child = path + (index,)
            document.positions[child] = _position(item_node.start_mark)
            result.append(_build(loader, item_node, child, document, depth + 1))
        return result
    return _scalar(loader, node, path, document)


def _scalar(loader, node, path, document):
    position = _position(node.start_mark, quoted=node.style in ("'", '"'))
    position.single_line = node.style in (None, "", "'", '"') and node.start_mark.line == node.end_mark.line
    document.value_positions[path] = position
    if node.tag == _TIMESTAMP_TAG:
        # A date is never wanted as a date here; keep what the researcher wrote.
        return node.value
    if node.tag == _STR_TAG:
        return node.value  # what the constructor would return, without its overhead
    if node.tag not in _PLAIN_TAGS:
        document.problems.append(
            (f"YAML tags such as {node.tag} are not supported", path, _position(node.start_mark))
        )
        return node.value
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.YAMLError):
        # e.g. an integer with more digits than Python converts
        document.problems.append(
            (f"cannot read the value {node.value[:40]!r}", path, _position(node.start_mark))
        )
        return node.value


def _yaml_message(error: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    message = "; ".join(parts) or "not valid YAML"
    message = re.sub(r"\s+", " ", message)
    if "flow" in message:
        message += " (inside { } or [ ], put texts that contain , ? : { } [ ] or # in quotes)"
    if "found character '\\t'" in message or "found character '\t'" in message:
        message += " (use spaces, not tabs, for indentation)"
    return f"YAML syntax error: {message}"


def _char_repr(character) -> str:
    if isinstance(character, int):
        return f"U+{character:04X}"
    return f"U+{ord(character):04X}" if len(character) == 1 else repr(character)


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return line, column


def decode(data: bytes) -> tuple[str | None, tuple[str, Position] | None]:
    """Decode file bytes as UTF-8 (a byte-order mark is allowed)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        start = error.start
        prefix = data[:start].decode("utf-8", errors="replace")
        line, column = _line_column(prefix, len(prefix))
        return None, (
            f"the file is not UTF-8 text (byte 0x{data[start]:02x}); save it as UTF-8",
            Position(line, column),
        )
