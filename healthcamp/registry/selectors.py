"""Reads of non-personal registry data (programmes, sites)."""

from __future__ import annotations

from dataclasses import dataclass

from healthcamp.registry.models import Programme


@dataclass(frozen=True)
class SiteInfo:
    id: int
    name: str


@dataclass(frozen=True)
class ProgrammeInfo:
    id: int
    name: str
    sites: tuple[SiteInfo, ...]


def programme_list() -> list[ProgrammeInfo]:
    programmes = Programme.objects.prefetch_related("sites").order_by("name")
    return [
        ProgrammeInfo(
            id=p.id,
            name=p.name,
            sites=tuple(SiteInfo(id=s.id, name=s.name) for s in p.sites.order_by("name")),
        )
        for p in programmes
    ]
