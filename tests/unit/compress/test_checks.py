"""Every planted defect is flagged by its own check; a faithful extractive compression passes."""
from __future__ import annotations

from compress.checks import check_completion, contains_term, key_terms, technical_terms

from .sections import COUNT, FAITHFUL, INVENTED, SECTION, section_record


def checks_of(completion, finish_reason="stop", record=None):
    return check_completion(record or section_record(), completion, finish_reason, COUNT)[1]


def test_a_faithful_extractive_compression_passes():
    checks = checks_of(FAITHFUL)
    assert checks["introduced_terms"] == []
    assert checks["ok"] is True
    assert checks["kept_terms"] == 1.0          # every key term of the section is still there


def test_invented_commands_flags_keys_files_names_and_numbers_are_named():
    checks = checks_of(INVENTED)
    assert checks["ok"] is False
    assert set(checks["introduced_terms"]) >= {"kafka-purge", "--now", "log.purge.turbo",
                                               "config/cleaner.yaml", "Kafka-X", "9093"}
    # nothing the section does say is called invented
    assert not set(checks["introduced_terms"]) & {"log.retention.hours", "--alter", "168", "3"}


def test_far_below_target_is_flagged():
    checks = checks_of("Brokers delete old log segments.")
    assert checks["below_target"] and not checks["ok"] and not checks["empty"]


def test_empty_and_whitespace_completions_are_flagged():
    assert checks_of("")["empty"] and checks_of(" \n\t")["empty"]
    assert not checks_of("")["ok"]


def test_a_completion_repeating_the_instructions_is_an_echo():
    record = section_record()
    echo = record["prompt"].split("Text to compress:")[0]
    checks = checks_of(echo, record=record)
    assert checks["echo"] and not checks["ok"]


def test_the_section_returned_uncompressed_is_an_echo():
    checks = checks_of(SECTION)
    assert checks["echo"] and not checks["ok"]


def test_a_completion_cut_off_by_max_tokens_is_over_target():
    assert checks_of(FAITHFUL, finish_reason="length")["over_target"]
    assert checks_of(FAITHFUL, finish_reason="max_tokens")["over_target"]      # Anthropic's word
    assert checks_of(FAITHFUL + " " + FAITHFUL)["over_target"]


def test_no_completion_is_a_failure():
    tokens, checks = check_completion(section_record(), None, None, COUNT)
    assert tokens == 0 and checks["failed"] and not checks["ok"]


def test_numbers_compare_as_numbers_and_number_words():
    record = section_record()
    # "seven days" in the text covers 7; "300,000" is 300000
    checks = checks_of(FAITHFUL + " Segments live 7 days; the cleaner wakes every 300,000 ms.", record=record)
    assert "7" not in checks["introduced_terms"] and "300,000" not in checks["introduced_terms"]
    assert "8" in checks_of(FAITHFUL + " It keeps 8 days.")["introduced_terms"]


def test_terms_match_whole_words_only():
    assert contains_term("a valid key", "valid")
    assert not contains_term("a valid key", "id")
    assert contains_term("run bin/kafka-configs.sh now", "bin/kafka-configs.sh")
    assert not contains_term("--entity-name", "--entity")


def test_kept_terms_is_the_share_of_the_sections_key_terms():
    terms = key_terms(SECTION)
    assert "log.retention.hours" in terms and "168" in terms and "--bootstrap-server" in terms
    assert "4.2" not in terms                  # heading numbers are numbering, not facts
    half = checks_of("Retention: `log.retention.hours` (168 hours) and `log.retention.bytes`.")
    assert 0 < half["kept_terms"] < 0.5
    record = section_record(text="Plain prose with no identifiers at all, only words and more words here.", target=5)
    assert check_completion(record, "Plain prose, words only.", "stop", COUNT)[1]["kept_terms"] is None


def test_code_in_the_completion_counts_every_piece():
    terms = technical_terms("Run:\n```\nkafka-rebalance start --quick\n```\nand `frobnicate` it.")
    assert {"kafka-rebalance", "start", "--quick", "frobnicate"} <= set(terms)


def test_checks_are_deterministic():
    assert checks_of(INVENTED) == checks_of(INVENTED)
