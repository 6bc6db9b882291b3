"""Hashed word and character n-grams, with IDF from document frequencies kept exactly.

Hashing needs no fitted vocabulary, so adding or removing one vendor only changes the integer
document frequencies: an index updated one vendor at a time is bit-for-bit the index refitted.
No stop-word list in the scores: the text may be Danish, English or both, and IDF with `max_df`
does that job. Explanations, which people read, leave out the commonest function words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer

from matching.types import Settings

TOKEN = re.compile(r"(?u)\b\w\w+\b")
BLOCKS = ("word", "char")

# Function words that say nothing as a reason ("af", "med", "the"): explanations skip a term
# that starts or ends with one. Scores are not affected.
EXPLANATION_STOP_WORDS = frozenset(
    {
        "af",
        "alle",
        "allerede",
        "alt",
        "andre",
        "at",
        "blev",
        "bliver",
        "da",
        "de",
        "dem",
        "den",
        "denne",
        "der",
        "deres",
        "det",
        "dette",
        "dig",
        "din",
        "disse",
        "du",
        "efter",
        "eller",
        "en",
        "end",
        "er",
        "et",
        "for",
        "fra",
        "ham",
        "han",
        "hans",
        "har",
        "havde",
        "have",
        "hende",
        "her",
        "hun",
        "hvad",
        "hvis",
        "hvor",
        "i",
        "ikke",
        "ind",
        "jeg",
        "jer",
        "kan",
        "kun",
        "man",
        "mange",
        "med",
        "meget",
        "men",
        "mere",
        "mig",
        "min",
        "mod",
        "nu",
        "når",
        "og",
        "også",
        "om",
        "op",
        "os",
        "over",
        "på",
        "sig",
        "sin",
        "skal",
        "som",
        "så",
        "til",
        "ud",
        "under",
        "var",
        "vi",
        "vil",
        "ville",
        "være",
        "været",
        "a",
        "an",
        "and",
        "are",
        "as",
        "be",
        "by",
        "from",
        "has",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
    }
)


def explainable(term: str) -> bool:
    """A term worth showing as a shared word: not beginning or ending with a function word."""
    tokens = term.split()
    return (
        bool(tokens)
        and tokens[0] not in EXPLANATION_STOP_WORDS
        and (tokens[-1] not in EXPLANATION_STOP_WORDS)
    )


def make_vectorizers(settings: Settings) -> dict[str, HashingVectorizer]:
    common = {
        "n_features": settings.text_features,
        "alternate_sign": False,
        "norm": None,
        "lowercase": True,
        "dtype": np.float32,
    }
    return {
        "word": HashingVectorizer(analyzer="word", ngram_range=settings.word_ngrams, **common),
        "char": HashingVectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams, **common),
    }


# Sublinear term frequency (1 + log count) by count; counts are stored as uint8 (capped at 255).
SUBLINEAR = np.concatenate([[0.0], 1.0 + np.log(np.arange(1, 256))]).astype(np.float32)


def term_counts(vectorizer: HashingVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """Raw term counts (uint8, capped at 255), one row per text."""
    if not texts:
        return sp.csr_matrix((0, vectorizer.n_features), dtype=np.uint8)
    matrix = vectorizer.transform(list(texts)).tocsr()
    matrix.sum_duplicates()
    counts = np.minimum(matrix.data, 255).astype(np.uint8)
    return sp.csr_matrix((counts, matrix.indices, matrix.indptr), shape=matrix.shape)


# A fit cuts millions of words into character n-grams, most of them repeats. `TermCounter`
# gives exactly the counts of `term_counts` but hashes each distinct word once per fit.
CACHE_WORDS = 100_000  # distinct words whose hashed n-grams a counter keeps (about 20 MB)


def fast_path(vectorizer: HashingVectorizer) -> bool:
    """Whether `TermCounter` can reproduce the vectorizer's counts from distinct words: the
    analyzers "char_wb" and "word" built by scikit-learn itself, no stop words, plain counts."""
    return (
        vectorizer.analyzer in ("char_wb", "word")
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and not vectorizer.binary
        and vectorizer.norm is None
        and not vectorizer.alternate_sign
    )


class TermCounter:
    """`term_counts` of one vectorizer, bit for bit, hashing each distinct word once.

    scikit-learn's "char_wb" analyzer takes the n-grams of each whitespace-separated word of the
    preprocessed text (" " + word + " ") independently of its neighbours, so a text's counts are
    the sum over its words of each word's counts. The words are cut as scikit-learn cuts them
    (its preprocessor, its whitespace rule, `str.split`); each distinct word is hashed once, by a
    copy of the vectorizer that does not preprocess again, and kept; a (texts x words) count
    matrix times the (words x columns) matrix gives the counts. The "word" analyzer's n-grams
    are formed as scikit-learn forms them and hashed in one pass without a Python generator per
    term (most bigrams occur once: there is little to reuse). Any other vectorizer, or a text
    that is not a `str`, goes through `term_counts`.
    """

    def __init__(self, vectorizer: HashingVectorizer, max_words: int = CACHE_WORDS) -> None:
        self.vectorizer = vectorizer
        self.max_words = max_words
        self._fast = fast_path(vectorizer)
        self._preprocess = vectorizer.build_preprocessor()
        self._white_spaces: re.Pattern[str] = vectorizer._white_spaces
        self._tokenize: Callable[[str], list[str]] = vectorizer.build_tokenizer()
        self._words = clone(vectorizer).set_params(lowercase=False, strip_accents=None)
        self._hasher = FeatureHasher(
            n_features=vectorizer.n_features, input_type="pair", alternate_sign=False
        )
        self._ids: dict[str, int] = {}
        self._rows: list[sp.csr_matrix] = []  # the known words' counts, in id order
        self._known: sp.csr_matrix | None = None

    def __call__(self, texts: Sequence[str], sort: bool = True) -> sp.csr_matrix:
        """The counts of `texts`, one row per text; `sort=False` leaves each row's columns in
        any order (a caller that converts to CSC next does not need them sorted)."""
        if not self._fast or not all(isinstance(t, str) for t in texts):
            return term_counts(self.vectorizer, texts)
        width = self.vectorizer.n_features
        if not texts:
            return sp.csr_matrix((0, width), dtype=np.uint8)
        if self.vectorizer.analyzer == "char_wb":
            words = [self._white_spaces.sub(" ", self._preprocess(t)).split() for t in texts]
            counts = self._char_counts(words)
        else:
            counts = self._word_counts([self._tokenize(self._preprocess(t)) for t in texts])
        if sort:
            counts.sort_indices()
        data = np.minimum(counts.data, 255).astype(np.uint8)
        return sp.csr_matrix((data, counts.indices, counts.indptr), shape=(len(texts), width))

    def _char_counts(self, words: list[list[str]]) -> sp.csr_matrix:
        flat = list(chain.from_iterable(words))
        ids = np.fromiter(map(self._ids.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        unknown = np.flatnonzero(ids < 0)
        if len(unknown):
            new = list(dict.fromkeys(flat[i] for i in unknown.tolist()))
            if len(self._ids) + len(new) > self.max_words:
                self._ids, self._rows, self._known = {}, [], None
                new = list(dict.fromkeys(flat))
                unknown = np.arange(len(flat))
            rows = self._words.transform(new).astype(np.int32)  # may raise: ids after it
            first = len(self._ids)
            self._ids.update(zip(new, range(first, first + len(new)), strict=True))
            self._rows.append(rows)
            self._known = None
            ids[unknown] = [self._ids[flat[i]] for i in unknown.tolist()]
        if self._known is None:
            self._known = (
                sp.vstack(self._rows, format="csr", dtype=np.int32)
                if self._rows
                else sp.csr_matrix((0, self.vectorizer.n_features), dtype=np.int32)
            )
        indptr = np.concatenate([[0], np.cumsum([len(w) for w in words])])
        per_word = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.int32), ids, indptr),
            shape=(len(words), self._known.shape[0]),
        )
        per_word.sum_duplicates()
        product: sp.csr_matrix = (per_word @ self._known).tocsr()
        return product

    def _word_counts(self, tokens: list[list[str]]) -> sp.csr_matrix:
        """Word n-grams as scikit-learn forms them (the tokens, then the n-grams of n >= 2
        joined by a space), made by `map` and hashed without a generator per term."""
        low, high = self.vectorizer.ngram_range
        grams = []
        for words in tokens:
            terms = list(words) if low == 1 else []
            for n in range(max(low, 2), high + 1):
                terms.extend(map(" ".join, zip(*(words[k:] for k in range(n)), strict=False)))
            grams.append(terms)
        counts: sp.csr_matrix = self._hasher.transform(
            zip(g, repeat(1), strict=False) for g in grams
        )
        return counts


def idf_from_df(df: np.ndarray, n_docs: int, max_df: float) -> np.ndarray:
    """Smoothed IDF; terms found in more than `max_df` of the documents get weight 0."""
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    if n_docs >= 10:
        idf[df > max_df * n_docs] = 0.0
    return idf.astype(np.float32)


def block_weights(
    counts: sp.csc_matrix, blocks: int, max_df: float
) -> tuple[list[np.ndarray], np.ndarray]:
    """(IDF per block, each row's TF-IDF length per block) of a stacked uint8 count matrix.

    Document frequency is the column's number of stored entries, so it is exact by
    construction. No weighted copy of the matrix is made: `similarity` weighs the few columns
    a query asks for on the fly. Terms dropped by `max_df` have IDF 0.
    """
    n = counts.shape[0]
    width = counts.shape[1] // blocks
    df = np.diff(counts.indptr)
    idfs = []
    norms = np.ones((n, blocks), dtype=np.float32)
    for j in range(blocks):
        lo, hi = int(counts.indptr[j * width]), int(counts.indptr[(j + 1) * width])
        block_df = df[j * width : (j + 1) * width]
        idf = idf_from_df(block_df, n, max_df)
        idfs.append(idf)
        weights = SUBLINEAR[counts.data[lo:hi]] * np.repeat(idf, block_df)
        rows = counts.indices[lo:hi]
        squares = np.bincount(rows, weights=weights.astype(np.float64) ** 2, minlength=n)
        length = np.sqrt(squares)
        length[length == 0] = 1.0
        norms[:, j] = length
    return idfs, norms


def similarity(
    counts: sp.csc_matrix,
    columns: np.ndarray,
    weights: np.ndarray,
    block_of: np.ndarray,
    norms: np.ndarray,
) -> np.ndarray:
    """Cosine of every row with a query, per block: (rows, blocks).

    `columns` (sorted) are the query's columns of the stacked count matrix, `weights` their
    query weight times the column's IDF, `block_of` their block. Only those columns' entries
    are read (a gather over the CSC arrays), weighted by sublinear TF and summed per row.
    """
    n, blocks = norms.shape
    starts = counts.indptr[columns].astype(np.int64)
    lengths = counts.indptr[columns + 1].astype(np.int64) - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros((n, blocks))
    ends = np.cumsum(lengths)
    positions = np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)
    rows = counts.indices[positions].astype(np.int64)
    values = SUBLINEAR[counts.data[positions]] * np.repeat(weights.astype(np.float32), lengths)
    keys = np.repeat(block_of.astype(np.int64) * n, lengths) + rows
    summed = np.bincount(keys, weights=values, minlength=n * blocks).reshape(blocks, n).T
    scores: np.ndarray = summed / norms
    return scores


def query_weights(counts: sp.csr_matrix, idf: np.ndarray, keep: int) -> sp.csr_matrix:
    """A one-row query weighted like a block: sublinear TF x IDF, pruned, unit length."""
    row = sp.csr_matrix(
        (SUBLINEAR[counts.data] * idf[counts.indices], counts.indices, counts.indptr),
        shape=counts.shape,
    )
    row.eliminate_zeros()
    return prune_query(row, keep)


def prune_query(row: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep the `keep` heaviest terms of a one-row query, renormalised."""
    row = row.tocsr()
    if row.nnz > keep:
        order = np.lexsort((row.indices, -row.data))[:keep]
        order.sort()
        row = sp.csr_matrix(
            (row.data[order], row.indices[order], np.array([0, len(order)])), shape=row.shape
        )
    norm = float(np.sqrt((row.data.astype(np.float64) ** 2).sum()))
    if norm > 0:
        row = row.multiply(1.0 / norm).tocsr()
    return row.astype(np.float32)


def word_analyzer(settings: Settings) -> Callable[[str], list[str]]:
    """Unigrams only: explanations list words a person recognises."""
    del settings

    def analyze(text: str) -> list[str]:
        return TOKEN.findall(text.lower())

    return analyze
