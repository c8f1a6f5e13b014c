"""Plain statistics for the indicators: Wilson intervals, direct age standardisation to
the WHO World Standard Population, and a median read from grouped counts."""

from __future__ import annotations

import math
from collections.abc import Mapping

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile

# WHO World Standard Population, world average 2000-2025, per cent, five-year bands.
# Source: Ahmad OB, Boschi-Pinto C, Lopez AD, Murray CJL, Lozano R, Inoue M. Age
# standardization of rates: a new WHO standard. GPE Discussion Paper Series No. 31,
# World Health Organization, 2001, Table 4. The table goes on in five-year bands to 100+
# (85-89 0.44, 90-94 0.15, 95-99 0.04, 100+ 0.005); healthcamp's top band is 85+, their sum.
WHO_STANDARD_SOURCE = (
    "WHO World Standard Population (world average 2000-2025): Ahmad OB et al., Age "
    "standardization of rates: a new WHO standard, GPE Discussion Paper No. 31, WHO 2001, "
    "Table 4"
)
WHO_WORLD_STANDARD: dict[str, float] = {
    "0-4": 8.86,
    "5-9": 8.69,
    "10-14": 8.60,
    "15-19": 8.47,
    "20-24": 8.22,
    "25-29": 7.93,
    "30-34": 7.61,
    "35-39": 7.15,
    "40-44": 6.59,
    "45-49": 6.04,
    "50-54": 5.37,
    "55-59": 4.55,
    "60-64": 3.72,
    "65-69": 2.96,
    "70-74": 2.21,
    "75-79": 1.52,
    "80-84": 0.91,
    "85+": 0.635,
}
AGE_BANDS: tuple[str, ...] = tuple(WHO_WORLD_STANDARD)


def age_band_of(age_years: int) -> str:
    """Five-year band, 85+ at the top (the registry's bands)."""
    if age_years >= 85:
        return "85+"
    low = max(age_years, 0) // 5 * 5
    return f"{low}-{low + 4}"


def bands_from(min_age: int) -> tuple[str, ...]:
    """The bands that hold anyone of at least min_age."""
    return tuple(b for b in AGE_BANDS if _band_top(b) >= min_age)


def _band_top(band: str) -> int:
    return 200 if band == "85+" else int(band.split("-")[1])


def wilson(numerator: int, denominator: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927): sound at 0 and near 1."""
    if denominator <= 0:
        raise ValueError("A proportion needs a denominator above zero.")
    p = numerator / denominator
    z2 = z * z
    centre = (p + z2 / (2 * denominator)) / (1 + z2 / denominator)
    half = (z / (1 + z2 / denominator)) * math.sqrt(
        p * (1 - p) / denominator + z2 / (4 * denominator * denominator)
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def age_standardised(
    strata: Mapping[str, tuple[int, int]], z: float = Z95
) -> tuple[float, tuple[float, float]] | None:
    """Direct standardisation: strata maps an age band to (numerator, denominator).

    Each band's rate is weighted by its share of the WHO World Standard Population,
    the weights rescaled to the bands that have anyone in them. The interval is the
    normal approximation of the weighted sum, sum(w^2 p (1 - p) / n), kept within 0-1.
    None when no band has anyone.
    """
    present = {a: nd for a, nd in strata.items() if nd[1] > 0}
    if not present:
        return None
    total = sum(WHO_WORLD_STANDARD[a] for a in present)
    rate = 0.0
    variance = 0.0
    for band, (n, d) in present.items():
        w = WHO_WORLD_STANDARD[band] / total
        p = n / d
        rate += w * p
        variance += w * w * p * (1 - p) / d
    half = z * math.sqrt(variance)
    return rate, (max(0.0, rate - half), min(1.0, rate + half))


def median_of_counts(counts: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many}, read from grouped counts."""
    total = sum(counts.values())
    if total == 0:
        return None
    ordered = sorted(counts.items())

    def nth(position: int) -> int:  # 0-based
        seen = 0
        for value, count in ordered:
            seen += count
            if position < seen:
                return value
        raise AssertionError("position past the end")  # pragma: no cover

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2
