"""Okapi BM25 over short documents of terms, written out because it is a dozen lines: how well
each document answers a query, rare terms counting most."""

import math
from collections import Counter
from collections.abc import Sequence

K1 = 1.2  # how quickly repeating a term stops adding to the score
B = 0.75  # how much a long document is discounted


class Bm25:
    def __init__(self, documents: Sequence[Sequence[str]]) -> None:
        self.counts = [Counter(document) for document in documents]
        self.lengths = [len(document) for document in documents]
        self.average_length = sum(self.lengths) / len(documents) if documents else 0.0
        frequency = Counter(term for counts in self.counts for term in counts)
        total = len(documents)
        self.idf = {term: math.log(1 + (total - seen + 0.5) / (seen + 0.5)) for term, seen in frequency.items()}
        self.rarest = math.log(1 + (total + 0.5) / 0.5)  # the weight of a term no document has

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.rarest)

    def score(self, index: int, query: dict[str, float]) -> float:
        """The document's score for query terms, each counted with its own weight (1 when typed
        as is, less when it is the closest known word to a typo)."""
        counts, length = self.counts[index], self.lengths[index]
        norm = K1 * (1 - B + B * length / self.average_length) if self.average_length else K1
        total = 0.0
        for term, certainty in query.items():
            seen = counts.get(term, 0)
            if seen:
                total += certainty * self.idf[term] * seen * (K1 + 1) / (seen + norm)
        return total

    def has(self, index: int, term: str) -> bool:
        return term in self.counts[index]
