import pytest

from inspect_app.domain.directory.credit_code import check_character, credit_code_error, is_valid_credit_code, normalise


def test_published_example_is_valid():
    assert is_valid_credit_code("91350100M000100Y43")


def test_check_character_hand_computed():
    # Weighted sum of "91350100M000100Y4" (M=21, Y=30) is 1640; 1640 mod 31 = 28; 31 - 28 = 3.
    assert check_character("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91350100M000100Y4A"])
def test_wrong_check_digit_names_the_expected_one(code):
    message = credit_code_error(code)
    assert message is not None and "校验位" in message and "应为 3" in message


def test_wrong_length():
    assert "18位" in credit_code_error("9135010")


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_alphabet(letter):
    code = "91350100M000100" + letter + "43"
    assert "不允许的字符" in credit_code_error(code)


def test_division_code_must_be_digits():
    body = "9135A100M000100Y4"
    assert "行政区划" in credit_code_error(body + check_character(body))


def test_normalise_strips_blanks_and_upper_cases():
    assert normalise(" 91350100m000100y43 \n") == "91350100M000100Y43"
    assert is_valid_credit_code("91350100 m000100y43")
