"""Words found the way identifiers are written: the first step of every input's gate.

A gate decides, before the expensive analysis, whether a module can hold a fact a rule reads
(``scanner.inputs.python.gate``, ``scanner.inputs.typescript.gate``); its first step looks for
words in the text. A word counts where an identifier or a literal would hold it as a part of its
own: ``rds`` in ``aws_rds``, ``RDS_HOST``, ``getRdsClient`` and ``rds-data``, never in "words"
or "records". Pure text, no parser.
"""

from __future__ import annotations

import re


class Words:
    """Words found as identifier parts: after a non-letter, or capitalised after a lower-case
    letter (camelCase); never followed by a lower-case letter, so ``rds`` is found in
    ``aws_rds``, ``RDS_HOST`` and ``getRdsClient`` but not in "words" or "records".

    The text is lower-cased once and searched with a plain alternation (Python's ``re`` is many
    times slower at a case-insensitive one with look-arounds); each candidate's bounds are then
    checked in the original text. ``inside`` words count wherever they are. With ``humps``, an
    underscore of a word may also be left out, as a camelCase spelling of a snake_case name does
    (``add_environment`` is found in ``addEnvironment`` and ``add_Environment``).
    """

    def __init__(
        self, words: tuple[str, ...], inside: tuple[str, ...] = (), humps: bool = False
    ) -> None:
        alternatives = sorted({*words, *inside}, key=lambda w: (-len(w), w))
        self.humps = humps
        self.pattern = re.compile("|".join(self._spelled(w.lower()) for w in alternatives))
        self.inside = frozenset(self._key(w.lower()) for w in inside)

    def _spelled(self, word: str) -> str:
        if not self.humps:
            return re.escape(word)
        return "_?".join(re.escape(part) for part in word.split("_"))

    def _key(self, found: str) -> str:
        return found.replace("_", "") if self.humps else found

    def search(self, text: str) -> bool:
        return bool(self.found(text, first=True))

    def first(self, text: str) -> str | None:
        """The first word found (lower-cased, as the text spells it), None when there is none."""
        return next(iter(self.found(text, first=True)), None)

    def found(self, text: str, first: bool = False) -> set[str]:
        """The words the text holds (lower-cased, as the text spells them); with ``first``, at
        most the first."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a few characters lower-case to two: keep positions
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        words: set[str] = set()
        for match in self.pattern.finditer(lowered):
            word = match.group()
            if word not in words and (
                self._key(word) in self.inside or bounded(text, *match.span())
            ):
                words.add(word)
                if first:
                    break
        return words


def bounded(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a part of an identifier as it is written (see ``Words``)?"""
    after = text[end : end + 1]
    if after.isascii() and after.islower():
        return False
    before = text[start - 1 : start] if start else ""
    if not (before.isascii() and before.isalpha()):
        return True
    first = text[start]
    return (
        before.islower()
        and first.isupper()
        and (end - start == 1 or text[start + 1 : end].islower() or text[start:end].isupper())
    )
