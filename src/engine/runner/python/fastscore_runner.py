"""A jet of the fastscore engine: one Python process running one instance of a model.

The engine talks to the jet over the process's original stdin and stdout with the frames of
the engine's jet protocol (src/engine/runner/protocol.rs, where every frame is described);
the model's own stdout and stderr are moved to the console pipe the engine reads. In short:
    engine to jet:  C config, B batch (b"<id> <slot> <seqno> <j|b|c>\\n" + JSON array or
                    columns), E end
    jet to engine:  N want, O outputs (b"<batch id> <slot>\\n" + JSON lines, or
                    b"<batch id> <slot> c\\n" + columns), D batch done,
                    F finished, X failed (JSON: message, traceback, input)

`python fastscore_runner.py --check <model file> <callbacks JSON>` only inspects a model:
it prints JSON with the syntax error, or the imports, the missing ones and the callbacks.
"""

import inspect
import json
import os
import struct
import sys
import time
import traceback

MODEL_FILE = "__model.py"
HEADER = struct.Struct("<IB")
# outputs leave the jet at most this long (seconds) after the model made them
FLUSH_AFTER = 0.05
# what follows each record set a model writes (the engine encodes it for the stream)
SET_MARKER = '{"$fastscore": "set"}'
# the time between two looks at the clock that makes records slow (their outputs go at once)
SLOW_RECORDS = 0.005
# a fast model looks at the clock at most every this many records
CHECK_MAX = 256


class ModelError(Exception):
    """A mistake in how the model uses the engine (not a Python error of its own)."""


def _default(o):
    # NumPy scalars and arrays (float32 → float, int64 → int, bool_ → bool, arrays → lists)
    if hasattr(o, "tolist") and hasattr(o, "dtype"):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, (bytes, bytearray)):
        return o.decode("latin-1")
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)


try:
    # json.dumps without making an encoder for every call (half its cost for small records)
    from json.encoder import c_make_encoder, encode_basestring_ascii

    _markers = {}
    _encode = c_make_encoder(_markers, _default, encode_basestring_ascii, None, ": ", ", ",
                             False, False, True)

    def dumps(value):
        try:
            return "".join(_encode(value, 0))
        except BaseException:
            # what the failed call left in the circular-reference check must not stay
            _markers.clear()
            raise

except (ImportError, TypeError):
    dumps = json.JSONEncoder(default=_default).encode

try:
    # a faster parser for the batches when the model's Python has one; what it refuses
    # (NaN, integers over 64 bits) is parsed by json
    import orjson

    def loads(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)

except ImportError:
    loads = json.loads


class Channel:
    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    def send(self, kind, payload=b"", flush=True):
        self.writer.write(HEADER.pack(len(payload), kind) + payload)
        if flush:
            self.writer.flush()

    def recv(self):
        # whatever is still buffered goes out before the jet waits for the engine
        self.writer.flush()
        head = self.reader.read(HEADER.size)
        if len(head) < HEADER.size:
            # the engine went away
            os._exit(0)
        size, kind = HEADER.unpack(head)
        payload = self.reader.read(size) if size else b""
        return kind, payload


def is_frame(v, cls):
    t = type(v)
    return t.__name__ == cls and t.__module__.split(".")[0] in ("pandas", "numpy")


def columns():
    # numpy is imported only for models that use it
    import fastscore_columns

    return fastscore_columns


def is_set(v):
    return any(is_frame(v, c) for c in ("DataFrame", "Series", "matrix", "ndarray"))


def expand(v):
    """Record sets written by the model: one record per row or element."""
    if is_frame(v, "DataFrame"):
        return v.to_dict("records")
    if is_frame(v, "Series") or is_frame(v, "matrix") or is_frame(v, "ndarray"):
        return v.tolist()
    return None


def to_recordset(records, shape):
    if type(records).__name__ == "Columns":
        return records.frame()
    import pandas

    if not records:
        return pandas.DataFrame()
    first = records[0]
    if isinstance(first, dict):
        keys = first.keys()
        if all(r.keys() == keys for r in records):
            # column lists build a frame much faster than a list of dicts
            return pandas.DataFrame({k: [r[k] for r in records] for k in keys})
        return pandas.DataFrame(records)
    if isinstance(first, list):
        import numpy

        return numpy.matrix(records)
    return pandas.Series(records)


