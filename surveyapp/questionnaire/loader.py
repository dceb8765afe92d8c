"""Reading YAML while remembering where every value came from.

Plain PyYAML forgets positions and silently keeps the last of two equal keys. This loader composes
the node tree, refuses anchors and aliases (they would let a small file expand into a huge one), and
builds plain Python data itself, recording the line and column of every key and value on the way.

Two readers give the same :class:`Document`:

- the *fast* one builds it straight from the events of libyaml's parser (``yaml.CSafeLoader``, in
  PyYAML's wheels), with PyYAML's own resolver and constructor for the values: about 15 times
  faster than the pure-Python parser on a large questionnaire;
- the *pure-Python* one (``yaml.SafeLoader``) is what the file format was defined with, and it has
  the last word: whatever the fast reader cannot read exactly like it -- any syntax error (so every
  message and its line and column come from one parser), anchors and aliases, nesting deeper than
  :data:`MAX_DEPTH`, characters the two parsers treat differently (tabs, byte-order marks, the
  rarer line breaks), and a plain scalar with ``?`` inside ``{ }`` or ``[ ]`` (see
  :func:`_read_fast`) -- is handed to it.

``tests/questionnaire/test_loader.py`` checks on fuzzed and mangled files that both give equal
documents.
"""

from __future__ import annotations

import gc
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    StreamEndEvent,
)

log = logging.getLogger(__name__)

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


@dataclass(slots=True)
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


@contextmanager
def paused_gc():
    """Switch off the cyclic garbage collector for a while (if it was on).

    Reading a large file makes hundreds of thousands of small objects that live until the end,
    and none of them in cycles; the collector would walk over all of them again and again (which
    made reading time grow faster than the file). Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_yaml(text: str) -> Document:
    """Parse ``text`` into a :class:`Document`. Never raises; problems are collected."""
    with paused_gc():
        if yaml.__with_libyaml__ and not _NOT_FOR_LIBYAML.search(text):
            try:
                document = _read_fast(text)
            except Exception:  # a bug in the fast reader must cost time, not the answer
                log.exception("the fast YAML reader failed; reading with the pure-Python parser")
                document = None
            if document is not None:
                return document
        return _read_pure(text)


def _read_pure(text: str) -> Document:
    """:func:`read_yaml` with PyYAML's pure-Python parser."""
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


#: Characters that libyaml and the pure-Python parser read differently: a byte-order mark after the
#: start (libyaml skips it at the start of any line), NEL and the Unicode line and paragraph
#: separators (line breaks for both, counted differently), and tabs (each parser has its own
#: exceptions for them). Rare in questionnaires; a file with any of them is read by the
#: pure-Python parser.
_NOT_FOR_LIBYAML = re.compile("[\ufeff\x85\u2028\u2029\t]")


_BLOCK = ("|", ">")
#: A tag both parsers read alike: ``!``, ``!!str``, ``!local``, followed by a space or the line's end.
_SIMPLE_TAG = re.compile(r"!(?:!?[0-9A-Za-z-]+)?(?=[ \r\n]|\Z)")
#: The header of a block scalar as PyYAML reads it: indicators, then a space or the line's end.
_BLOCK_HEADER = re.compile(r"[|>](?:[1-9][+-]?|[+-][1-9]?)?(?=[ \r\n]|\Z)")


class _Fallback(Exception):
    """The fast reader cannot read this document exactly like the pure-Python one."""


