"""YAML from partners and shared repositories, read with limits.

Column maps, parameters files and build configs are YAML written by someone else. PyYAML's
safe loader builds only plain types, but it still expands aliases (a few hundred bytes of
nested ``&a [*b, *b, ...]`` anchors stand for billions of values, the "billion laughs") and
recurses once per nesting level (thousands of ``[`` end in ``RecursionError``). The loader
here counts while it composes: nesting depth, alias uses and the number of values the
document stands for with every alias expanded. Past a limit it raises one
:class:`~improve.errors.SpecError` line before any value is built.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

from improve.errors import SpecError

#: Deepest nesting of lists and mappings (a column map needs 3 or 4).
MAX_DEPTH = 50
#: Most alias uses (``*name``) in one document.
MAX_ALIASES = 1_000
#: Most values (scalars, lists, mappings) one document may stand for, aliases expanded.
MAX_NODES = 200_000


class YamlLimitError(SpecError):
    """A YAML document is nested too deeply or expands to too many values."""


class LimitedSafeLoader(yaml.SafeLoader):
    """A :class:`yaml.SafeLoader` that refuses deep nesting and alias bombs while composing."""

    what = "YAML file"

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise YamlLimitError(
                    f"{self.what} uses more than {MAX_ALIASES:,} YAML aliases (*name); "
                    "write the values out instead of repeating anchors"
                )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(
                f"{self.what} nests lists or mappings more than {MAX_DEPTH} levels deep; "
                "check the file (a configuration needs a few levels)"
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = self._sizes.get(id(node))
        if size is None:
            size = 1
            if isinstance(node, SequenceNode):
                size += sum(self._sizes.get(id(child), 1) for child in node.value)
            elif isinstance(node, MappingNode):
                size += sum(
                    self._sizes.get(id(k), 1) + self._sizes.get(id(v), 1) for k, v in node.value
                )
            self._sizes[id(node)] = size
        if size > MAX_NODES:
            raise YamlLimitError(
                f"{self.what} stands for more than {MAX_NODES:,} values once its YAML aliases "
                "are expanded; write the values out instead of nesting anchors"
            )
        return node


def load_yaml(
    text: str, what: str = "YAML file", loader_class: type[LimitedSafeLoader] = LimitedSafeLoader
) -> Any:
    """Parse ``text`` as YAML with :class:`LimitedSafeLoader` (plain types only).

    Parameters
    ----------
    text : str
        The document.
    what : str
        How messages name the document (e.g. ``"column map 'state.yaml'"``).
    loader_class : type
        :class:`LimitedSafeLoader` or a subclass (parameters read dates as text:
        :class:`improve.runner.plain_data.PlainLoader`).

    Raises
    ------
    YamlLimitError
        Too deep, too many aliases or too many values (a :class:`SpecError`, exit 2).
    yaml.YAMLError
        Not valid YAML (callers turn this into their own message).
    """
    loader = loader_class(text)
    loader.what = what
    try:
        return loader.get_single_data()
    except RecursionError:
        raise YamlLimitError(
            f"{what} nests too deeply to read; check the file (a configuration needs a few levels)"
        ) from None
    finally:
        loader.dispose()
