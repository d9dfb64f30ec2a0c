"""Call categories from the number called, by the Australian numbering plan.

Every written form of a number (``0290001000``, ``61290001000``,
``+61290001000``, ``(02) 9000-1000``) is first brought to one national
significant number (``290001000``); ``phonenumbers`` then knows its place in
the plan (mobile, 13/1300, 1800, 19xx premium, geographic). Its answer costs
~20 µs a call, so :class:`CategoryCache` keeps it, keyed by the number's
length and the *shortest prefix that decides the category*.

Why that key is sufficient (and not a guess like "the first five
characters"): ``phonenumbers`` types a national number ``n`` of +61 by
whole-string matches of ``n`` against the patterns of the regions sharing
+61 (AU, CC, CX: their general, premium, toll-free, shared-cost, VoIP,
personal, pager, UAN, voicemail, fixed and mobile patterns) and by
``len(n)``; nothing else. Those patterns are digit classes, literals,
alternations and *bounded* repeats, so each expands (below) into a finite set
of sequences of digit sets. For a prefix ``p`` of ``n`` and the length
``len(n)``, a pattern's answer is the same for every number of that length
starting with ``p`` when either no sequence of that length accepts ``p``
(none matches), or one accepting ``p`` accepts any digit after it (all
match). Once every pattern is decided so, the category is a function of
(length, prefix): the cache stores it under that key; while some pattern is
not decided, the prefix is one digit too short and the cache says so
(``_DEEPER``) for that key. ``tests/provisioning/test_categories.py`` checks the
argument empirically: numbers of every category and written form, in random
order, get the cached category equal to :func:`classify_number`'s.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from functools import lru_cache
from itertools import product

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType, shortnumberinfo

from provisioning.choices import PlanRateCategoryChoices as Category

_BY_TYPE = {
    PhoneNumberType.FIXED_LINE: Category.FIXED,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: Category.FIXED,
    PhoneNumberType.MOBILE: Category.MOBILE,
    PhoneNumberType.TOLL_FREE: Category.FREECALL,
    PhoneNumberType.SHARED_COST: Category.LOCAL_RATE,
    PhoneNumberType.PREMIUM_RATE: Category.PREMIUM,
}
_IGNORED = str.maketrans("", "", " -()")
_ASCII_DIGITS = frozenset("0123456789")
_INTERNATIONAL_PREFIX = re.compile(PhoneMetadata.metadata_for_region("AU").international_prefix)
_DESCS = (
    "general_desc",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)

# What a written number is, before any national number is classified.
_INTERNATIONAL, _SHORT, _ODD = "international", "short", "odd"


def _canonical(target: str) -> tuple[str, str]:
    """(kind, text): ``("national", nsn)`` for a number of the Australian plan
    written in any form, else the kind that decides it alone."""
    number = target.translate(_IGNORED)
    if number.startswith("+"):
        if not number.startswith("+61"):
            return _INTERNATIONAL, number
        number = "0" + number[3:]
    elif len(number) == 11 and number.startswith("61"):
        number = "0" + number[2:]  # 61290001000, as normalise_number reads it
    if not number or not number.isascii() or not number.isdigit():
        return _ODD, number
    if _INTERNATIONAL_PREFIX.match(number):
        return _INTERNATIONAL, number
    if len(number) <= 4:
        return _SHORT, number
    if number[0] == "0":
        number = number[1:]  # the national prefix
        if number[:1] == "0":
            return _ODD, number  # 00… that is no international prefix
    return "national", number


def _classify_national(nsn: str) -> str:
    numobj = phonenumbers.PhoneNumber(country_code=61, national_number=int(nsn))
    return _BY_TYPE.get(phonenumbers.number_type(numobj), Category.OTHER)


def classify_number(target: str) -> str:
    """The category of a call to ``target`` (uncached)."""
    kind, number = _canonical(target)
    if kind == "national":
        return _classify_national(number)
    if kind == _INTERNATIONAL:
        return Category.INTERNATIONAL
    if kind == _SHORT:
        return Category.EMERGENCY if shortnumberinfo.is_emergency_number(number, "AU") else Category.OTHER
    if not number:
        return Category.OTHER
    try:  # letters (1300 FLOWERS) and other odd forms: as phonenumbers reads them
        parsed = phonenumbers.parse(number, "AU")
    except phonenumbers.NumberParseException:
        return Category.OTHER
    if parsed.country_code != 61:
        return Category.INTERNATIONAL
    return _BY_TYPE.get(phonenumbers.number_type(parsed), Category.OTHER)


# -- the patterns as finite sets of digit-set sequences -------------------------

_ANY = _ASCII_DIGITS


def _expand(parsed) -> list[tuple[frozenset, ...]]:
    """Every sequence of digit sets the parsed pattern accepts (bounded patterns only)."""
    sequences: list[tuple[frozenset, ...]] = [()]
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            parts = [(frozenset(chr(arg)),)]
        elif op is sre_constants.IN:
            parts = [(_digit_set(arg),)]
        elif op is sre_constants.SUBPATTERN:
            parts = _expand(arg[3])
        elif op is sre_constants.BRANCH:
            parts = [seq for branch in arg[1] for seq in _expand(branch)]
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, body = arg
            if high is sre_constants.MAXREPEAT:
                raise ValueError("unbounded repeat: the category cache cannot reason about it")
            inner = _expand(body)
            parts = []
            for times in range(low, high + 1):
                parts += [sum(combo, ()) for combo in product(inner, repeat=times)]
        else:
            raise ValueError(f"pattern element {op} not understood by the category cache")
        sequences = [seq + part for seq in sequences for part in parts]
    return sequences


def _digit_set(items) -> frozenset:
    digits: set[str] = set()
    for op, arg in items:
        if op is sre_constants.LITERAL:
            digits.add(chr(arg))
        elif op is sre_constants.RANGE:
            digits.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op is sre_constants.CATEGORY and arg is sre_constants.CATEGORY_DIGIT:
            digits.update(_ASCII_DIGITS)
        else:
            raise ValueError(f"character class element {op} not understood by the category cache")
    return frozenset(digits & _ASCII_DIGITS)


def _patterns() -> list[dict[int, list[tuple[frozenset, ...]]]]:
    """For every pattern deciding a +61 number's type: its sequences by length."""
    found = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[61]:
        metadata = PhoneMetadata.metadata_for_region(region)
        for name in _DESCS:
            desc = getattr(metadata, name)
            if desc is None or desc.national_number_pattern is None:
                continue
            by_length: dict[int, list] = {}
            for seq in _expand(sre_parse.parse(desc.national_number_pattern)):
                by_length.setdefault(len(seq), []).append(seq)
            found.append(by_length)
    return found


