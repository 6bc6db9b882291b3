"""Hashed word and character n-grams, with IDF from document frequencies kept exactly.

Hashing needs no fitted vocabulary, so adding or removing one vendor only changes the integer
document frequencies: an index updated one vendor at a time is bit-for-bit the index refitted.
No stop-word list in the scores: the text may be Danish, English or both, and IDF with `max_df`
does that job. Explanations, which people read, leave out the commonest function words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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


# A fit cuts millions of words into n-grams, most of them repeats. `TextCounter` gives exactly
# the counts of `term_counts` but analyses and hashes each distinct word once per fit.
CACHE_WORDS = 100_000  # distinct words a counter keeps at most (about 20 MB)
DEFAULT_TOKENS = r"(?u)\b\w\w+\b"
HASH_BATCH = 16_384  # n-grams named and hashed at a time
TEXT_BATCH = 256  # texts cut into words at a time (their word lists are the transient)
# Fewer texts than this go through the vectorizer: with few repeated words (one vendor's
# upsert) hashing every n-gram is cheaper than learning every word.
PLAIN_BELOW = 32


def fast_path(vectorizer: HashingVectorizer) -> bool:
    """Whether `TextCounter` can reproduce the vectorizer's counts from distinct words: the
    analyzers "char_wb" and "word" (default token pattern) built by scikit-learn itself, no
    stop words, plain counts."""
    return (
        vectorizer.analyzer in ("char_wb", "word")
        and vectorizer.input == "content"
        and vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and (vectorizer.analyzer == "char_wb" or vectorizer.token_pattern == DEFAULT_TOKENS)
        and not vectorizer.binary
        and vectorizer.norm is None
        and not vectorizer.alternate_sign
    )


class TextCounter:
    """`term_counts` of several vectorizers over the same texts, bit for bit, analysing and
    hashing each distinct word once.

    Both analyzers see a text as its whitespace-separated words (scikit-learn's preprocessor,
    its whitespace rule, `str.split`), each on its own:

    - "char_wb" takes the n-grams of " " + word + " " for each word, so a text's counts are the
      sum of its words' counts: a (texts x words) count matrix times the kept (words x
      columns) matrix of the distinct words (hashed by a copy of the vectorizer that does not
      preprocess again);
    - "word" tokens (`\\b\\w\\w+\\b`) never hold or cross whitespace, which is never a word
      character, so a text's tokens are its words' tokens one after the other: each distinct
      word's tokens and each distinct token's column are kept; the n-grams of n >= 2 are the
      tokens joined by a space, numbered with numpy and hashed once per distinct n-gram of a
      call (most bigrams occur once: there is little to keep).

    A counter keeps at most `max_words` words (it starts again when full). Vectorizers that
    differ in preprocessing or fail `fast_path`, calls of fewer than `plain_below` texts and
    texts that are not `str` go through `term_counts`.
    """

    def __init__(
        self,
        vectorizers: Mapping[str, HashingVectorizer],
        max_words: int = CACHE_WORDS,
        plain_below: int = PLAIN_BELOW,
    ) -> None:
        self.vectorizers = dict(vectorizers)
        self.max_words = max_words
        self.plain_below = plain_below
        values = list(self.vectorizers.values())
        self._fast = all(fast_path(v) for v in values) and (
            len({(v.lowercase, v.strip_accents) for v in values}) == 1
        )
        if self._fast:
            self._preprocess = values[0].build_preprocessor()
            self._white_spaces: re.Pattern[str] = values[0]._white_spaces
            self._tokenize: Callable[[str], list[str]] = re.compile(DEFAULT_TOKENS).findall
        self._analyzers = {
            name: clone(v).set_params(lowercase=False, strip_accents=None)
            for name, v in self.vectorizers.items()
            if v.analyzer == "char_wb"
        }
        self._hashers = {
            name: FeatureHasher(n_features=v.n_features, input_type="pair", alternate_sign=False)
            for name, v in self.vectorizers.items()
            if v.analyzer == "word"
        }
        self._start_again()

    def _start_again(self) -> None:
        self._ids: dict[str, int] = {}  # word -> its number
        self._rows: dict[str, list[sp.csr_matrix]] = {n: [] for n in self._analyzers}
        self._known: dict[str, sp.csr_matrix] = {}  # (words x columns) per char analyzer
        self._tokens: dict[str, int] = {}  # token -> its number
        self._token_names: list[str] = []
        self._columns: dict[str, np.ndarray] = {
            n: np.zeros(0, dtype=np.int64) for n in self._hashers
        }  # each token's column per word analyzer
        # each word's tokens: those of word i are _word_tokens[_token_starts[i] : ...[i + 1]]
        self._token_starts = np.zeros(1, dtype=np.int64)
        self._word_tokens = np.zeros(0, dtype=np.int64)

    def __call__(self, texts: Sequence[str], sort: bool = True) -> dict[str, sp.csr_matrix]:
        """The counts of `texts` per vectorizer, one row per text; `sort=False` leaves each
        row's columns in any order (a caller that converts to CSC next needs no sorting)."""
        if (
            not self._fast
            or len(texts) < max(self.plain_below, 1)
            or not all(isinstance(t, str) for t in texts)
        ):
            return {name: term_counts(v, texts) for name, v in self.vectorizers.items()}
        parts = [
            self._count(texts[first : first + TEXT_BATCH], sort)
            for first in range(0, len(texts), TEXT_BATCH)
        ]
        if len(parts) == 1:
            return parts[0]
        return {
            name: sp.vstack([part[name] for part in parts], format="csr", dtype=np.uint8)
            for name in self.vectorizers
        }

    def _count(self, texts: Sequence[str], sort: bool) -> dict[str, sp.csr_matrix]:
        words = [self._white_spaces.sub(" ", self._preprocess(t)).split() for t in texts]
        flat = list(chain.from_iterable(words))
        ids = self._numbers(flat)
        per_text = np.asarray([len(w) for w in words], dtype=np.int64)
        result = {}
        for name, vectorizer in self.vectorizers.items():
            if vectorizer.analyzer == "char_wb":
                counts = self._char_counts(name, ids, per_text)
            else:
                counts = self._word_counts(name, ids, per_text)
            if sort:
                counts.sort_indices()
            data = np.minimum(counts.data, 255).astype(np.uint8)
            result[name] = sp.csr_matrix(
                (data, counts.indices, counts.indptr), shape=(len(texts), vectorizer.n_features)
            )
        return result

    def _numbers(self, flat: list[str]) -> np.ndarray:
        """Each word's number, learning the new words (all of them analysed before any is
        kept, so that a word that cannot be hashed leaves the counter as it was)."""
        ids = np.fromiter(map(self._ids.get, flat, repeat(-1)), dtype=np.int64, count=len(flat))
        unknown = np.flatnonzero(ids < 0)
        if not len(unknown):
            return ids
        new = list(dict.fromkeys(flat[i] for i in unknown.tolist()))
        if len(self._ids) + len(new) > self.max_words:
            self._start_again()
            new, unknown = list(dict.fromkeys(flat)), np.arange(len(flat))
        rows = {name: a.transform(new).astype(np.int32) for name, a in self._analyzers.items()}
        tokens = [self._tokenize(w) if self._hashers else [] for w in new]
        names = list(dict.fromkeys(t for t in chain.from_iterable(tokens) if t not in self._tokens))
        columns = {name: self._hash(name, names) for name in self._hashers}
        # kept from here on
        first = len(self._ids)
        self._ids.update(zip(new, range(first, first + len(new)), strict=True))
        for name, row in rows.items():
            self._rows[name].append(row)
            self._known.pop(name, None)
        first = len(self._tokens)
        self._tokens.update(zip(names, range(first, first + len(names)), strict=True))
        self._token_names.extend(names)
        for name, column in columns.items():
            self._columns[name] = np.concatenate([self._columns[name], column])
        sizes = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        numbers = map(self._tokens.__getitem__, chain.from_iterable(tokens))
        self._token_starts = np.concatenate(
            [self._token_starts, self._token_starts[-1] + np.cumsum(sizes)]
        )
        self._word_tokens = np.concatenate(
            [self._word_tokens, np.fromiter(numbers, dtype=np.int64, count=int(sizes.sum()))]
        )
        ids[unknown] = [self._ids[flat[i]] for i in unknown.tolist()]
        return ids

    def _hash(self, name: str, terms: list[str]) -> np.ndarray:
        """The column of each term, by scikit-learn's hasher (one row per term)."""
        if not terms:
            return np.zeros(0, dtype=np.int64)
        hashed = self._hashers[name].transform(zip(zip(terms, repeat(1), strict=False)))
        return np.asarray(hashed.indices, dtype=np.int64)

    def _char_counts(self, name: str, ids: np.ndarray, per_text: np.ndarray) -> sp.csr_matrix:
        known = self._known.get(name)
        if known is None:
            rows = self._rows[name]
            width = self.vectorizers[name].n_features
            known = self._known[name] = (
                sp.vstack(rows, format="csr", dtype=np.int32)
                if rows
                else sp.csr_matrix((0, width), dtype=np.int32)
            )
        indptr = np.concatenate([[0], np.cumsum(per_text)])
        per_word = sp.csr_matrix(
            (np.ones(len(ids), dtype=np.int32), ids, indptr), shape=(len(per_text), known.shape[0])
        )
        per_word.sum_duplicates()
        product: sp.csr_matrix = (per_word @ known).tocsr()
        return product

    def _word_counts(self, name: str, ids: np.ndarray, per_text: np.ndarray) -> sp.csr_matrix:
        """Word n-grams from the words' kept tokens: the n-gram at token i is numbered among the
        call's distinct n-grams from the (n-1)-gram at i and the token i + n - 1, and named as
        theirs joined by a space (as scikit-learn joins the n tokens)."""
        starts, flat_tokens = self._token_starts, self._word_tokens
        counts_per_word = starts[ids + 1] - starts[ids]
        total = int(counts_per_word.sum())
        offsets = np.cumsum(counts_per_word) - counts_per_word
        tokens = flat_tokens[
            np.repeat(starts[ids] - offsets, counts_per_word) + np.arange(total, dtype=np.int64)
        ]
        word_text = np.repeat(np.arange(len(per_text), dtype=np.int64), per_text)
        per_text_tokens = np.bincount(
            word_text, weights=counts_per_word, minlength=len(per_text)
        ).astype(np.int64)
        text = np.repeat(np.arange(len(per_text), dtype=np.int64), per_text_tokens)
        room = np.repeat(np.cumsum(per_text_tokens), per_text_tokens) - np.arange(total)
        low, high = self.vectorizers[name].ngram_range
        known = max(len(self._token_names), 1)
        gram, names, columns_of = tokens, self._token_names, self._columns[name]
        rows, columns = [], []
        for n in range(1, high + 1):
            at = np.flatnonzero(room >= n)
            if n > 1:
                keys = gram[at] * known + tokens[at + n - 1]
                unique, inverse = np.unique(keys, return_inverse=True)
                # named and hashed a batch at a time (the names are needed whole only to name
                # the next n-grams)
                previous, names, hashed = names, [], []
                for batch in range(0, len(unique), HASH_BATCH):
                    part = [
                        previous[k // known] + " " + self._token_names[k % known]
                        for k in unique[batch : batch + HASH_BATCH].tolist()
                    ]
                    hashed.append(self._hash(name, part))
                    if n < high:
                        names.extend(part)
                columns_of = np.concatenate([np.zeros(0, dtype=np.int64), *hashed])
                gram = np.full(total, -1, dtype=np.int64)
                gram[at] = inverse
            if n >= low:
                rows.append(text[at])
                columns.append(columns_of[gram[at]])
        width = self.vectorizers[name].n_features
        key = np.concatenate(rows) * width + np.concatenate(columns)
        unique_keys, counts = np.unique(key, return_counts=True)
        indptr = np.searchsorted(unique_keys // width, np.arange(len(per_text) + 1))
        return sp.csr_matrix(
            (counts, (unique_keys % width).astype(np.int32), indptr),
            shape=(len(per_text), width),
        )


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
