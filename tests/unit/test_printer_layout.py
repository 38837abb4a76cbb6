"""Layout in printer cells: CJK and every other non-ASCII character take 2 cells."""

from hypothesis import given
from hypothesis import strategies as st

from edge.printer.layout import center, display_width, rule, two_columns, wrap


def test_display_width_counts_cjk_as_two_cells():
    assert display_width("A017") == 4
    assert display_width("虾饺") == 4
    assert display_width("桌 12") == 5
    assert display_width("〓") == 2


def test_non_ascii_narrow_characters_print_full_width_in_chinese_mode():
    assert display_width("×2") == 3
    assert display_width("café") == 5


def test_wrap_breaks_cjk_between_characters():
    assert wrap("一二三四五", 4) == ["一二", "三四", "五"]


def test_wrap_never_splits_a_wide_character_across_the_edge():
    assert wrap("a一二", 4) == ["a一", "二"]
    assert wrap("ab一", 3) == ["ab", "一"]


def test_wrap_moves_latin_words_whole_and_breaks_long_ones():
    assert wrap("hello world foo", 11) == ["hello world", "foo"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap("ab abcdefghij", 5) == ["ab ab", "cdefg", "hij"]


def test_wrap_drops_spaces_at_breaks_and_empty_text():
    assert wrap("ab   cd", 3) == ["ab", "cd"]
    assert wrap("", 10) == []
    assert wrap("   ", 10) == []


@given(st.text(alphabet="ab 一二×é虾饺", max_size=60), st.integers(min_value=2, max_value=20))
def test_wrap_lines_fit_and_lose_no_character(text, width):
    lines = wrap(text, width)
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_two_columns_aligns_right_column_to_the_edge():
    assert two_columns("虾饺", "×2", 10) == ["虾饺   ×2"]
    assert display_width(two_columns("虾饺", "×2", 10)[0]) == 10


def test_two_columns_wraps_left_under_the_first_line():
    lines = two_columns("一二三四五六", "A017", 10)
    assert lines == ["一二  A017", "三四", "五六"]


def test_two_columns_with_right_wider_than_the_line_stacks_them():
    assert two_columns("ab", "0123456789", 8) == ["ab", "01234567", "      89"]


def test_rule_fills_the_width_in_cells():
    assert rule(48) == "-" * 48
    assert rule(10, "═") == "═" * 5


def test_center_pads_to_exact_width():
    assert center("点心", 10) == "   点心   "
    assert center(" 备注 ", 12, fill="-") == "--- 备注 ---"
    assert center("ab", 7, fill="=") == "==ab==="
    assert display_width(center("abc", 10, fill="-")) == 10
    assert center("too wide", 4) == "too wide"
