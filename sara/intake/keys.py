"""Stable row keys, so loading the same source row twice updates it instead of adding it.

A key is the XXH3-128 hash (a published, seedless algorithm, so keys are the same on
every machine and version) of the row's identifying fields joined by U+001F, plus its
ordinal among rows of the same file whose identifying fields are all equal. police.uk
publishes identical ASB rows (same month, snapped point, LSOA and type) as separate
incidents, and repeats a ``Crime ID`` on rows with different locations: neither may be
merged, and the ordinal keeps them apart while a re-load of the same file still finds
each one. Fields the source revises (``Last outcome category``, ``Context``) are left out
of the identity, so a revised row updates in place.

The 128 bits are kept as two signed 64-bit integers, ``key_hi`` and ``key_lo``.

A large file is keyed block by block; ``Seen`` carries, from one block to the next, how
many rows of each identity the file has shown so far, so every ordinal (and so every key)
is the one the whole file read at once would give.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import polars_hash as plh

SEP = "\x1f"
KEY = ["key_hi", "key_lo"]
_2_64 = 2**64


class Seen:
    """How many rows of each identity the earlier blocks of one file held, by the 64-bit
    XXH3 of the identity text (``counts``: ``_h``, ``_n``; None before the first block)."""

    def __init__(self) -> None:
        self.counts: pl.DataFrame | None = None

    def before(self, hashes: pl.Series) -> np.ndarray:
        """For each hash, the rows of that identity in earlier blocks."""
        if self.counts is None:
            return np.zeros(len(hashes), dtype=np.int64)
        found = pl.DataFrame({"_h": hashes}).join(self.counts, on="_h", how="left", maintain_order="left")
        return found["_n"].fill_null(0).to_numpy().astype(np.int64)

    def add(self, hashes: pl.Series) -> None:
        block = pl.DataFrame({"_h": hashes}).group_by("_h").agg(_n=pl.len().cast(pl.Int64))
        both = block if self.counts is None else pl.concat([self.counts, block])
        self.counts = both.group_by("_h").agg(pl.col("_n").sum())


def row_keys(frame: pl.DataFrame, identity: list[str], seen: Seen | None = None, *, last: bool = True) -> pl.DataFrame:
    """``frame`` with ``key_hi`` and ``key_lo`` computed from its ``identity`` columns (text).

    ``seen``: the earlier blocks of the same file (updated unless ``last``, the file's last block)."""
    keyed = frame.with_columns(_text=pl.concat_str([pl.col(c).fill_null("") for c in identity], separator=SEP))
    # Ordinals only matter among repeated rows: number those alone (a window over every
    # row costs several times more than the whole rest of the key).
    repeated = keyed.select(pl.arg_where(pl.col("_text").is_duplicated())).to_series()
    ordinal = np.zeros(keyed.height, dtype=np.int64)
    if len(repeated):
        ordinal[repeated.to_numpy()] = keyed[repeated].select(pl.int_range(pl.len()).over("_text")).to_series().to_numpy()
    if seen is not None and (seen.counts is not None or not last):
        hashes = keyed.select(plh.col("_text").nchash.xxh3_64()).to_series()
        ordinal += seen.before(hashes)
        if not last:
            seen.add(hashes)
    digest = plh.concat_str(pl.col("_text"), pl.Series(ordinal).cast(pl.String), separator=SEP).nchash.xxh3_128()
    return keyed.with_columns(
        key_hi=(digest // _2_64).cast(pl.UInt64).reinterpret(signed=True),
        key_lo=(digest % _2_64).cast(pl.UInt64).reinterpret(signed=True),
    ).drop("_text")
