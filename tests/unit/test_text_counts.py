"""The index's fast text counting gives scikit-learn's HashingVectorizer counts exactly.

`TextCounter` analyses and hashes each distinct word once instead of every n-gram of every
text; the saved index, every score and every explanation depend on its counts being the same,
column for column and count for count, as `term_counts` (the plain vectorizer) gives.
"""

import re
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from matching.bench import synthetic_vendors
from matching.ranker import CHUNK, TEXT_BLOCKS, Index
from matching.text import TextCounter, fast_path, make_vectorizers, term_counts
from matching.types import Settings

MULTILINGUAL = [
    # Danish, English, German, Romanian, Italian, Hungarian, Greek, Turkish: the market's
    # profiles and the EU award notices the evaluation reads.
    "Vi udvikler og drifter it-systemer til kommuner; også brugerundersøgelser og GDPR-rådgivning.",
    "Entsorgung gefährlicher Abfälle: Sammlung, Beförderung und Behandlung – Los 4 Steiermark.",
    "Servicii de întreținere și reparații pentru echipamente medicale în județul Timiș.",
    "Fornitura di energia elettrica per gli edifici comunali; perché è più economica?",
    "Szoftverfejlesztés és üzemeltetés: győri önkormányzat, ŐSZI TÁJÉKOZTATÓ, Ő ű ÜŰ.",
    "ΟΔΟΣ ΑΘΗΝΩΝ: ΣΥΝΤΗΡΗΣΗ ΟΔΙΚΟΥ ΔΙΚΤΥΟΥ Σ ΣΣ",
    "İSTANBUL İzmir IĞDIR ıi İi: ihale",
    "2023 m² 10⁶ H₂O ½ Ⅻ ① ¹²³",
]

HOSTILE = [
    "",
    " ",
    "\t\n\r\x0b\x0c",
    "a",
    "ab",
    "abc abcd abcde abcdef",
    "x\x00y \x00 \x00\x00\x00\x00 nul\x00",
    "line\u2028separator\u2029para\x85next\x1c\x1d\x1e\x1f unit",
    "no\u00a0break\u3000ideographic\u2003em\u200bzero-width\ufeffbom",
    "combining e\u0301e\u0301 a\u0308 \u0301\u0301\u0301 n\u0303",
    "ﬁnance ﬂow Straße STRASSE ß ẞ ǅ ǆ Ǆ",
    "emoji 🇩🇰🇩🇰 👩‍💻 🙂🙂🙂🙂",
    "עברית العربية हिन्दी 中文字符 한국어",
    "repeat " * 300 + "once",
    "aaaa" * 100 + " " + "ab " * 400,
    "tab\tseparated\t\twords  and   spaces\n\n\nnewlines",
    "punctuation!!! ...,,, (parens) [brackets] {braces} -- under_score 'quotes' \"double\"",
    "x" * 2000,
]

HOSTILE_ALPHABET = [
    *"aæøåeiİıI Σσς\t\n\x00\x1f\u00a0\u2028\u200b\u0301²½ß-_.'1",
    "ﬁ",
    "🙂",
    "\u3000",
]


def assert_same(fast: sp.csr_matrix, plain: sp.csr_matrix) -> None:
    """Same shape, rows, columns and uint8 counts, stored the same way (sorted, no repeats)."""
    assert fast.shape == plain.shape
    assert fast.dtype == plain.dtype == np.uint8
    assert fast.has_canonical_format
    assert np.array_equal(fast.indptr, plain.indptr)
    assert np.array_equal(fast.indices, plain.indices)
    assert np.array_equal(fast.data, plain.data)


def counter_of(vec: HashingVectorizer, max_words: int = 100_000):
    """A counter of one vectorizer, called like `term_counts` without the vectorizer."""
    counter = TextCounter({"only": vec}, max_words=max_words, plain_below=0)
    return lambda texts: counter(texts)["only"]


def random_texts(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(HOSTILE_ALPHABET, int(rng.integers(0, 60)))) for _ in range(count)]


def vectorizer(analyzer: str, ngrams: tuple[int, int], features: int = 2**18) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        n_features=features,
        alternate_sign=False,
        norm=None,
        lowercase=True,
        dtype=np.float32,
    )


def test_index_vectorizers_take_the_fast_path_with_the_plain_counts():
    vectorizers = make_vectorizers(Settings())
    assert all(fast_path(vec) for vec in vectorizers.values())
    counter = TextCounter(vectorizers, plain_below=0)
    # one pass over the words serves both analyzers; later calls reuse the kept words
    for texts in (MULTILINGUAL + HOSTILE, random_texts(300, 2), HOSTILE, MULTILINGUAL):
        counts = counter(texts)
        assert set(counts) == set(vectorizers)
        for name, vec in vectorizers.items():
            assert_same(counts[name], term_counts(vec, texts))
        unsorted = counter(texts, sort=False)
        for name, vec in vectorizers.items():
            assert_same(unsorted[name].tocsc().tocsr(), term_counts(vec, texts))
    # a call of a few texts (one vendor's upsert) is counted by the vectorizer itself
    few = TextCounter(vectorizers)(MULTILINGUAL[:1])
    for name, vec in vectorizers.items():
        assert_same(few[name], term_counts(vec, MULTILINGUAL[:1]))