_PATTERNS = _patterns()


@lru_cache(maxsize=65_536)
def _decided(length: int, prefix: str) -> bool:
    """Whether every pattern answers alike for all numbers of ``length`` starting with ``prefix``."""
    k = len(prefix)
    for by_length in _PATTERNS:
        accepting = [s for s in by_length.get(length, ()) if all(prefix[i] in s[i] for i in range(k))]
        if accepting and not any(all(d == _ANY for d in s[k:]) for s in accepting):
            return False
    return True


_NON_ZERO = frozenset("123456789")
_DEEPER = ""  # the key's prefix does not decide: look one digit further


class CategoryCache:
    """``classify_number`` behind a cache keyed by what provably decides the category."""

    __slots__ = ("_by_length", "_others", "_size")

    LIMIT = 200_000

    def __init__(self) -> None:
        self._by_length: dict[int, dict[str, str]] = {}  # length -> prefix -> category or _DEEPER
        self._others: dict[str, str] = {}
        self._size = 0

    def __call__(self, target: str) -> str:
        # Fast paths for the common forms, each giving what _canonical would.
        if len(target) > 4 and target.isdigit() and target.isascii():
            first = target[0]
            if first == "0":
                if target[1] != "0":
                    number = target[1:]  # 0 + national number
                elif _INTERNATIONAL_PREFIX.match(target):
                    return Category.INTERNATIONAL  # 0011…
                else:
                    return self._other(target)
            elif first == "1" and target[1] == "4" or first == "6" and len(target) == 11:
                return self._canonical_call(target)  # 14… (a prefix for international), 61…
            else:
                number = target  # 13…, 1300…, 1800…, 19…: national as written
        else:
            return self._canonical_call(target)
        return self._national(number)

    def _national(self, number: str) -> str:
        length = len(number)
        cache = self._by_length.get(length)
        if cache is None:
            cache = self._by_length[length] = {}
        # Start three digits in: a prefix that decides keeps deciding when longer, so
        # any start is sound, and most of the plan is decided there in one look-up.
        k = 3 if length > 3 else length
        while True:
            prefix = number[:k]
            found = cache.get(prefix)
            if found is None:
                break
            if found != _DEEPER:
                return found
            k += 1
        if self._size >= self.LIMIT:
            self._by_length.clear()
            self._size = 0
            cache = self._by_length[length] = {}
        while k < length and not _decided(length, prefix):
            cache[prefix] = _DEEPER
            self._size += 1
            k += 1
            prefix = number[:k]
        found = cache[prefix] = _classify_national(number)
        self._size += 1
        return found

    def _canonical_call(self, target: str) -> str:
        kind, number = _canonical(target)
        if kind == "national":
            return self._national(number)
        if kind == _INTERNATIONAL:
            return Category.INTERNATIONAL
        return self._other(target)

    def _other(self, target: str) -> str:
        found = self._others.get(target)
        if found is None:
            if len(self._others) >= self.LIMIT:
                self._others.clear()
            found = self._others[target] = classify_number(target)
        return found
