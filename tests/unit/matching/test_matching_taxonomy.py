"""CPV hierarchy from the digits, check digits, and explicit parents for other codes."""

from matching.taxonomy import Taxonomy, cpv_prefix, display_code, normalize_code


def test_cpv_prefix_strips_trailing_zeros_and_accepts_check_digit():
    assert cpv_prefix("45233140") == "4523314"
    assert cpv_prefix("45233140-2") == "4523314"
    assert cpv_prefix("72000000-5") == "72"
    assert cpv_prefix("03000000") == "03"
    assert cpv_prefix("tech:django") is None
    assert normalize_code("45233140-2") == normalize_code("45233140")


def test_cpv_chain_lists_every_ancestor_nearest_first():
    chain = Taxonomy().chain("45233140-2")
    assert [display_code(node) for node in chain] == [
        "45233140",
        "45233100",
        "45233000",
        "45230000",
        "45200000",
        "45000000",
    ]


def test_closeness_is_one_for_same_code_and_decays_with_distance():
    taxonomy = Taxonomy()
    same = taxonomy.closeness("72212100-0", "72212100", narrower=0.8, broader=0.5)
    child = taxonomy.closeness("72212000", "72212100", narrower=0.8, broader=0.5)
    grandchild_parent = taxonomy.closeness("72212100", "72210000", narrower=0.8, broader=0.5)
    sibling = taxonomy.closeness("72212100", "72212200", narrower=0.8, broader=0.5)
    other_division = taxonomy.closeness("72212100", "45000000", narrower=0.8, broader=0.5)
    assert same == 1.0
    assert child == 0.8  # the vendor is narrower than the task asks
    assert grandchild_parent == 0.25  # the vendor is two levels broader
    assert sibling == 0.8 * 0.5
    assert other_division == 0.0


def test_non_cpv_codes_use_the_parents_mapping():
    taxonomy = Taxonomy({"tech:django": "tech:python", "tech:flask": "tech:python"})
    assert taxonomy.chain("tech:django") == ("tech:django", "tech:python")
    assert taxonomy.closeness("tech:django", "tech:flask", narrower=0.5, broader=0.5) == 0.25
    assert taxonomy.closeness("tech:django", "tech:rust", narrower=0.5, broader=0.5) == 0.0


def test_parent_cycles_do_not_hang():
    taxonomy = Taxonomy({"a": "b", "b": "a"})
    assert taxonomy.chain("a") == ("a", "b")
