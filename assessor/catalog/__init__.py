"""The location and provider catalog: region → place and law, provider → owner and law.

The facts are data files under ``catalog/data`` with a source id on every row; this
package only loads and indexes them. A region the catalog has no row for is returned as
an unknown :class:`~assessor.models.Location`, never guessed from its name.
"""

from assessor.catalog.loader import Catalog, CatalogError, load_catalog
from assessor.catalog.locate import locate, relocate

__all__ = ["Catalog", "CatalogError", "load_catalog", "locate", "relocate"]