@pytest.mark.parametrize(
    ("analyzer", "ngrams"),
    [
        ("char_wb", (4, 4)),
        ("char_wb", (3, 5)),
        ("char_wb", (1, 1)),
        ("char_wb", (1, 3)),
        ("word", (1, 2)),
        ("word", (1, 1)),
        ("word", (2, 3)),
        ("word", (1, 4)),
    ],
)
def test_counts_equal_sklearn_on_hostile_and_multilingual_texts(analyzer, ngrams):
    vec = vectorizer(analyzer, ngrams)
    counter = counter_of(vec)
    # several calls share the counter's cache of words, as the chunks of a fit do
    for texts in (MULTILINGUAL, HOSTILE, random_texts(300, 1), MULTILINGUAL + HOSTILE):
        assert_same(counter(texts), term_counts(vec, texts))
    assert_same(counter([]), term_counts(vec, []))


def test_a_full_cache_starts_again_with_the_same_counts():
    vec = vectorizer("char_wb", (3, 5), features=64)  # few columns: many collisions
    words = vectorizer("word", (1, 3), features=64)
    counter = TextCounter({"char": vec, "word": words}, max_words=7, plain_below=0)
    seen: set[str] = set()
    for seed in range(5):
        texts = random_texts(40, seed) + MULTILINGUAL
        seen.update(word for text in texts for word in text.lower().split())
        counts = counter(texts)
        assert_same(counts["char"], term_counts(vec, texts))
        assert_same(counts["word"], term_counts(words, texts))
    assert len(counter._ids) < len(seen)  # it did start again


def test_counts_are_capped_at_255_like_the_plain_counts():
    texts = ["word " * 1000, "ab " * 300 + "ab"]
    for vec in make_vectorizers(Settings()).values():
        fast = counter_of(vec)(texts)
        assert fast.data.max() == 255
        assert_same(fast, term_counts(vec, texts))


def test_whitespace_rule_and_split_agree_on_every_character():
    """The fast path cuts words with `str.split` after scikit-learn's `\\s\\s+` rule; a word then
    analysed alone gives the n-grams it gives inside its text only if no character is
    whitespace to one and not to the other, and its tokens are the ones it gives inside its
    text only if no whitespace is a word character."""
    spaces, word = re.compile(r"\s"), re.compile(r"(?u)\w")
    disagree, wordy = [], []
    for c in range(sys.maxunicode + 1):
        space = chr(c).isspace()
        if bool(spaces.fullmatch(chr(c))) != space:
            disagree.append(hex(c))
        if space and word.fullmatch(chr(c)):
            wordy.append(hex(c))
    assert disagree == [] and wordy == []


def test_lone_surrogates_behave_as_in_sklearn():
    """A lone surrogate cannot be hashed (no UTF-8): the word analyzer drops it (it is not a
    word character), the char analyzer fails; the fast path does the same and a failed call
    leaves its counter sound."""
    bad = ["bad \ud800 text", "\udfff", "a\ud83d\ude00b x\ud800\udc00y"]
    vectorizers = make_vectorizers(Settings())
    word = counter_of(vectorizers["word"])
    assert_same(word(bad), term_counts(vectorizers["word"], bad))
    counter = TextCounter(vectorizers, plain_below=0)
    for text in bad:
        with pytest.raises(UnicodeEncodeError):
            term_counts(vectorizers["char"], ["fine words", text])
        with pytest.raises(UnicodeEncodeError):
            counter(["fine words", text])
        counts = counter(MULTILINGUAL)
        for name, vec in vectorizers.items():
            assert_same(counts[name], term_counts(vec, MULTILINGUAL))


def test_other_vectorizers_and_non_text_fall_back_to_sklearn():
    texts = [*MULTILINGUAL, "the and of data"]
    others = [
        vectorizer("char", (2, 4)),
        HashingVectorizer(analyzer="word", stop_words="english", alternate_sign=False, norm=None),
        HashingVectorizer(analyzer="char_wb", ngram_range=(3, 4), norm="l2"),
        HashingVectorizer(analyzer="char_wb", ngram_range=(3, 4), norm=None, binary=True),
        HashingVectorizer(analyzer="word", token_pattern=r"\S+", alternate_sign=False, norm=None),
    ]
    for vec in others:
        assert not fast_path(vec)
        assert_same(counter_of(vec)(texts), term_counts(vec, texts))
    # analyzers that preprocess differently are not counted from the same words
    cased = vectorizer("word", (1, 2)).set_params(lowercase=False)
    both = {"char": vectorizer("char_wb", (3, 4)), "cased": cased}
    counts = TextCounter(both, plain_below=0)(texts)
    for name, vec in both.items():
        assert_same(counts[name], term_counts(vec, texts))
    vec = make_vectorizers(Settings())["char"]
    as_bytes = [t.encode() for t in texts]
    assert_same(counter_of(vec)(as_bytes), term_counts(vec, as_bytes))


def test_a_fitted_index_holds_the_plain_vectorizer_counts():
    """The counts the index keeps (and saves) are the plain per-chunk counts of each block."""
    vendors = synthetic_vendors(CHUNK + 300, seed=3)
    index = Index.fit(vendors)
    vectorizers = make_vectorizers(index.settings)
    ordered = sorted(vendors, key=lambda v: v.id)
    blocks = []
    for field, analyzer in TEXT_BLOCKS.values():
        texts = [
            v.profile_text if field == "profile" else "\n".join(v.past_task_texts) for v in ordered
        ]
        blocks.append(term_counts(vectorizers[analyzer], texts))
    expected = sp.hstack(blocks, format="csc", dtype=np.uint8)
    kept = index._rows.text.to_csc()
    kept.sort_indices()
    assert_same(kept.tocsr(), expected.tocsr())
