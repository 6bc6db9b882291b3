"""Hashed word and character n-grams, with IDF from document frequencies kept exactly.

Hashing needs no fitted vocabulary, so adding or removing one vendor only changes the integer
document frequencies: an index updated one vendor at a time is bit-for-bit the index refitted.
No stop-word list: the text may be Danish, English or both, and IDF with `max_df` does that job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import HashingVectorizer  # type: ignore[import-untyped]

from matching.types import Settings

TOKEN = re.compile(r"(?u)\b\w\w+\b")
BLOCKS = ("word", "char")


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


def term_counts(vectorizer: HashingVectorizer, texts: Sequence[str]) -> sp.csr_matrix:
    """Sublinear term frequencies (1 + log count), one row per text."""
    if not texts:
        return sp.csr_matrix((0, vectorizer.n_features), dtype=np.float32)
    matrix = vectorizer.transform(list(texts)).tocsr()
    matrix.sum_duplicates()
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    return matrix.astype(np.float32)


def document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int64)


def idf_from_df(df: np.ndarray, n_docs: int, max_df: float) -> np.ndarray:
    """Smoothed IDF; terms found in more than `max_df` of the documents get weight 0."""
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    if n_docs >= 10:
        idf[df > max_df * n_docs] = 0.0
    return idf.astype(np.float32)


def weigh_rows(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """TF-IDF rows scaled to unit length (rows without any weighted term stay zero)."""
    weighted = counts.multiply(idf[np.newaxis, :]).tocsr()
    weighted.eliminate_zeros()
    norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    scale = sp.diags((1.0 / norms).astype(np.float32))
    return (scale @ weighted).tocsr().astype(np.float32)


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
