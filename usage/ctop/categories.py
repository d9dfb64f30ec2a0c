"""Call categories from the number called, by the Australian numbering plan.

``phonenumbers`` knows the plan (mobile, 13/1300, 1800, 19xx premium,
geographic) but costs ~20 µs a call, so its answer is cached by the number's
length and first five characters (``04123…``, ``1300…``, ``0011…``): within
the plan, numbers that share those share a category, and a day's calls need
no more than a few thousand look-ups.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType, shortnumberinfo

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


def classify_number(target: str) -> str:
    """The category of a call to ``target`` (uncached)."""
    number = target.translate(_IGNORED)
    if not number:
        return Category.OTHER
    if number.startswith("0011") or (number.startswith("+") and not number.startswith("+61")):
        return Category.INTERNATIONAL
    if len(number) <= 4:
        return Category.EMERGENCY if shortnumberinfo.is_emergency_number(number, "AU") else Category.OTHER
    try:
        parsed = phonenumbers.parse(number, "AU")
    except phonenumbers.NumberParseException:
        return Category.OTHER
    if parsed.country_code != 61:
        return Category.INTERNATIONAL
    return _BY_TYPE.get(phonenumbers.number_type(parsed), Category.OTHER)


class CategoryCache:
    """``classify_number`` behind a cache keyed by length and prefix."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[int, str], str] = {}

    def __call__(self, target: str) -> str:
        key = (len(target), target[:5])
        category = self._cache.get(key)
        if category is None:
            category = self._cache[key] = classify_number(target)
        return category
