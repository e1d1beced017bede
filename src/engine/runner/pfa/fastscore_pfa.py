"""A jet of the fastscore engine for PFA models (JSON, YAML and PrettyPFA), run by titus2.

It speaks the engine's jet protocol with the Python runner's Channel and Jet (imported from
the Python runner's directory, given as the first argument), so outputs, batches and
errors travel exactly as for Python models.

    python fastscore_pfa.py <python runner dir> <format>                  run the model
    python fastscore_pfa.py <python runner dir> <format> --check <file>   check it: JSON
"""

import inspect
import json
import os
import sys

# titus2 still calls inspect.getargspec, which Python 3.11 no longer has
if not hasattr(inspect, "getargspec"):
    inspect.getargspec = inspect.getfullargspec

sys.path.insert(0, sys.argv[1])
FORMAT = sys.argv[2]


def load(path):
    """The PFA engine of a document; ValueError with the reason when it is not valid PFA."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        from titus.genpy import PFAEngine

        if FORMAT == "json":
            engines = PFAEngine.fromJson(json.loads(text))
        elif FORMAT == "yaml":
            engines = PFAEngine.fromYaml(text)
        else:
            import titus.prettypfa

            engines = titus.prettypfa.engine(text)
    except ImportError as e:
        raise RuntimeError("titus2 is missing from %s: %s" % (sys.executable, e))
    except Exception as e:  # noqa: B902 - titus raises many kinds; each is an invalid document
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError("invalid PFA document: %s" % message)
    return engines[0]


def schema(avro_type):
    return json.loads(repr(avro_type))


def check(path):
    try:
        engine = load(path)
    except (ValueError, RuntimeError) as e:
        print(json.dumps({"error": str(e)}))
        return
    print(json.dumps({"imports": [], "missing": [],
                      "schemas": {"0": schema(engine.config.input), "1": schema(engine.config.output)}}))


def serve():
    import fastscore_runner as runner

    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    chan = runner.Channel(proto_in, proto_out)
    kind, payload = chan.recv()
    config = json.loads(payload)
    jet = runner.Jet(chan, config)
    try:
        engine = load(config["model"])
        if engine.config.method == "emit":
            engine.emit = lambda value: jet.emit(1, value, False)
        engine.begin()
        chan.send(ord("N"), b"*")
        while True:
            kind, payload = chan.recv()
            if kind == ord("E"):
                break
            slot, seqno, records = jet.take_batch(payload)
            chan.send(ord("N"), b"*")
            for index, datum in enumerate(records):
                jet.index = index
                result = engine.action(datum)
                if engine.config.method != "emit":
                    jet.emit(1, result, False)
                jet.tick()
            jet.index = None
            jet.done()
        engine.end()
        jet.flush()
    except BaseException as exc:  # noqa: B902 - every failure is reported
        import traceback

        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        report = {"message": text, "traceback": text,
                  "input": jet.error_input(getattr(jet, "index", None))}
        try:
            jet.flush()
        except Exception:
            pass
        chan.send(ord("X"), json.dumps(report).encode())
        os._exit(3)
    chan.send(ord("F"))


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[3] == "--check":
        check(sys.argv[4])
    else:
        serve()
