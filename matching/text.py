"""Hashed word and character n-grams, with IDF from document frequencies kept exactly.

Hashing needs no fitted vocabulary, so adding or removing one vendor only changes the integer
document frequencies: an index updated one vendor at a time is bit-for-bit the index refitted.
No stop-word list in the scores: the text may be Danish, English or both, and IDF with `max_df`
does that job. Explanations, which people read, leave out the commonest function words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
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