class Jet:
    """The engine side of a running model: batches in, outputs out."""

    def __init__(self, chan, config):
        self.chan = chan
        self.config = config
        self.inputs = {int(k): v for k, v in config["inputs"].items()}
        self.outputs = {int(k): v for k, v in config["outputs"].items()}
        self.pending = {}
        self.pending_count = 0
        self.eof = set()
        # explicit models: slots asked for a batch, answers not read yet
        self.asked = set()
        self.answers = {}
        self.current = None  # (batch id, slot, seqno, records) being processed
        self.finished = 0
        self.reported = 0
        # the clock is read every `check_every` records: each record of a slow model, rarely
        # for a fast one
        self.last_flush = time.monotonic()
        self.last_check = self.last_flush
        self.check_every = 1
        self.countdown = 1

    # outputs -------------------------------------------------------------
    def emit(self, slot, value, expand_sets):
        if slot not in self.outputs:
            if slot % 2 == 0:
                raise ModelError("Model emits data to an input slot %d" % slot)
            raise ModelError("Model emits data to an unknown slot %d" % slot)
        # a record set is expanded into its records; on a record-set slot a `set` control
        # record follows them (spec/engine.md §7.4)
        marked = self.outputs[slot]["recordsets"]
        if (expand_sets or marked) and is_set(value):
            payload = columns().encode(value, dumps)
            if payload is not None:
                # the frame's columns go as they are, after what the model wrote before
                self.flush(now=False)
                batch = self.current[0] if self.current else 0
                self.chan.send(ord("O"), b"%d %d c\n" % (batch, slot) + payload, False)
                if marked:
                    self.pending[slot] = [SET_MARKER]
                    self.pending_count = 1
                self.tick()
                return
        texts = self.pending.setdefault(slot, [])
        rows = expand(value) if (expand_sets or marked) else None
        if rows is None:
            texts.append(dumps(value))
            self.pending_count += 1
        else:
            texts.extend(dumps(r) for r in rows)
            self.pending_count += len(rows)
            if marked:
                texts.append(SET_MARKER)
                self.pending_count += 1
        if self.pending_count >= 1000:
            self.flush()
        else:
            self.tick()

    def tick(self, texts=None):
        """After a record or an output: send what waits if it has waited long enough.
        `texts` are outputs of slot 1 held apart (the fast path of call-back models)."""
        self.countdown -= 1
        if self.countdown:
            return
        now = time.monotonic()
        # outputs of slow records go at once; those of fast ones every FLUSH_AFTER
        slow = now - self.last_check >= SLOW_RECORDS
        self.last_check = now
        if slow or now - self.last_flush >= FLUSH_AFTER:
            if texts:
                self.pending.setdefault(1, []).extend(texts)
                self.pending_count += len(texts)
                texts.clear()
            if self.pending_count:
                self.flush()
            # the records before the one about to be processed are done, their outputs
            # sent (all of them: those held apart were just added): the engine may let
            # their source commit them (only here, where nothing is held apart)
            if texts is not None and self.current is not None and self.finished > self.reported:
                self.chan.send(ord("P"), b"%d %d" % (self.current[0], self.finished))
                self.reported = self.finished
            self.last_flush = now
            self.check_every = 1
        elif self.check_every < CHECK_MAX:
            self.check_every *= 2
        self.countdown = self.check_every

    def flush(self, now=True):
        batch = self.current[0] if self.current else 0
        for slot, texts in self.pending.items():
            if texts:
                frame = b"%d %d\n" % (batch, slot) + "\n".join(texts).encode()
                self.chan.send(ord("O"), frame, now)
        self.pending = {}
        self.pending_count = 0
        self.last_flush = time.monotonic()

    def done(self):
        """The current batch is processed: its outputs, then the engine hears so (both go
        out together, when the jet next waits for the engine)."""
        self.flush(now=False)
        if self.current is not None:
            self.chan.send(ord("D"), b"%d" % self.current[0], flush=False)
            self.current = None

    # inputs --------------------------------------------------------------
    def take_batch(self, payload):
        """A B frame becomes the current batch: (slot, seqno, records)."""
        header, _, body = payload.partition(b"\n")
        batch, slot, seqno, kind = header.split(b" ")
        if kind == b"c":
            records = columns().Columns(payload, len(header) + 1, loads)
        else:
            records = loads(body)
        if kind == b"b":
            records = [r.encode("latin-1") for r in records]
        self.current = (int(batch), int(slot), int(seqno), records)
        # records of it processed, and how many of those the engine was told of (`P`)
        self.finished = 0
        self.reported = 0
        return int(slot), int(seqno), records

    def read(self, slot):
        """The next batch of an input slot (explicit models); None at its end."""
        if slot % 2 == 1:
            raise ModelError("Model attempts to explicitly read from an output slot %d" % slot)
        if slot not in self.inputs:
            raise ModelError("Model reads from an unknown slot %d" % slot)
        if slot in self.eof:
            return None
        self.done()
        if slot not in self.asked:
            self.chan.send(ord("N"), b"%d" % slot, flush=False)
            self.asked.add(slot)
        kind, payload = self.answer(slot)
        if kind == ord("E"):
            self.eof.add(slot)
            return None
        # the slot's next batch is on its way while the model works on this one
        self.chan.send(ord("N"), b"%d" % slot)
        self.asked.add(slot)
        slot, seqno, records = self.take_batch(payload)
        return seqno, records

    def answer(self, slot):
        """The engine's answer to the N asked for `slot` (answers come in the order asked)."""
        while slot not in self.answers:
            kind, payload = self.chan.recv()
            head = payload if kind == ord("E") else payload.split(b" ", 2)[1]
            self.answers[int(head)] = (kind, payload)
        self.asked.discard(slot)
        return self.answers.pop(slot)

    def recordset(self, records, slot):
        return to_recordset(records, self.inputs[slot]["shape"])

    def error_input(self, index=None):
        if self.current is None:
            return None
        _, slot, seqno, records = self.current
        total = len(records)
        if index is not None:
            first, shown = seqno + index, records[index:index + 1]
        else:
            # the last ten records of the batch
            first = seqno + max(0, total - 10)
            if type(records).__name__ == "Columns":
                shown = records.rows(total - 10, total)
            else:
                shown = records[-10:]
        data = []
        for r in shown:
            try:
                data.append(dumps(r))
            except Exception:
                data.append(repr(r))
        return {"slot": slot, "seqno": first, "data": data, "batch_len": total, "encoding": "json"}


