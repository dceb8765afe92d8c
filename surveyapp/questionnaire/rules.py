"""Rules that need the whole document: references, ids, display logic, translations, piping.

``check`` works on the raw data straight from the YAML file and is written defensively, so it can
run even when the structure has errors and the researcher sees every problem in one go.
``normalize`` turns structurally valid, checked data into the normalized definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from .expressions import ExpressionError, Name, parse_expression
from .languages import LANGUAGES
from .model import FORMAT, SCALE_TYPE_OF_ITEM, SCALE_TYPES
from .schema import did_you_mean
from .texts import DONT_KNOW_LABEL, THANK_YOU, TextError, full_text, parse_text

#: Scales an ``nps`` or ``ces`` item uses when it names none and the file declares none by that name.
BUILTIN_SCALES = {
    "nps": {
        "type": "nps",
        "labels": {
            0: {"nl": "Zeer onwaarschijnlijk", "en": "Not at all likely"},
            10: {"nl": "Zeer waarschijnlijk", "en": "Extremely likely"},
        },
    },
    "ces": {
        "type": "ces",
        "labels": {
            1: {"nl": "Helemaal mee oneens", "en": "Strongly disagree"},
            4: {"nl": "Neutraal", "en": "Neutral"},
            7: {"nl": "Helemaal mee eens", "en": "Strongly agree"},
        },
    },
}

#: Item types whose answers are numbers on a scale, so they can belong to a construct.
SCALE_ITEM_TYPES = ("likert", "nps", "ces", "rating")


def scale_values(scale: dict) -> list[int] | None:
    kind, points = scale.get("type"), scale.get("points")
    if kind == "nps":
        return list(range(0, 11))
    if kind == "ces":
        return list(range(1, 8))
    if kind in ("likert", "rating") and isinstance(points, int) and not isinstance(points, bool):
        start = scale.get("start", 1) if kind == "rating" else 1
        if not isinstance(start, int) or isinstance(start, bool):
            start = 1
        return list(range(start, start + points)) if 1 < points <= 11 else None
    return None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _str(value) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class _Entry:
    id: str
    type: str | None
    page: int
    order: int
    page_id: str
    matrix: str | None = None  # for rows: the matrix they belong to


class _Checker:
    def __init__(self, data: dict):
        self.data = data
        self.problems: list[tuple[tuple, str, int | None]] = []
        raw_languages = [
            lang for lang in _list(data.get("languages")) if isinstance(lang, str) and lang in LANGUAGES
        ]
        self.languages = list(dict.fromkeys(raw_languages))
        self.attributes = {name for name in _dict(data.get("attributes")) if isinstance(name, str)}
        self.scales = {
            name: _dict(scale) for name, scale in _dict(data.get("scales")).items() if isinstance(name, str)
        }
        self.option_sets = {
            name: value for name, value in _dict(data.get("options")).items() if isinstance(name, str)
        }
        self.entries: dict[str, _Entry] = {}
        # Indexes built once, so that no check walks all pages again (a 2 MB file has thousands):
        self.page_starts: list[int] = []  # items before each page, in collect_items' count
        self.matrix_rows: dict[str, list[str]] = {}  # matrix id -> its row ids
        self.scale_items: dict[str, dict] = {}  # item or row id -> the item that carries its scale

    def problem(self, path, message, offset=None):
        self.problems.append((tuple(path), message, offset))

    # --- items in order ------------------------------------------------------------------------

    def collect_items(self):
        pages = _list(self.data.get("pages"))
        page_ids = {}
        order = 0
        for p, page in enumerate(pages):
            page = _dict(page)
            page_id = _str(page.get("id")) or f"#{p}"
            if page_id in page_ids:
                self.problem(
                    ("pages", p, "id"),
                    f'page id "{page_id}" is used twice (first at pages[{page_ids[page_id]}])',
                )
            page_ids.setdefault(page_id, p)
            self.page_starts.append(order)
            for i, item in enumerate(_list(page.get("items"))):
                item = _dict(item)
                order += 1
                item_id = _str(item.get("id"))
                kind = _str(item.get("type"))
                for scored in [item.get("id")] + [_dict(row).get("id") for row in _list(item.get("rows"))]:
                    if isinstance(scored, str):
                        self.scale_items.setdefault(scored, item)
                if item_id:
                    self.add_entry(_Entry(item_id, kind, p, order, page_id), ("pages", p, "items", i, "id"))
                if kind == "matrix":
                    for r, row in enumerate(_list(item.get("rows"))):
                        row_id = _str(_dict(row).get("id"))
                        if row_id:
                            entry = _Entry(row_id, "likert", p, order, page_id, matrix=item_id)
                            if self.add_entry(entry, ("pages", p, "items", i, "rows", r, "id")):
                                self.matrix_rows.setdefault(item_id, []).append(row_id)

    def add_entry(self, entry: _Entry, path) -> bool:
        if entry.id in self.entries:
            first = self.entries[entry.id]
            self.problem(path, f'item id "{entry.id}" is used twice (first on page "{first.page_id}")')
            return False
        if entry.id in self.attributes:
            self.problem(path, f'"{entry.id}" is also the name of an attribute; give the item another id')
        self.entries[entry.id] = entry
        return True

    # --- names in logic and texts --------------------------------------------------------------

    def check_name(
        self, name: str, path, offset, before_order: int | None, before_page: int | None, what: str
    ):
        """``before_order``: only items asked before this point; ``before_page``: only earlier pages."""
        if name in self.attributes:
            return
        entry = self.entries.get(name)
        if entry is None:
            candidates = list(self.attributes) + list(self.entries)
            self.problem(
                path,
                f'{what} names "{name}", which is no item or attribute{did_you_mean(name, candidates)}',
                offset,
            )
            return
        if entry.type == "matrix":
            self.problem(
                path,
                f'{what} names the matrix "{name}", which has no answer of its own; name one of its rows',
                offset,
            )
            return
        if before_order is not None and entry.order >= before_order:
            where = (
                "this item itself"
                if entry.order == before_order
                else f'asked later, on page "{entry.page_id}"'
            )
            self.problem(
                path, f'{what} names "{name}", which is {where}; only earlier answers are known here', offset
            )
        elif before_page is not None and entry.page >= before_page:
            self.problem(
                path,
                f'{what} names "{name}" on page "{entry.page_id}"; a page may only depend on earlier pages',
                offset,
            )

    def check_condition(self, value, path, before_order=None, before_page=None):
        if not isinstance(value, str):
            return
        try:
            expression = parse_expression(value)
        except ExpressionError as error:
            self.problem(path, f"condition: {error.message}", error.position)
            return
        for name in expression.names:
            self.check_name(name.name, path, name.position, before_order, before_page, "the condition")
        self.check_literals(expression.tree, path)

    def check_literals(self, node, path):
        """Catch typos in option values: ``q3 == "webshop"`` when q3 has no such option."""
        from .expressions import BoolOp, Compare, ListValue, Literal, Not

        if isinstance(node, BoolOp):
            for operand in node.operands:
                self.check_literals(operand, path)
        elif isinstance(node, Not):
            self.check_literals(node.operand, path)
        elif isinstance(node, Compare) and node.operator in ("==", "!=", "in", "not in"):
            for name_node, other in ((node.left, node.right), (node.right, node.left)):
                if not isinstance(name_node, Name):
                    continue
                allowed = self.option_values.get(name_node.name)
                if allowed is None:
                    continue
                if isinstance(other, Literal):
                    literals = [other.value]
                elif isinstance(other, ListValue):
                    literals = list(other.values)
                else:
                    continue
                for literal in literals:
                    if isinstance(literal, str) and literal not in allowed:
                        self.problem(
                            path,
                            f'"{name_node.name}" has no value "{literal}"{did_you_mean(literal, allowed)}',
                            other.position,
                        )

    def check_text(self, value, path, before_order=None, before_page=None, scope="items"):
        """Translations complete, placeholders well formed and known.

        scope: "items" (attributes and earlier answers), "attributes" (attributes only) or "all".
        """
        if isinstance(value, dict):
            for language in self.languages:
                if language not in value:
                    self.problem(path, f"missing translation: {language}")
            for language, text in value.items():
                if language in LANGUAGES and self.languages and language not in self.languages:
                    offered = ", ".join(self.languages)
                    self.problem(
                        path + (language,), f'"{language}" is not one of the languages offered ({offered})'
                    )
                elif isinstance(text, str):
                    self.check_placeholders(text, path + (language,), before_order, before_page, scope)
        elif isinstance(value, str):
            self.check_placeholders(value, path, before_order, before_page, scope)

    def check_placeholders(self, text, path, before_order, before_page, scope):
        try:
            parts = parse_text(text)
        except TextError as error:
            self.problem(path, f"text: {error.message}", error.position)
            return
        for part in parts:
            if isinstance(part, str):
                continue
            if scope == "attributes" and part.name not in self.attributes:
                self.problem(
                    path,
                    f"the placeholder {{{part.name}}} is not an attribute; only attributes can be used here"
                    f"{did_you_mean(part.name, self.attributes)}",
                    part.position,
                )
            elif scope == "all":
                self.check_name(part.name, path, part.position, None, None, "the placeholder")
            elif scope == "items":
                self.check_name(part.name, path, part.position, before_order, before_page, "the placeholder")

    # --- the document ------------------------------------------------------------------------

    def run(self):
        data = self.data
        self.collect_items()
        self.option_values = self.collect_option_values()
        for key in ("title", "intro"):
            self.check_text(data.get(key), (key,), scope="attributes")
        self.check_text(data.get("thank_you"), ("thank_you",), scope="all")
        for name, attribute in _dict(data.get("attributes")).items():
            self.check_text(_dict(attribute).get("label"), ("attributes", name, "label"), scope="attributes")
        for name, scale in self.scales.items():
            self.check_scale(name, scale)
        for name, options in self.option_sets.items():
            self.check_options(options, ("options", name), scope="attributes")
        self.check_pages()
        for name, construct in _dict(data.get("constructs")).items():
            self.check_construct(name, _dict(construct))
        return self.problems

    def collect_option_values(self) -> dict[str, list[str]]:
        values = {}
        for page in _list(self.data.get("pages")):
            for item in _list(_dict(page).get("items")):
                item = _dict(item)
                options = item.get("options")
                if isinstance(options, str):
                    options = self.option_sets.get(options)
                if isinstance(item.get("id"), str) and isinstance(options, list):
                    values[item["id"]] = [
                        str(_dict(o).get("value"))
                        for o in options
                        if isinstance(_dict(o).get("value"), str | int)
                    ]
        for name, attribute in _dict(self.data.get("attributes")).items():
            attribute = _dict(attribute)
            if attribute.get("type") == "choice" and isinstance(attribute.get("values"), list):
                values[name] = [str(value) for value in attribute["values"] if isinstance(value, str | int)]
        return values

    def check_scale(self, name, scale):
        path = ("scales", name)
        values = scale_values(scale)
        labels = scale.get("labels")
        for point, label in _dict(labels).items():
            if values is not None and isinstance(point, int) and point not in values:
                self.problem(
                    path + ("labels", point),
                    f"{point} is not a point of this scale ({values[0]}..{values[-1]})",
                )
            self.check_text(label, path + ("labels", point), scope="attributes")
        if not isinstance(scale.get("dont_know"), bool):
            self.check_text(scale.get("dont_know"), path + ("dont_know",), scope="attributes")

    def check_options(self, options, path, before_order=None, scope="items"):
        seen = {}
        others = 0
        for index, option in enumerate(_list(options)):
            option = _dict(option)
            value = option.get("value")
            if isinstance(value, int | str) and not isinstance(value, bool):
                value = str(value)
                if value in seen:
                    self.problem(path + (index, "value"), f'option value "{value}" is used twice')
                seen[value] = index
            if option.get("other") is True:
                others += 1
                if others == 2:
                    self.problem(path + (index, "other"), 'only one option can be "other, namely"')
            self.check_text(option.get("label"), path + (index, "label"), before_order, scope=scope)

    def check_pages(self):
        for p, page in enumerate(_list(self.data.get("pages"))):
            page = _dict(page)
            path = ("pages", p)
            self.check_condition(page.get("show_if"), path + ("show_if",), before_page=p)
            self.check_text(page.get("title"), path + ("title",), before_page=p)
            for i, item in enumerate(_list(page.get("items"))):
                self.check_item(_dict(item), path + ("items", i))

    def check_item(self, item, path):
        order = self.order_of(path)
        self.check_condition(item.get("show_if"), path + ("show_if",), before_order=order)
        for key in ("text", "help"):
            self.check_text(item.get(key), path + (key,), before_order=order)
        if not isinstance(item.get("dont_know"), bool):
            self.check_text(item.get("dont_know"), path + ("dont_know",), before_order=order)
        kind = _str(item.get("type"))
        self.check_item_scale(item, kind, path)
        options = item.get("options")
        if isinstance(options, str):
            if options not in self.option_sets:
                self.problem(
                    path + ("options",),
                    f'unknown option set "{options}"{did_you_mean(options, self.option_sets)}',
                )
                options = None
            else:
                options = self.option_sets[options]
        elif isinstance(options, list):
            self.check_options(options, path + ("options",), before_order=order)
        if isinstance(options, list) and kind == "multiple":
            for key in ("min_choices", "max_choices"):
                number = item.get(key)
                if isinstance(number, int) and not isinstance(number, bool) and number > len(options):
                    self.problem(path + (key,), f"is {number}, but the item has only {len(options)} options")
        for r, row in enumerate(_list(item.get("rows"))):
            self.check_text(_dict(row).get("text"), path + ("rows", r, "text"), before_order=order)

    def order_of(self, path) -> int:
        """The running number of the item at ``pages[p].items[i]``, as collect_items counts."""
        _, p, _, i = path
        return self.page_starts[p] + i + 1

    def check_item_scale(self, item, kind, path):
        scale = item.get("scale")
        needed = SCALE_TYPE_OF_ITEM.get(kind)
        if not isinstance(scale, str) or needed is None:
            return
        if scale not in self.scales:
            if scale in BUILTIN_SCALES and BUILTIN_SCALES[scale]["type"] == needed:
                return
            self.problem(path + ("scale",), f'unknown scale "{scale}"{did_you_mean(scale, self.scales)}')
            return
        scale_type = self.scales[scale].get("type")
        if scale_type in SCALE_TYPES and scale_type != needed:
            self.problem(
                path + ("scale",), f'"{scale}" is a {scale_type} scale; a {kind} item needs a {needed} scale'
            )

    def check_construct(self, name, construct):
        path = ("constructs", name)
        self.check_text(construct.get("label"), path + ("label",), scope="attributes")
        members = []
        for index, item_id in enumerate(_list(construct.get("items"))):
            members.extend(self.construct_members(item_id, path + ("items", index)))
        for index, item_id in enumerate(_list(construct.get("reverse"))):
            reversed_ids = self.construct_members(item_id, path + ("reverse", index))
            for one in reversed_ids:
                if one not in members:
                    self.problem(
                        path + ("reverse", index),
                        f'"{one}" is reversed but is not one of the construct\'s items',
                    )
        if len(set(members)) != len(members):
            self.problem(path + ("items",), "lists an item twice")
        ranges = {}
        for member in members:
            values = self.values_of(member)
            if values:
                ranges.setdefault((values[0], values[-1]), member)
        if len(ranges) > 1:
            shown = ", ".join(f"{item} ({low}..{high})" for (low, high), item in ranges.items())
            self.problem(path + ("items",), f"items on different scales cannot be scored together: {shown}")
        if name in self.entries and members != [name]:
            self.problem(
                path, f'"{name}" is also an item id; a construct may share its name only with its single item'
            )

    def construct_members(self, item_id, path) -> list[str]:
        if not isinstance(item_id, str):
            return []
        entry = self.entries.get(item_id)
        if entry is None:
            self.problem(path, f'unknown item "{item_id}"{did_you_mean(item_id, self.entries)}')
            return []
        if entry.type == "matrix":
            return list(self.matrix_rows.get(item_id, []))
        if entry.type not in SCALE_ITEM_TYPES:
            kind = {"single": "single-choice", "multiple": "multiple-choice"}.get(entry.type, entry.type)
            self.problem(path, f'"{item_id}" is a {kind} item; a construct holds items answered on a scale')
            return []
        return [item_id]

    def values_of(self, item_id) -> list[int] | None:
        item = self.scale_items.get(item_id)
        if item is None:
            return None
        scale = item.get("scale")
        if scale is None and item.get("type") in BUILTIN_SCALES:
            scale = item.get("type")
        definition = self.scales.get(scale) if isinstance(scale, str) else None
        if definition is None and isinstance(scale, str):
            definition = BUILTIN_SCALES.get(scale)
        return scale_values(definition) if definition else None


def check(data) -> list[tuple[tuple, str, int | None]]:
    """Every cross-reference problem in raw data: (path, message, offset in the text or None)."""
    if not isinstance(data, dict):
        return []
    return _Checker(data).run()


# --- normalizing ----------------------------------------------------------------------------------


class _Normalizer:
    def __init__(self, data: dict):
        self.data = data
        self.languages = list(data["languages"])
        self.scales = {}
        for name, scale in data["scales"].items():
            self.scales[name] = self.scale(name, scale)
        self.used_builtins = {}

    def text(self, value):
        return full_text(value, self.languages) if value is not None else None

    def dont_know(self, value, inherited=None):
        if value is None:
            return inherited
        if value is True:
            return self.text(DONT_KNOW_LABEL)
        if value is False:
            return None
        return self.text(value)

    def scale(self, name, scale):
        values = scale_values(scale)
        labels = scale.get("labels") or {}
        return {
            "id": name,
            "type": scale["type"],
            "points": len(values),
            "values": values,
            "labels": {str(point): self.text(labels[point]) for point in values if point in labels},
            "dont_know": self.dont_know(scale.get("dont_know")),
            "display": scale.get("display", "buttons"),
        }

    def item_scale(self, item):
        name = item.get("scale") or (item["type"] if item["type"] in BUILTIN_SCALES else None)
        if name is None:
            return None
        if name not in self.scales:
            self.used_builtins[name] = self.scale(name, BUILTIN_SCALES[name])
            return self.used_builtins[name]
        return self.scales[name]

    def options(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = self.data["options"][value]
        return [
            {
                "value": option["value"],
                "label": self.text(option["label"]),
                "fixed": option.get("fixed", False),
                "other": option.get("other", False),
            }
            for option in value
        ]

    def item(self, item):
        kind = item["type"]
        scale = self.item_scale(item) if kind in SCALE_TYPE_OF_ITEM else None
        dont_know = self.dont_know(item.get("dont_know"), scale["dont_know"] if scale else None)
        if kind == "text":
            dont_know = None
        result = {
            "id": item["id"],
            "type": kind,
            "text": self.text(item["text"]),
            "help": self.text(item.get("help")),
            "required": item.get("required", False),
            "show_if": item.get("show_if"),
            "randomize": item.get("randomize", False),
            "fixed": item.get("fixed", False),
            "scale": dict(scale) if scale else None,
            "options": self.options(item.get("options")) if kind in ("single", "multiple") else None,
            "dont_know": dont_know,
            "min": item.get("min") if kind == "number" else None,
            "max": item.get("max") if kind == "number" else None,
            "integer": item.get("integer", True) if kind == "number" else None,
            "min_choices": item.get("min_choices") if kind == "multiple" else None,
            "max_choices": item.get("max_choices") if kind == "multiple" else None,
            "multiline": item.get("multiline", True) if kind == "text" else None,
            "max_length": item.get("max_length") if kind == "text" else None,
            "rows": None,
        }
        if kind == "matrix":
            result["rows"] = [
                {
                    **result,
                    "id": row["id"],
                    "type": "likert",
                    "text": self.text(row["text"]),
                    "help": None,
                    "show_if": None,
                    "randomize": False,
                    "fixed": row.get("fixed", False),
                    "rows": None,
                }
                for row in item["rows"]
            ]
        return result

    def construct(self, name, construct, matrices):
        def expand(ids):
            return [member for item_id in ids for member in matrices.get(item_id, [item_id])]

        return {
            "id": name,
            "label": self.text(construct["label"]),
            "role": construct["role"],
            "items": expand(construct["items"]),
            "reverse": expand(construct.get("reverse", [])),
        }

    def run(self) -> dict:
        data = self.data
        pages = []
        matrices = {}
        for page in data["pages"]:
            items = [self.item(item) for item in page["items"]]
            for item in items:
                if item["rows"]:
                    matrices[item["id"]] = [row["id"] for row in item["rows"]]
            pages.append(
                {
                    "id": page["id"],
                    "title": self.text(page.get("title")),
                    "show_if": page.get("show_if"),
                    "randomize": page.get("randomize", False),
                    "items": items,
                }
            )
        attributes = []
        for name, attribute in data["attributes"].items():
            attributes.append(
                {
                    "id": name,
                    "type": attribute.get("type", "text"),
                    "values": list(attribute["values"]) if attribute.get("values") is not None else None,
                    "label": self.text(attribute.get("label")),
                }
            )
        return {
            "format": FORMAT,
            "id": data["id"],
            "title": self.text(data["title"]),
            "intro": self.text(data.get("intro", "")),
            "thank_you": self.text(data.get("thank_you", THANK_YOU)),
            "languages": self.languages,
            "default_language": data.get("default_language") or self.languages[0],
            "attributes": attributes,
            "scales": list(self.scales.values()) + list(self.used_builtins.values()),
            "constructs": [self.construct(name, c, matrices) for name, c in data["constructs"].items()],
            "pages": pages,
        }


def normalize(data: dict) -> dict:
    """The normalized definition of structurally valid, checked data."""
    return _Normalizer(data).run()
