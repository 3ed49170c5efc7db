"""Ignore rules (`.gitignore` lines, `exclude` settings) with git's semantics, matched in time
linear in the path's length for each rule, whatever the rule.

Git's rules (gitignore(5)): blank lines and `#` comments are skipped; `\\` escapes the next
character; trailing spaces are dropped unless escaped; `!` negates; a trailing `/` matches only
directories; a rule with a `/` elsewhere is anchored to its file's directory, otherwise it
matches a base name at any depth; `*`, `?` and `[...]` never match `/`; `**/`, `/**/` and a
trailing `/**` cross directories. The last matching rule wins. A rule ending in an unescaped
`\\` is invalid and never matches, as in git.

Why not regular expressions: a backtracking engine needs exponential time for rules like
`*a*a*a*a*a*b` against a long name. Here a rule is a list of tokens simulated as a set of
states over the path (an NFA), which costs at most rules x path length x tokens; rules that
are plain names or `*.ext` are looked up in dictionaries, so a .gitignore of hundreds of
thousands of such lines costs a few lookups per path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Token kinds. A token is (kind, payload).
_LIT = 0  # payload: the character
_ANY = 1  # `?`: one character but `/`
_SET = 2  # `[...]`: payload (negated, frozenset of chars, ranges, classes)
_STAR = 3  # `*`: any run of characters but `/`
_DSTAR = 4  # `**` standing alone: any run of characters, `/` included
_DIRS = 5  # `**/`: nothing, or any run of characters ending in `/`

_CLASSES: dict[str, Callable[[str], bool]] = {
    "alnum": str.isalnum,
    "alpha": str.isalpha,
    "blank": lambda c: c in " \t",
    "cntrl": lambda c: ord(c) < 32 or ord(c) == 127,
    "digit": str.isdigit,
    "graph": lambda c: c.isprintable() and not c.isspace(),
    "lower": str.islower,
    "print": str.isprintable,
    "punct": lambda c: c.isprintable() and not c.isalnum() and not c.isspace(),
    "space": str.isspace,
    "upper": str.isupper,
    "xdigit": lambda c: c in "0123456789abcdefABCDEF",
}

_Token = tuple[int, object]


@dataclass(frozen=True)
class _CharSet:
    negated: bool
    chars: frozenset[str]
    ranges: tuple[tuple[str, str], ...]
    classes: tuple[str, ...]

    def matches(self, char: str) -> bool:
        if char == "/":
            return False
        hit = (
            char in self.chars
            or any(lo <= char <= hi for lo, hi in self.ranges)
            or any(_CLASSES[name](char) for name in self.classes)
        )
        return hit != self.negated


class InvalidRule(ValueError):
    """A rule git would never match (e.g. one ending in an unescaped backslash)."""


@dataclass(frozen=True)
class Rule:
    """One parsed rule; `index` orders rules so the last match wins."""

    index: int
    negated: bool
    dir_only: bool
    anchored: bool
    tokens: tuple[_Token, ...]
    literal: str | None = None  # the rule is this exact text
    suffix: str | None = None  # the rule is `*` + this text (no `/`)

    def matches(self, path: str, name: str) -> bool:
        return _simulate(self.tokens, path if self.anchored else name)


def parse_rule(line: str, index: int) -> Rule | None:
    """A rule, or None for a blank line, a comment or an invalid rule."""
    line = line.rstrip("\r\n")
    if not line or line.startswith("#"):
        return None
    line = _strip_trailing_spaces(line)
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    if dir_only:
        line = line.rstrip("/")
    anchored = "/" in line
    line = line.lstrip("/") if anchored else line
    if not line:
        return None
    # Plain names and `*.ext` are most rules of real files: no tokens needed to match them.
    if not any(char in line for char in "*?[\\"):
        return Rule(index, negated, dir_only, anchored, (), literal=line)
    if (
        len(line) > 1
        and line[0] == "*"
        and not anchored
        and not any(char in line[1:] for char in "*?[\\")
    ):
        return Rule(index, negated, dir_only, anchored, (), suffix=line[1:])
    try:
        tokens = tuple(_tokenize(line))
    except InvalidRule:
        return None
    return Rule(index, negated, dir_only, anchored, tokens, _literal(tokens), _star_suffix(tokens))


def _strip_trailing_spaces(line: str) -> str:
    end = len(line)
    while end > 0 and line[end - 1] == " ":
        backslashes = 0
        probe = end - 2
        while probe >= 0 and line[probe] == "\\":
            backslashes += 1
            probe -= 1
        if backslashes % 2:  # "\ " keeps the space
            break
        end -= 1
    return line[:end]


def _tokenize(glob: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(glob)
    while i < n:
        char = glob[i]
        if char == "\\":
            if i + 1 >= n:
                raise InvalidRule("trailing backslash")
            tokens.append((_LIT, glob[i + 1]))
            i += 2
        elif char == "*":
            j = i
            while j < n and glob[j] == "*":
                j += 1
            at_start = i == 0 or glob[i - 1] == "/"
            if j - i >= 2 and at_start and (j == n or glob[j] == "/"):
                if j == n:
                    tokens.append((_DSTAR, None))
                    i = j
                else:
                    tokens.append((_DIRS, None))
                    i = j + 1
            else:
                tokens.append((_STAR, None))
                i = j
        elif char == "?":
            tokens.append((_ANY, None))
            i += 1
        elif char == "[":
            parsed = _parse_set(glob, i)
            if parsed is None:
                tokens.append((_LIT, "["))
                i += 1
            else:
                charset, i = parsed
                tokens.append((_SET, charset))
        else:
            tokens.append((_LIT, char))
            i += 1
    return _merge_stars(tokens)


def _merge_stars(tokens: list[_Token]) -> list[_Token]:
    # Adjacent stars add states but no meaning: `*` then `*` is `*`.
    out: list[_Token] = []
    for token in tokens:
        if out and token[0] == _STAR and out[-1][0] == _STAR:
            continue
        out.append(token)
    return out


def _parse_set(glob: str, start: int) -> tuple[_CharSet, int] | None:
    """`[...]` starting at `start`: the set and the index after it, or None if unterminated."""
    i = start + 1
    n = len(glob)
    negated = i < n and glob[i] in "!^"
    if negated:
        i += 1
    chars: set[str] = set()
    ranges: list[tuple[str, str]] = []
    classes: list[str] = []
    first = True
    while i < n:
        char = glob[i]
        if char == "]" and not first:
            return _CharSet(negated, frozenset(chars), tuple(ranges), tuple(classes)), i + 1
        first = False
        if char == "[" and glob.startswith("[:", i):
            end = glob.find(":]", i + 2)
            if end != -1 and glob[i + 2 : end] in _CLASSES:
                classes.append(glob[i + 2 : end])
                i = end + 2
                continue
        if char == "\\" and i + 1 < n:
            i += 1
            char = glob[i]
        if i + 2 < n and glob[i + 1] == "-" and glob[i + 2] != "]":
            high = glob[i + 2]
            if high == "\\" and i + 3 < n:
                high = glob[i + 3]
                i += 1
            ranges.append((char, high))
            i += 3
            continue
        chars.add(char)
        i += 1
    return None


def _closure(tokens: tuple[_Token, ...], states: set[int]) -> set[int]:
    """States reachable without consuming a character (stars and `**/` may match nothing)."""
    todo = list(states)
    while todo:
        state = todo.pop()
        skippable = state < len(tokens) and tokens[state][0] in (_STAR, _DSTAR, _DIRS)
        if skippable and state + 1 not in states:
            states.add(state + 1)
            todo.append(state + 1)
    return states


def _simulate(tokens: tuple[_Token, ...], text: str) -> bool:
    final = len(tokens)
    states = _closure(tokens, {0})
    for char in text:
        following: set[int] = set()
        for state in states:
            if state == final:
                continue
            kind, payload = tokens[state]
            if kind == _LIT:
                if payload == char:
                    following.add(state + 1)
            elif kind == _ANY:
                if char != "/":
                    following.add(state + 1)
            elif kind == _SET:
                assert isinstance(payload, _CharSet)
                if payload.matches(char):
                    following.add(state + 1)
            elif kind == _STAR:
                if char != "/":
                    following.add(state)
            elif kind == _DSTAR:
                following.add(state)
            else:  # _DIRS: stay inside, and leave right after a `/`
                following.add(state)
                if char == "/":
                    following.add(state + 1)
        if not following:
            return False
        states = _closure(tokens, following)
    return final in states


def _literal(tokens: tuple[_Token, ...]) -> str | None:
    if all(kind == _LIT for kind, _ in tokens):
        return "".join(str(payload) for _, payload in tokens)
    return None


def _star_suffix(tokens: tuple[_Token, ...]) -> str | None:
    """`*.ext`-shaped rules: a star then literal characters without `/`."""
    if len(tokens) >= 2 and tokens[0][0] == _STAR:
        rest = _literal(tokens[1:])
        if rest is not None and "/" not in rest:
            return rest
    return None


class IgnoreRules:
    """The rules of one file (or setting), in order."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._by_name: dict[str, list[Rule]] = {}
        self._by_path: dict[str, list[Rule]] = {}
        self._by_suffix: dict[str, list[Rule]] = {}
        self._general: list[Rule] = []
        self.count = 0
        for rule in rules:
            self.count += 1
            literal = rule.literal
            suffix = None if rule.anchored else rule.suffix
            if literal is not None:
                table = self._by_path if rule.anchored else self._by_name
                table.setdefault(literal, []).append(rule)
            elif suffix is not None:
                self._by_suffix.setdefault(suffix, []).append(rule)
            else:
                self._general.append(rule)

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> IgnoreRules:
        parsed = (parse_rule(line, index) for index, line in enumerate(lines))
        return cls(rule for rule in parsed if rule is not None)

    def __bool__(self) -> bool:
        return self.count > 0

    def covers(self, path: str) -> bool:
        """Whether a file at `path` is ignored, as git decides it: an ignored directory hides
        everything below it, whatever later rules say."""
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self.match("/".join(parts[:depth]), True):
                return True
        return bool(self.match(path, False))

    def match(self, path: str, is_dir: bool) -> bool | None:
        """True when the last matching rule ignores `path`, False when it re-includes it (`!`),
        None when no rule matches. `path` is relative to the rules' directory, `/`-separated."""
        name = path.rsplit("/", 1)[-1]
        best: Rule | None = None

        def consider(candidates: list[Rule] | None) -> None:
            nonlocal best
            for rule in candidates or ():
                if (is_dir or not rule.dir_only) and (best is None or rule.index > best.index):
                    best = rule

        consider(self._by_name.get(name))
        consider(self._by_path.get(path))
        if self._by_suffix:
            for cut in range(len(name)):
                # `*` matches any run (empty too) of a name, which never holds `/`.
                consider(self._by_suffix.get(name[cut:]))
        for rule in reversed(self._general):
            if best is not None and rule.index < best.index:
                break
            if (is_dir or not rule.dir_only) and rule.matches(path, name):
                best = rule
                break
        if best is None:
            return None
        return not best.negated
