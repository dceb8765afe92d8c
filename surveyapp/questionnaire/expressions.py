"""The display-logic language: small, documented and safe.

An expression such as ``nps <= 6 and segment in ["large", "medium"]`` is tokenized and parsed by
hand into a tree of nodes that can only compare and combine values; nothing is ever handed to
Python's ``eval``. Grammar (lowest precedence first)::

    expression  := or_expr
    or_expr     := and_expr ("or" and_expr)*
    and_expr    := not_expr ("and" not_expr)*
    not_expr    := "not" not_expr | comparison
    comparison  := operand [ ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                           | ["not"] "in" (list | name) ]
    operand     := number | string | "true" | "false" | name | list | "(" expression ")"
    list        := "[" [ literal ("," literal)* [","] ] "]"

Semantics, chosen so a missing answer never shows a follow-up question by accident:

* a name is an item id or an attribute name; an unanswered item, a missing attribute and a
  "don't know" answer all evaluate to null;
* every comparison with null is false -- including ``!=``, ``in`` and ``not in``;
* a number compared with a string that holds a number compares as numbers (attributes arrive
  as text from the invitation import); otherwise values of different kinds are never equal and
  never ordered;
* ``x in name`` where ``name`` holds a list (a multiple-choice answer) tests membership, so
  ``"a" in q5`` is true when option ``a`` was ticked; when ``x`` itself is a list,
  ``q5 in ["a", "b"]`` is true when any ticked option is in the list;
* a bare value used as a condition (``show_if: q3``) is true when it is present: not null,
  not false, not an empty text and not an empty list (the number 0 counts as present).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
_MAX_NUMBER_LENGTH = 30
_MAX_DEPTH = 40


class ExpressionError(ValueError):
    """A syntax error; ``position`` is the 0-based offset in the source text."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, keyword, op, end
    value: object
    position: int
    text: str


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|-)
    """,
    re.VERBOSE,
)


def tokenize(source: str) -> list[Token]:
    tokens = []
    position = 0
    while position < len(source):
        char = source[position]
        if char in "\"'":
            value, end = _read_string(source, position)
            tokens.append(Token("string", value, position, source[position:end]))
            position = end
            continue
        match = _TOKEN_RE.match(source, position)
        if not match:
            if char == "=":
                raise ExpressionError("use == to compare", position)
            if char == "!":
                raise ExpressionError("use != or not", position)
            if char in "&|":
                raise ExpressionError("use and / or", position)
            raise ExpressionError(f"unexpected character {char!r}", position)
        kind = match.lastgroup
        text = match.group()
        if kind == "number":
            if len(text) > _MAX_NUMBER_LENGTH:
                raise ExpressionError("number too long", position)
            tokens.append(Token("number", float(text) if "." in text else int(text), position, text))
        elif kind == "name":
            tokens.append(Token("keyword" if text in KEYWORDS else "name", text, position, text))
        elif kind == "op":
            tokens.append(Token("op", text, position, text))
        position = match.end()
    tokens.append(Token("end", None, len(source), ""))
    return tokens


def _read_string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    chars = []
    position = start + 1
    while position < len(source):
        char = source[position]
        if char == "\\" and position + 1 < len(source) and source[position + 1] in (quote, "\\"):
            chars.append(source[position + 1])
            position += 2
            continue
        if char == quote:
            return "".join(chars), position + 1
        chars.append(char)
        position += 1
    raise ExpressionError("text not closed: missing " + quote, start)


# --- the tree -------------------------------------------------------------------------------------

_MISSING = object()


@dataclass(frozen=True)
class Node:
    position: int


@dataclass(frozen=True)
class Literal(Node):
    value: object


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class ListValue(Node):
    values: tuple


@dataclass(frozen=True)
class Compare(Node):
    operator: str  # one of COMPARISONS, "in", "not in"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True)
class BoolOp(Node):
    operator: str  # "and" or "or"
    operands: tuple


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, value=_MISSING) -> bool:
        token = self.token
        return token.kind == kind and (value is _MISSING or token.value == value)

    def expect(self, kind: str, value, what: str) -> Token:
        if not self.at(kind, value):
            self.fail(f"expected {what}")
        return self.advance()

    def fail(self, message: str):
        token = self.token
        found = "the end" if token.kind == "end" else repr(token.text)
        raise ExpressionError(f"{message}, found {found}", token.position)

    def parse(self) -> Node:
        if self.at("end"):
            raise ExpressionError("empty condition", 0)
        node = self.or_expr()
        if not self.at("end"):
            if self.at("op", "("):
                self.fail("function calls are not part of the language")
            self.fail("expected and, or, or the end of the condition")
        return node

    def nested(self):
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError("condition nested too deeply", self.token.position)

    def or_expr(self) -> Node:
        return self.bool_op("or", self.and_expr)

    def and_expr(self) -> Node:
        return self.bool_op("and", self.not_expr)

    def bool_op(self, operator, operand) -> Node:
        start = self.token.position
        operands = [operand()]
        while self.at("keyword", operator):
            self.advance()
            operands.append(operand())
        return operands[0] if len(operands) == 1 else BoolOp(start, operator, tuple(operands))

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            token = self.advance()
            self.nested()
            node = Not(token.position, self.not_expr())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        token = self.token
        if token.kind == "op" and token.value in COMPARISONS:
            self.advance()
            node = Compare(token.position, token.value, left, self.operand())
        elif self.at("keyword", "in") or self.at("keyword", "not"):
            operator = "in"
            if self.at("keyword", "not"):
                self.advance()
                if not self.at("keyword", "in"):
                    self.fail("expected in after not")
                operator = "not in"
            self.advance()
            if not (self.at("op", "[") or self.at("name")):
                self.fail(f"expected a list [...] or a name after {operator}")
            node = Compare(token.position, operator, left, self.operand())
        else:
            return left
        following = self.token
        if following.kind == "op" and following.value in COMPARISONS or self.at("keyword", "in"):
            self.fail("comparisons cannot be chained; combine them with and")
        return node

    def operand(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.advance()
            return Literal(token.position, token.value)
        if token.kind == "op" and token.value == "-":
            self.advance()
            if not self.at("number"):
                self.fail("expected a number after -")
            number = self.advance()
            return Literal(token.position, -number.value)
        if token.kind == "string":
            self.advance()
            return Literal(token.position, token.value)
        if token.kind == "keyword" and token.value in ("true", "false"):
            self.advance()
            return Literal(token.position, token.value == "true")
        if token.kind == "name":
            self.advance()
            return Name(token.position, token.value)
        if self.at("op", "["):
            return self.list_value()
        if self.at("op", "("):
            self.advance()
            self.nested()
            node = self.or_expr()
            self.depth -= 1
            self.expect("op", ")", "a closing )")
            return node
        self.fail("expected a value (a name, number, text in quotes, true, false or a list)")

    def list_value(self) -> Node:
        start = self.advance()
        self.nested()
        values = []
        while not self.at("op", "]"):
            item = self.operand()
            if not isinstance(item, Literal):
                raise ExpressionError("a list may only hold numbers, texts, true and false", item.position)
            values.append(item.value)
            if self.at("op", ","):
                self.advance()
            elif not self.at("op", "]"):
                self.fail("expected , or ] in the list")
        self.advance()
        self.depth -= 1
        return ListValue(start.position, tuple(values))


# --- evaluation -----------------------------------------------------------------------------------


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_number(text: str):
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _align(left, right):
    """Compare a number with a numeric text as numbers; leave everything else alone."""
    if _is_number(left) and isinstance(right, str):
        number = _as_number(right)
        return (left, number) if number is not None else (left, right)
    if isinstance(left, str) and _is_number(right):
        number = _as_number(left)
        return (number, right) if number is not None else (left, right)
    return left, right


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if _is_number(value):
        return "number"
    if isinstance(value, list | tuple):
        return "list"
    return "text"


def _equal(left, right) -> bool:
    left, right = _align(left, right)
    if _kind(left) != _kind(right):
        return False
    if _kind(left) == "list":
        return sorted(map(repr, left)) == sorted(map(repr, right))
    return left == right


def _compare(operator: str, left, right) -> bool:
    if left is None or right is None:
        return False
    if operator == "==":
        return _equal(left, right)
    if operator == "!=":
        return not _equal(left, right)
    if operator in ("in", "not in"):
        choices = list(right) if isinstance(right, list | tuple) else [right]
        lefts = list(left) if isinstance(left, list | tuple) else [left]
        found = any(_equal(one, choice) for one in lefts for choice in choices)
        return found if operator == "in" else not found
    left, right = _align(left, right)
    if not (_kind(left) == _kind(right) and _kind(left) in ("number", "text")):
        return False
    if operator == "<":
        return left < right
    if operator == "<=":
        return left <= right
    if operator == ">":
        return left > right
    return left >= right


def is_present(value) -> bool:
    """The truth of a bare value: present and not false (0 counts as present)."""
    if value is None or value is False:
        return False
    if isinstance(value, str | list | tuple) and len(value) == 0:
        return False
    return True


def _evaluate(node: Node, values: dict):
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return values.get(node.name)
    if isinstance(node, ListValue):
        return list(node.values)
    if isinstance(node, Compare):
        return _compare(node.operator, _evaluate(node.left, values), _evaluate(node.right, values))
    if isinstance(node, Not):
        return not is_present(_evaluate(node.operand, values))
    if isinstance(node, BoolOp):
        if node.operator == "and":
            return all(is_present(_evaluate(operand, values)) for operand in node.operands)
        return any(is_present(_evaluate(operand, values)) for operand in node.operands)
    raise TypeError(f"not an expression node: {node!r}")


def _names(node: Node):
    if isinstance(node, Name):
        yield node
    elif isinstance(node, Compare):
        yield from _names(node.left)
        yield from _names(node.right)
    elif isinstance(node, Not):
        yield from _names(node.operand)
    elif isinstance(node, BoolOp):
        for operand in node.operands:
            yield from _names(operand)


@dataclass(frozen=True)
class Expression:
    """A parsed condition. ``source`` is the text as written; ``evaluate`` answers it."""

    source: str
    tree: Node

    def evaluate(self, values: dict) -> bool:
        """Evaluate against ``values`` (item ids and attribute names -> value; absent = null)."""
        return is_present(_evaluate(self.tree, values))

    @property
    def names(self) -> tuple[Name, ...]:
        """Every name used, with its position, in order of appearance."""
        return tuple(_names(self.tree))

    def __str__(self) -> str:
        return self.source


def parse_expression(source: str) -> Expression:
    """Parse ``source``; raises :class:`ExpressionError` with the offset of the problem."""
    if not isinstance(source, str):
        raise ExpressionError("a condition must be text", 0)
    return Expression(source, _Parser(source).parse())
