"""Explicit conformance: a model drives its own input and output through `Slot` objects.

    from fastscore.io import Slot
    for df in Slot(0):          # one pandas DataFrame per input batch
        Slot(1).write(...)      # a dict, a Series or a DataFrame
"""

_jet = None  # set by the runner before the model starts


class Slot:
    def __init__(self, n):
        self.n = int(n)

    def __iter__(self):
        while True:
            batch = self.read()
            if batch is None:
                return
            yield batch

    def read(self, format="pandas", with_seqno=False):
        """The next input batch as a record set; None at the end of the input."""
        if format != "pandas":
            raise ValueError("format must be 'pandas'")
        batch = _jet.read(self.n)
        if batch is None:
            return None
        seqno, records = batch
        recordset = _jet.recordset(records, self.n)
        return (seqno, recordset) if with_seqno else recordset

    def write(self, rec):
        """Emit a record, or every row of a DataFrame / element of a Series."""
        _jet.emit(self.n, rec, True)
