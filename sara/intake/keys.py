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
"""

from __future__ import annotations

import numpy as np
import polars as pl
import polars_hash as plh

SEP = "\x1f"
KEY = ["key_hi", "key_lo"]
_2_64 = 2**64


def row_keys(frame: pl.DataFrame, identity: list[str]) -> pl.DataFrame:
    """``frame`` with ``key_hi`` and ``key_lo`` computed from its ``identity`` columns (text)."""
    keyed = frame.with_columns(_text=pl.concat_str([pl.col(c).fill_null("") for c in identity], separator=SEP))
    # Ordinals only matter among repeated rows: number those alone (a window over every
    # row costs several times more than the whole rest of the key).
    repeated = keyed.select(pl.arg_where(pl.col("_text").is_duplicated())).to_series()
    ordinal = np.zeros(keyed.height, dtype=np.int64)
    if len(repeated):
        ordinal[repeated.to_numpy()] = keyed[repeated].select(pl.int_range(pl.len()).over("_text")).to_series().to_numpy()
    digest = plh.concat_str(pl.col("_text"), pl.Series(ordinal).cast(pl.String), separator=SEP).nchash.xxh3_128()
    return keyed.with_columns(
        key_hi=(digest // _2_64).cast(pl.UInt64).reinterpret(signed=True),
        key_lo=(digest % _2_64).cast(pl.UInt64).reinterpret(signed=True),
    ).drop("_text")
