"""The `fastscore` module FastScore models import inside the fastscore engine.

Provided by the engine: `fastscore.io.Slot` (explicit conformance). Cells and pools
(`fastscore.cells`, `fastscore.pools`) keep their values per jet.
"""

_cells = {}
_pools = {}


class _Cell:
    def __init__(self):
        self.value = None

    def set(self, value):
        self.value = value

    def update(self, fn):
        self.value = fn(self.value)


class _Pool:
    def __init__(self):
        self._items = {}

    def get(self, key):
        return self._items.get(key)

    def set(self, key, value):
        self._items[key] = value

    def update(self, key, fn):
        self._items[key] = fn(self._items.get(key))


def cells(name):
    return _cells.setdefault(name, _Cell())


def pools(name):
    return _pools.setdefault(name, _Pool())
