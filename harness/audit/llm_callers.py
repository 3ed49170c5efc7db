"""Which files that name no model library still call an LLM factory defined elsewhere.

The call-site model resolves `client = get_client()` by the factory's name. A file that imports
no model library matters only when it reaches such a factory, and it can only reach one through
an import: the name itself (`from app.llm import get_client`), the module or package holding it
(`utils.load_chat_model(...)`, `from app import llm`), or a class from there whose method it calls
(`self.get_llm()` in a subclass). Reading only those files keeps the pass bounded on a large tree,
where common names (`get`, `run`, `load`) return a client somewhere and are called everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_FROM = re.compile(
    r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.MULTILINE
)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.MULTILINE)
_ALIAS = re.compile(r"([\w.*]+)(?:\s+as\s+(\w+))?")
_SELF = ("self", "cls")
_LAST_WORD = re.compile(r"\w+\Z")
# a call `name(` or `x.name(`, or an injected parameter `llm: Name`; one pattern for any set of
# names (an alternation of hundreds of names is slow to scan)
_USE = re.compile(r"\b(\w+)\(|:\s*(\w+)")


def places(path: str) -> set[str]:
    """Module and package names under which a file's functions can be imported."""
    parts = path.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return set(parts)


class _Imports:
    """The names a file binds by import, each with the dotted parts of its origin."""

    def __init__(self, text: str) -> None:
        self.origin: dict[str, set[str]] = {}
        self.star: list[set[str]] = []
        self.relative_names: set[str] = set()  # `from . import x`: the same package
        for match in _FROM.finditer(text):
            dots, module, names = match.groups()
            parts = set(module.split(".")) - {""}
            for name, alias in _ALIAS.findall(names.replace("\\\n", " ")):
                if name == "*":
                    self.star.append(parts | ({"."} if dots and not module else set()))
                    continue
                self.origin.setdefault(alias or name, set()).update(parts | {name})
                if dots and not module:
                    self.relative_names.add(alias or name)
        for match in _IMPORT.finditer(text):
            for name, alias in _ALIAS.findall(match.group(1)):
                bound = alias or name.split(".")[0]
                self.origin.setdefault(bound, set()).update(name.split("."))

    def reaches(self, bound: str, where: set[str]) -> bool:
        return bool(self.origin.get(bound, set()) & where) or bound in self.relative_names

    def any_star(self, where: set[str]) -> bool:
        return any("." in parts or parts & where for parts in self.star)

    def any_class(self, where: set[str]) -> bool:
        return any(name[:1].isupper() and self.reaches(name, where) for name in self.origin)


class FactoryCallers:
    """Tests a file's text for a call of one of `defined` (factory name -> defining files)."""

    def __init__(self, defined: dict[str, Iterable[str]]) -> None:
        self.where = {
            name: set[str]().union(*(places(p) for p in paths)) for name, paths in defined.items()
        }

    def calls(self, text: str) -> bool:
        imports: _Imports | None = None
        for match in _USE.finditer(text):
            called, annotation = match.groups()
            if (called or annotation) not in self.where:
                continue
            qualifier, dotted = None, False
            if called:
                before = text[max(0, match.start() - 200) : match.start()].rstrip(" \t")
                dotted = before.endswith(".")
                word = _LAST_WORD.search(before[:-1]) if dotted else None
                qualifier = word.group(0) if word else None
            imports = imports or _Imports(text)
            name = called or annotation
            if self._reached(imports, self.where[name], name, qualifier, dotted):
                return True
        return False

    @staticmethod
    def _reached(
        imports: _Imports, where: set[str], name: str, qualifier: str | None, dotted: bool
    ) -> bool:
        if not dotted:
            return imports.reaches(name, where) or imports.any_star(where)
        if qualifier and (qualifier in where or imports.reaches(qualifier, where)):
            return True
        # `self.get_llm()`, `factory().get_llm()`: a method of a class imported from there
        return (qualifier is None or qualifier in _SELF) and imports.any_class(where)
