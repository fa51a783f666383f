"""Categories are addressed by slug path; missing ones (and their ancestors) are created."""

from __future__ import annotations

from collections.abc import Mapping

from handshake.catalog.models import Category
from handshake.catalog.repository import CatalogRepository
from handshake.kernel.ids import new_id

CategoryNames = tuple[str | None, str | None]


def ancestors(path: str) -> list[str]:
    """``a/b/c`` → ``["a", "a/b", "a/b/c"]``."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def default_name(path: str) -> str:
    """A readable name from the last slug: ``smart-home`` → ``Smart home``."""
    return path.rsplit("/", 1)[-1].replace("-", " ").capitalize()


async def ensure_categories(
    repo: CatalogRepository, names_by_path: Mapping[str, CategoryNames]
) -> dict[str, Category]:
    """The categories of these paths (created with their ancestors when missing), by path.

    Names given for an existing category replace its names; absent names keep them.
    """
    wanted = sorted({a for path in names_by_path for a in ancestors(path)}, key=len)
    found = await repo.categories_by_path(wanted)
    for path in wanted:
        name_en, name_fr = names_by_path.get(path, (None, None))
        category = found.get(path)
        if category is None:
            parent = found.get(path.rsplit("/", 1)[0]) if "/" in path else None
            fallback = default_name(path)
            category = Category(
                id=new_id("cat"),
                path=path,
                parent_id=parent.id if parent else None,
                name_en=name_en or fallback,
                name_fr=name_fr or name_en or fallback,
            )
            repo.add(category)
            found[path] = category
            continue
        if name_en:
            category.name_en = name_en
        if name_fr:
            category.name_fr = name_fr
    return found
