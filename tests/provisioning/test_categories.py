"""The call-category cache gives every number the category ``classify_number`` gives
it, in every written form, whatever numbers came before (issue 10, defect 1)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from provisioning.choices import PlanRateCategoryChoices as Category
from provisioning.rating.categories import CategoryCache, classify_number

# National significant numbers of every part of the plan, by their leading digits.
NATIONAL = [
    ("4", 8),  # mobile
    ("2", 8),  # fixed, Sydney
    ("3", 8),
    ("7", 8),
    ("8", 8),
    ("891", 6),  # Christmas Island / Cocos ranges share +61
    ("85", 7),
    ("1300", 6),
    ("13", 4),
    ("1345", 3),
    ("1800", 6),
    ("180", 4),
    ("1900", 6),
    ("19", 6),
    ("145", 5),
    ("163", 4),
    ("5", 8),  # unallocated
    ("6", 8),
    ("9", 8),
]
WRITTEN = [
    lambda n: ("0" + n) if not n.startswith("1") else n,
    lambda n: "+61" + n,
    lambda n: "61" + n,
    lambda n: "+61 " + n[:1] + " " + n[1:5] + " " + n[5:],
    lambda n: "(0" + n[:1] + ") " + n[1:5] + "-" + n[5:],
]
SPECIAL = st.sampled_from(
    [
        "000",
        "112",
        "106",
        "0011",
        "0011442071234567",
        "+442071234567",
        "+1 212 555 0100",
        "1",
        "12",
        "",
        "abc",
        "1300FLOWERS",
    ]
)


# The digits after each leading part: exactly as long as the plan says, or up to two
# shorter or longer. Built once: a strategy made afresh for every draw (flatmap) is
# validated afresh too, which cost the test most of its time.
DIGITS = {
    spec: st.one_of(
        st.text(alphabet="0123456789", min_size=spec[1], max_size=spec[1]),
        st.text(alphabet="0123456789", min_size=max(spec[1] - 2, 0), max_size=spec[1] + 2),
    )
    for spec in NATIONAL
}


@st.composite
def national_number(draw):
    spec = draw(st.sampled_from(NATIONAL))
    return spec[0] + draw(DIGITS[spec])


def written_number():
    return st.one_of(
        st.tuples(national_number(), st.sampled_from(WRITTEN)).map(lambda t: t[1](t[0])),
        SPECIAL,
        st.text(alphabet="0123456789+", max_size=13),
    )


@settings(max_examples=250, deadline=None)
@given(st.lists(written_number(), min_size=1, max_size=60))
def test_cached_category_is_the_uncached_one_whatever_came_before(numbers):
    cache = CategoryCache()
    for number in numbers:
        assert cache(number) == classify_number(number), number


CHANGE = st.tuples(st.integers(min_value=0, max_value=20), st.sampled_from("0123456789"))
VARIANTS = st.lists(st.lists(CHANGE, min_size=1, max_size=2), min_size=1, max_size=20)


def _vary(base: str, changes: list[tuple[int, str]]) -> str:
    digits = list(base)
    for position, digit in changes:
        position %= len(digits)
        if digits[position].isdigit():
            digits[position] = digit
    return "".join(digits)


@st.composite
def neighbours(draw):
    """A number in one written form and others that differ from it in a digit or two:
    what a cache keyed by a prefix would confuse (random numbers rarely share one)."""
    number = draw(national_number())
    number = draw(st.sampled_from(WRITTEN))(number)
    return [number, *(_vary(number, changes) for changes in draw(VARIANTS))]


@st.composite
def neighbourhoods(draw):
    """One to four groups of neighbours, all shuffled together."""
    numbers = sum(draw(st.lists(neighbours(), min_size=1, max_size=4)), [])
    return draw(st.permutations(numbers))


@settings(max_examples=250, deadline=None)
@given(neighbourhoods())
def test_cached_category_is_the_uncached_one_among_neighbouring_numbers(numbers):
    cache = CategoryCache()
    for number in numbers:
        assert cache(number) == classify_number(number), number


def test_a_valid_fixed_number_after_an_unallocated_one_is_fixed():
    cache = CategoryCache()
    assert cache("+61239001000") == classify_number("+61239001000") == Category.OTHER  # 0239… unallocated
    assert cache("+61238001000") == Category.FIXED  # same length, same first five characters
    assert cache("61239001000") == Category.OTHER
    assert cache("61238001000") == Category.FIXED


def test_an_unallocated_number_after_a_valid_one_is_not_taken_for_it():
    cache = CategoryCache()
    assert cache("0412345678") == Category.MOBILE
    assert cache("+61470001234") == Category.MOBILE
    assert cache("+61479901234") == classify_number("+61479901234") == Category.OTHER  # 04799… unallocated
    assert cache("0479901234") == Category.OTHER


def test_every_written_form_of_a_number_has_one_category():
    for forms, category in [
        (["0290001000", "61290001000", "+61290001000", "+61 2 9000 1000", "(02) 9000-1000"], Category.FIXED),
        (["0412345678", "61412345678", "+61412345678"], Category.MOBILE),
        (["1300123456", "131008"], Category.LOCAL_RATE),
        (["1800123456"], Category.FREECALL),
        (["1900123456"], Category.PREMIUM),
        (["0011442071234567", "+442071234567"], Category.INTERNATIONAL),
        (["000", "112"], Category.EMERGENCY),
    ]:
        cache = CategoryCache()
        for form in forms:
            assert cache(form) == classify_number(form) == category, form