def _read_fast(text: str) -> Document | None:
    """:func:`read_yaml` with libyaml's parser; ``None`` when the pure-Python parser must read it.

    The one difference between the parsers on text they both accept: in a plain (unquoted)
    scalar inside ``{ }`` or ``[ ]``, PyYAML's scanner takes ``?`` for an indicator, so
    ``{nl: Waarom?}`` is a syntax error for it ("expected ',' or '}', but got '?'"), while
    libyaml reads ``Waarom?``. YAML 1.1 (and 1.2) side with libyaml: in a flow collection a
    plain scalar ends only at ``,[]{}``, at ": " and at " #"; ``?`` is an indicator only at the
    start of a scalar and followed by a space. The questionnaire format has always been read
    the PyYAML way (such a file gets a syntax error with a hint to use quotes), so a document
    with such a scalar goes to the pure-Python parser for that error, with its line and column.

    The parsers also place an empty value (``key:`` with nothing after it) differently in two
    cases: inside ``{ }`` or ``[ ]`` after a ``:`` (PyYAML: just after the ``:``; libyaml: at the
    next ``,`` or closing bracket), and at the very end of a file whose last line has no line
    break (libyaml first adds one). Such documents go to the pure-Python parser too, as do tags
    (``!!str``) inside ``{ }`` or ``[ ]``: PyYAML takes a following ``,`` ``]`` or ``}`` into the
    tag, libyaml does not (so do tags other than ``!!str``-like ones, which the parsers split
    differently, and ``%YAML``/``%TAG`` directives); and a block scalar whose header (``|``, ``>-``, ``|2``) is followed
    by something else than a space or the line's end (libyaml accepts ``|#``, PyYAML and YAML
    want a space before a comment).
    """
    loader = yaml.CSafeLoader(text)
    try:
        return _FastReader(text, loader).read()
    except (_Fallback, yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


class _FastReader:
    """Builds a :class:`Document` from libyaml's events as :func:`_build` does from nodes."""

    def __init__(self, text, loader):
        self.text = text
        self.loader = loader
        self.next_event = loader.get_event
        self.document = Document()
        self.positions = self.document.positions
        self.value_positions = self.document.value_positions
        self.problems = self.document.problems
        self.flow = 0  # how many flow collections ({ } or [ ]) the current event is in
        self.resolved = {}  # (value, implicit) -> tag
        self.constructed = {}  # (tag, value) -> value

    def at_end(self, mark) -> bool:
        """Whether ``mark`` may be the line libyaml adds after a last line without a line break."""
        return mark.column == 0 and not self.text.endswith(("\n", "\r")) and mark.line >= self.text.count("\n")

    def read(self) -> Document:
        next_event = self.next_event
        next_event()  # StreamStartEvent
        event = next_event()
        if isinstance(event, StreamEndEvent):
            self.problems.append(("the file is empty", (), None))
            return self.document
        if event.version is not None or event.tags:
            raise _Fallback  # %YAML and %TAG directives: rare, and read by the pure-Python parser
        event = next_event()  # after DocumentStartEvent: the root
        self.document.data = self.node(event, (), 0)
        next_event()  # DocumentEndEvent
        if not isinstance(next_event(), StreamEndEvent):
            raise _Fallback  # a second document: an error, worded by the pure-Python reader
        return self.document

    def node(self, event, path, depth):
        if depth > MAX_DEPTH or event.anchor is not None or isinstance(event, AliasEvent):
            raise _Fallback
        mark = event.start_mark
        if not path:
            self.positions[path] = Position(mark.line + 1, mark.column + 1)
        kind = type(event)
        if kind is ScalarEvent:
            return self.scalar(event, path)
        tag = event.tag
        if tag is not None:
            self.check_tag(event)
        if kind is MappingStartEvent:
            if tag is not None and tag != "!" and tag != _MAP_TAG:
                self.problems.append(
                    (f"YAML tags such as {tag} are not supported", path, Position(mark.line + 1, mark.column + 1))
                )
            return self.mapping(event, path, depth)
        if tag is not None and tag != "!" and tag != _SEQ_TAG:
            self.problems.append(
                (f"YAML tags such as {tag} are not supported", path, Position(mark.line + 1, mark.column + 1))
            )
        flow = 1 if event.flow_style else 0
        self.flow += flow
        result = []
        next_event, positions, node = self.next_event, self.positions, self.node
        index = 0
        while True:
            item = next_event()
            if type(item) is SequenceEndEvent:
                break
            child = path + (index,)
            mark = item.start_mark
            positions[child] = Position(mark.line + 1, mark.column + 1)
            result.append(node(item, child, depth + 1))
            index += 1
        self.flow -= flow
        return result

    def mapping(self, event, path, depth):
        flow = 1 if event.flow_style else 0
        self.flow += flow
        result = {}
        next_event, positions, problems = self.next_event, self.positions, self.problems
        while True:
            key_event = next_event()
            kind = type(key_event)
            if kind is MappingEndEvent:
                break
            mark = key_event.start_mark
            if kind is not ScalarEvent:
                problems.append(
                    ("a key must be a plain word, not a list or mapping", path, Position(mark.line + 1, mark.column + 1))
                )
                self.skip(key_event, depth + 1)
                self.skip(next_event(), depth + 1)
                continue
            if key_event.anchor is not None:
                raise _Fallback
            key = self.scalar(key_event, path)
            if key in result:
                first = positions.get(path + (key,))
                where = f" (first at line {first.line})" if first else ""
                problems.append(
                    (
                        f'duplicate key "{key_event.value}"{where}; each key may appear once',
                        path + (key,),
                        Position(mark.line + 1, mark.column + 1),
                    )
                )
                self.skip(next_event(), depth + 1)
                continue
            child = path + (key,)
            positions[child] = Position(mark.line + 1, mark.column + 1)
            result[key] = self.node(next_event(), child, depth + 1)
        self.flow -= flow
        return result

    def skip(self, event, depth):
        """Read past a node that is not built, checking it as :meth:`node` would."""
        if depth > MAX_DEPTH or isinstance(event, AliasEvent) or event.anchor is not None:
            raise _Fallback
        kind = type(event)
        if kind is ScalarEvent:
            self.check_scalar(event)
            return
        if event.tag is not None:
            self.check_tag(event)
        flow = 1 if event.flow_style else 0
        self.flow += flow
        end = MappingEndEvent if kind is MappingStartEvent else SequenceEndEvent
        while True:
            child = self.next_event()
            if type(child) is end:
                break
            self.skip(child, depth + 1)
        self.flow -= flow

    def check_tag(self, event):
        """Raise :class:`_Fallback` unless the node's tag is a simple one outside ``{ }`` and ``[ ]``."""
        if self.flow or not _SIMPLE_TAG.match(self.text, event.start_mark.index):
            raise _Fallback

    def check_scalar(self, event):
        """Raise :class:`_Fallback` for a scalar the pure-Python parser reads otherwise (see :func:`_read_fast`)."""
        if event.tag is not None:
            self.check_tag(event)
        style = event.style
        if not style:
            if self.flow and "?" in event.value:
                raise _Fallback
            if not event.value and event.tag is None and (self.flow or self.at_end(event.start_mark)):
                raise _Fallback
        elif style in "|>" and not _BLOCK_HEADER.match(self.text, event.start_mark.index):
            raise _Fallback

    def scalar(self, event, path):
        value, style, tag = event.value, event.style, event.tag
        if tag is not None or not (value and (style or not self.flow or "?" not in value)) or style in _BLOCK:
            self.check_scalar(event)
        start, end = event.start_mark, event.end_mark
        line = start.line
        quoted = style == "'" or style == '"'
        self.value_positions[path] = Position(
            line + 1, start.column + 1, quoted, (quoted or not style) and line == end.line
        )
        if tag is None or tag == "!":
            # PyYAML resolves "!" like a plain scalar even without content; libyaml not then.
            implicit = event.implicit if tag is None else (True, False)
            key = (value, implicit)
            tag = self.resolved.get(key)
            if tag is None:
                tag = self.resolved[key] = self.loader.resolve(yaml.ScalarNode, value, implicit)
        if tag == _STR_TAG or tag == _TIMESTAMP_TAG:
            # A date is never wanted as a date here; keep what the researcher wrote.
            return value
        if tag not in _PLAIN_TAGS:
            self.problems.append(
                (f"YAML tags such as {tag} are not supported", path, Position(start.line + 1, start.column + 1))
            )
            return value
        try:
            return self.constructed[tag, value]
        except KeyError:
            pass
        try:
            result = self.loader.construct_object(yaml.ScalarNode(tag, value, start, end, style), deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            self.problems.append(
                (f"cannot read the value {value[:40]!r}", path, Position(start.line + 1, start.column + 1))
            )
            return value
        self.constructed[tag, value] = result
        return result


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
