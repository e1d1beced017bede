"""The `fastscore` module FastScore models import inside the fastscore engine.

Provided by the engine: `fastscore.io.Slot` (explicit conformance), and cells and pools
(`fastscore.cells`, `fastscore.pools`): named values shared by every jet of the model,
kept in a SQLite file the engine names for the job; `update` is atomic across jets.
Values are stored as JSON.
"""

import json
import sqlite3
import time

# set by the runner before the model runs: the job's state file (None: private, in memory)
_state_path = None
_db = None


def _default(o):
    if hasattr(o, "tolist") and hasattr(o, "dtype"):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError("a cell or pool value must be JSON serializable, not %s" % type(o).__name__)


_dumps = json.JSONEncoder(default=_default).encode


def _conn():
    global _db
    if _db is None:
        # autocommit, and a long wait for a writer lock instead of an error
        db = sqlite3.connect(_state_path or ":memory:", timeout=600, isolation_level=None)
        # jets starting together race to set the file up: those that find it busy try again
        for attempt in range(6000):
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=OFF")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS state (kind TEXT, name TEXT, key TEXT,"
                    " value TEXT, PRIMARY KEY (kind, name, key))"
                )
                break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or attempt == 5999:
                    raise
                time.sleep(0.01)
        _db = db
    return _db


def _get(kind, name, key):
    row = _conn().execute(
        "SELECT value FROM state WHERE kind = ? AND name = ? AND key = ?", (kind, name, key)
    ).fetchone()
    return None if row is None else json.loads(row[0])


def _set(kind, name, key, value):
    _conn().execute(
        "INSERT OR REPLACE INTO state (kind, name, key, value) VALUES (?, ?, ?, ?)",
        (kind, name, key, _dumps(value)),
    )


def _update(kind, name, key, fn):
    db = _conn()
    # the write lock first, so that no other jet changes the value between read and write
    db.execute("BEGIN IMMEDIATE")
    try:
        value = fn(_get(kind, name, key))
        _set(kind, name, key, value)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return value


def _keys(kind, name):
    rows = _conn().execute("SELECT key FROM state WHERE kind = ? AND name = ?", (kind, name))
    return [json.loads(r[0]) for r in rows]


def _dump():
    """Every cell and pool, as the engine stores a snapshot: JSON text."""
    state = {"cells": {}, "pools": {}}
    for kind, name, key, value in _conn().execute("SELECT kind, name, key, value FROM state"):
        if kind == "cell":
            state["cells"][name] = json.loads(value)
        else:
            state["pools"].setdefault(name, []).append([json.loads(key), json.loads(value)])
    return json.dumps(state)


def _restore(state):
    """Values of a snapshot, for the cells and pools no jet has set yet."""
    rows = [("cell", n, "", _dumps(v)) for n, v in state.get("cells", {}).items()]
    for name, items in state.get("pools", {}).items():
        rows.extend(("pool", name, _dumps(k), _dumps(v)) for k, v in items)
    db = _conn()
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT OR IGNORE INTO state (kind, name, key, value) VALUES (?, ?, ?, ?)", rows)
    db.execute("COMMIT")


class _Cell:
    def __init__(self, name):
        self.name = name

    @property
    def value(self):
        return _get("cell", self.name, "")

    def set(self, value):
        _set("cell", self.name, "", value)

    def update(self, fn):
        """Replace the value x by fn(x), atomically across jets; the new value."""
        return _update("cell", self.name, "", fn)


class _Pool:
    def __init__(self, name):
        self.name = name

    def get(self, key):
        return _get("pool", self.name, _dumps(key))

    def set(self, key, value):
        _set("pool", self.name, _dumps(key), value)

    def update(self, key, fn):
        """Replace the value x of `key` by fn(x), atomically across jets; the new value."""
        return _update("pool", self.name, _dumps(key), fn)

    def keys(self):
        return _keys("pool", self.name)


def cells(name):
    return _Cell(name)


def pools(name):
    return _Pool(name)
