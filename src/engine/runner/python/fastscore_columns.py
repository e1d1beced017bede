"""Record sets as columns between the engine and a jet (the format: src/engine/runner/columns.rs).

Input batches of flat records arrive as typed buffers that numpy views without parsing;
DataFrame, Series and ndarray outputs leave as buffers the engine encodes, so no record
crosses through json on the way.
"""

import json

import numpy

TYPES = {"f8": "<f8", "f4": "<f4", "i8": "<i8", "b1": "|b1"}
ALIGN = 8


class Columns:
    """The records of one batch, column by column."""

    def __init__(self, payload, start, loads):
        end = payload.index(b"\n", start)
        head = json.loads(payload[start:end])
        base = end + 1
        self.n = head["n"]
        self.names = []
        self.arrays = []
        for name, kind, offset, length in head["columns"]:
            at = base + offset
            if kind == "json":
                values = loads(payload[at:at + length])
            else:
                values = numpy.frombuffer(payload, TYPES[kind], self.n, at)
            self.names.append(name)
            self.arrays.append(values)

    def __len__(self):
        return self.n

    def frame(self):
        import pandas

        arrays = self.arrays
        first = arrays[0] if arrays else None
        if isinstance(first, numpy.ndarray) and all(
            isinstance(a, numpy.ndarray) and a.dtype == first.dtype for a in arrays
        ):
            # columns of one type become one block at once
            return pandas.DataFrame(numpy.column_stack(arrays), columns=self.names)
        # copied into the frame's own blocks: the model may change them
        return pandas.DataFrame(dict(zip(self.names, arrays)))

    def rows(self, start, stop):
        """Records as dicts (to show those a model failed on)."""
        out = []
        for i in range(max(0, start), min(stop, self.n)):
            row = {}
            for name, values in zip(self.names, self.arrays):
                v = values[i]
                row[name] = v.item() if hasattr(v, "item") else v
            out.append(row)
        return out


def _column(values, dumps):
    """A column's type and bytes: a raw buffer for numbers and booleans, else JSON."""
    dtype = getattr(values, "dtype", None)
    kind = dtype.kind if isinstance(dtype, numpy.dtype) else "O"
    if kind in "fiub":
        array = values.to_numpy() if hasattr(values, "to_numpy") else numpy.asarray(values)
        if kind == "f":
            name = "f4" if dtype.itemsize == 4 else "f8"
        elif kind == "b":
            name = "b1"
        elif kind == "i" or dtype.itemsize < 8:
            name = "i8"
        else:
            name = None  # unsigned 64-bit values may not fit
        if name is not None:
            return name, numpy.ascontiguousarray(array, dtype=TYPES[name]).tobytes()
    return "json", dumps(values.tolist()).encode()


def encode(value, dumps):
    """A DataFrame, Series or ndarray as a columns payload; None when it is none of them
    (or an array of more than two dimensions), so that its records go one by one."""
    kind = type(value).__name__
    width = None
    if kind == "DataFrame":
        shape = "record"
        names = [str(c) for c in value.columns]
        dtypes = list(value.dtypes)
        one = dtypes[0] if dtypes else None
        if isinstance(one, numpy.dtype) and one.kind in "fiub" and all(t == one for t in dtypes):
            # a frame of one numeric type: its columns straight from its array
            array = value.to_numpy()
            columns = [array[:, i] for i in range(len(names))]
        else:
            columns = [value.iloc[:, i] for i in range(len(names))]
    elif kind == "Series":
        shape, names, columns = "value", [""], [value]
    elif kind in ("ndarray", "matrix"):
        array = numpy.asarray(value)
        if array.ndim == 1:
            shape, names, columns = "value", [""], [array]
        elif array.ndim == 2 and array.dtype.kind in "fiub":
            shape, names, columns = "array", [""], [array.reshape(-1)]
            width = array.shape[1]
        else:
            return None
    else:
        return None
    n = len(value)
    body = bytearray()
    listed = []
    for name, column in zip(names, columns):
        kind, data = _column(column, dumps)
        body.extend(b"\0" * (-len(body) % ALIGN))
        listed.append([name, kind, len(body), len(data)])
        body.extend(data)
    head = {"n": n, "shape": shape, "columns": listed}
    if width is not None:
        head["width"] = width
    return json.dumps(head).encode() + b"\n" + bytes(body)