def arity(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return 3
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def callbacks(jet, module):
    found = {}
    for slot, spec in jet.inputs.items():
        name = spec["action"]
        fn = getattr(module, name, None)
        if fn is None:
            raise ModelError("A slot %d callback function named '%s' not found" % (slot, name))
        if not callable(fn):
            raise ModelError("A slot %d callback named '%s' must be a function" % (slot, name))
        n = arity(fn)
        if n not in (1, 2, 3):
            raise ModelError("The slot %d callback '%s' must have arity 1, 2, or 3" % (slot, name))
        found[slot] = (fn, n, inspect.isgeneratorfunction(fn), spec["recordsets"], spec["shape"])
    return found


def run_callbacks(jet, module):
    actions = callbacks(jet, module)
    begin = getattr(module, "begin", None)
    if callable(begin):
        begin()
    single_output = list(jet.outputs) == [1]
    out_slots = set(jet.outputs)
    chan = jet.chan
    chan.send(ord("N"), b"*")
    while True:
        kind, payload = chan.recv()
        if kind == ord("E"):
            break
        slot, seqno, records = jet.take_batch(payload)
        # ask for the next batch now, so it is on its way while this one is processed
        chan.send(ord("N"), b"*")
        fn, n, generator, recordsets, shape = actions[slot]
        if recordsets:
            items = [(seqno, to_recordset(records, shape))]
        else:
            items = zip(range(seqno, seqno + len(records)), records)
        texts = []
        try:
            run_batch(jet, items, slot, fn, n, generator, recordsets, single_output, out_slots, texts)
        finally:
            # outputs of the records before a failure are still delivered
            if texts:
                jet.pending.setdefault(1, []).extend(texts)
                jet.pending_count += len(texts)
        jet.done()
    end = getattr(module, "end", None)
    if callable(end):
        end()
    jet.flush()


def run_batch(jet, items, slot, fn, n, generator, recordsets, single_output, out_slots, texts):
    for index, (seq, datum) in enumerate(items):
        # what the records before made goes out once it has waited long enough
        if not recordsets:
            jet.finished = index
        jet.tick(texts)
        jet.index = None if recordsets else index
        if n == 1:
            result = fn(datum)
        elif n == 2:
            result = fn(datum, slot)
        else:
            result = fn(datum, slot, seq)
        if generator:
            values = result
        elif result is None:
            continue
        else:
            values = (result,)
        for v in values:
            if type(v) is tuple and len(v) == 2 and type(v[0]) is int and v[0] in out_slots:
                jet.emit(v[0], v[1], False)
            elif single_output and not jet.outputs[1]["recordsets"]:
                texts.append(dumps(v))
            elif 1 in jet.outputs:
                jet.emit(1, v, False)
            else:
                raise ModelError("Model emits data to an unknown slot 1")


def load_module(path):
    import types

    with open(path, encoding="utf-8") as f:
        source = f.read()
    code = compile(source, MODEL_FILE, "exec")
    module = types.ModuleType("__main__")
    module.__file__ = MODEL_FILE
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    return module, code


def model_traceback(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != MODEL_FILE:
        tb = tb.tb_next
    if tb is None or isinstance(exc, ModelError):
        return "".join(traceback.format_exception_only(type(exc), exc))
    return "".join(traceback.format_exception(type(exc), exc, tb))


def serve():
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    # attachments are unpacked into the working directory; the model imports from there
    sys.path.insert(1, os.getcwd())
    chan = Channel(proto_in, proto_out)
    kind, payload = chan.recv()
    config = json.loads(payload)
    jet = Jet(chan, config)
    import fastscore
    import fastscore.io

    fastscore.io._jet = jet
    fastscore._state_path = config.get("state")
    if config.get("restore") is not None:
        fastscore._restore(config["restore"])
    jet.index = None
    try:
        module, code = load_module(config["model"])
        if config["explicit"]:
            exec(code, module.__dict__)
            jet.done()
        else:
            exec(code, module.__dict__)
            run_callbacks(jet, module)
        if config.get("snapshots") == "eof":
            # the end of the input: the engine keeps the state the last jet saw
            chan.send(ord("S"), fastscore._dump().encode())
    except BaseException as exc:  # noqa: B902 - every failure is reported
        if isinstance(exc, SystemExit) and not exc.code:
            jet.done()
            chan.send(ord("F"))
            return
        report = {
            "message": "".join(traceback.format_exception_only(type(exc), exc)).strip(),
            "traceback": model_traceback(exc),
            "input": jet.error_input(getattr(jet, "index", None) if not config["explicit"] else None),
        }
        try:
            jet.flush()
        except Exception:
            pass
        chan.send(ord("X"), json.dumps(report).encode())
        sys.stdout.flush()
        os._exit(3)
    chan.send(ord("F"))


def check(path, callbacks_json):
    """Syntax, imports and callbacks of a model, without running it."""
    import ast
    import importlib.util

    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        tree = ast.parse(source, MODEL_FILE)
    except SyntaxError as e:
        where = " (%s, line %s)" % (MODEL_FILE, e.lineno) if e.lineno else ""
        print(json.dumps({"error": "SyntaxError: %s%s" % (e.msg, where)}))
        return
    imports = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top not in imports and top not in ("__future__", "fastscore"):
                imports.append(top)
    sys.path.insert(0, os.getcwd())
    missing = []
    for name in imports:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except (ImportError, ValueError):
            missing.append(name)
    bound = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            bound[node.name] = 3 if a.vararg else len(a.posonlyargs) + len(a.args)
        elif isinstance(node, ast.ClassDef):
            bound[node.name] = None
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    bound[t.id] = None
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                bound[(a.asname or a.name).split(".")[0]] = None
    problems = []
    for slot, name in json.loads(callbacks_json).items():
        if name not in bound:
            problems.append("A slot %s callback function named '%s' not found" % (slot, name))
        elif bound[name] is not None and bound[name] not in (1, 2, 3):
            problems.append("The slot %s callback '%s' must have arity 1, 2, or 3" % (slot, name))
    if problems:
        print(json.dumps({"error": problems[0]}))
        return
    print(json.dumps({"imports": imports, "missing": missing}))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "{}")
    else:
        serve()
