"""Gradient Lab's Python driver: runs a user's numpy layer code on inputs the engine chose.

Reads one JSON job on stdin and answers in JSON lines on stdout; nothing else reaches stdout
(the user's prints are captured and returned as text). Tensors use the `gradlab eval` exchange
format: {"shape": [...], "dtype": "float64" | "int64" | "bool", "data": [flat, row-major]};
non-finite floats travel as the strings "nan", "inf", "-inf".

Job:
  {"module": "/abs/file.py", "root": "/workspace", "h": 1e-5, "cases": [case, ...]}
Case kinds (the Node side decides what to run; this file only knows how):
  "call"      call `function(*args)`; `returns` names its results in order ("cache" is dropped);
              optional `numeric`: {"of": result name (a scalar), "wrt": [arg names]}.
  "backward"  call `forward(*args)` for the cache (its results named by `forward_returns`), then
              `function(*douts, cache)` once per upstream set: the full `douts`, and, when
              `mask_axis` is given, once per index t along that axis of the first upstream
              with every other index zeroed (which timestep's loss a wrong gradient comes from).
              `numeric`: [arg names] -> centred differences of sum_k <forward_k, dout_k>.
  "model"     construct `cls(word_to_idx, **kwargs)`, replace `self.params`, then call
              `loss(features, captions)` (with numerical gradients of the loss for every
              parameter) or `sample(features, max_length)`.
Answer, one JSON object per line: a header {"ok": true, "python": ..., "numpy": ...}, then
{"result": {"id", "ok", ...}} per case as it finishes, then {"end": true}; or only
{"ok": false, "error": {...}} when numpy or the module cannot be loaded at all.
"""
import contextlib
import importlib
import importlib.util
import inspect
import io
import json
import math
import os
import sys
import time
import traceback

DRIVER_FILE = os.path.abspath(__file__)
MAX_OUTPUT_CHARS = 4000


class UserError(Exception):
    """A problem with what the user's code returned (not an exception it raised)."""

    def __init__(self, phase, message):
        Exception.__init__(self, message)
        self.phase = phase


# The answer goes to a private copy of fd 1; fd 1 itself points at stderr, so nothing the user's
# code writes (print, os.write(1, ...), C extensions) can corrupt the JSON.
_ANSWER = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)


def emit(obj):
    """One JSON line of the answer."""
    text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
    _ANSWER.write(text + "\n")
    _ANSWER.flush()


# ---------------------------------------------------------------- tensors


def encode_float(v):
    if math.isfinite(v):
        return v
    if math.isnan(v):
        return "nan"
    return "inf" if v > 0 else "-inf"


def to_tensor(np, value, name, phase):
    """A user's value as an exchange-format tensor; says which name was wrong otherwise."""
    if value is None:
        raise UserError(phase, "%s is None (not implemented yet?)" % name)
    try:
        arr = np.asarray(value)
    except Exception as e:  # noqa: BLE001 - anything numpy can't take is reported by name
        raise UserError(phase, "%s is not an array (%s: %s)" % (name, type(value).__name__, e))
    if arr.dtype == object:
        raise UserError(phase, "%s is not a numeric array (got %s)" % (name, type(value).__name__))
    shape = [int(d) for d in arr.shape]
    if arr.dtype == np.bool_:
        return {"shape": shape, "dtype": "bool", "data": [bool(v) for v in arr.ravel()]}
    if np.issubdtype(arr.dtype, np.integer):
        return {"shape": shape, "dtype": "int64", "data": [int(v) for v in arr.ravel()]}
    if np.iscomplexobj(arr):
        raise UserError(phase, "%s is complex" % name)
    flat = arr.astype(np.float64).ravel()
    return {"shape": shape, "dtype": "float64", "data": [encode_float(float(v)) for v in flat]}


def from_tensor(np, t):
    dtype = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}[t.get("dtype", "float64")]
    data = t["data"]
    if dtype is np.float64:
        data = [float(v) for v in data]  # also "nan", "inf", "-inf"
    return np.array(data, dtype=dtype).reshape(t["shape"])


# ---------------------------------------------------------------- errors


def frames_of(tb):
    """Traceback frames outside this driver, innermost last, for linking to the editor."""
    out = []
    for fs in traceback.extract_tb(tb):
        path = os.path.abspath(fs.filename)
        if path == DRIVER_FILE:
            continue
        out.append({"file": path, "line": fs.lineno, "function": fs.name, "text": (fs.line or "").strip()})
    return out


def error_of(exc, phase):
    if isinstance(exc, UserError):
        return {"phase": exc.phase, "type": "ReturnError", "message": str(exc), "frames": [], "traceback": ""}
    tb_lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    # Drop the driver's own frames from the printed text too: the user never wrote them.
    text = "".join(line for line in tb_lines if DRIVER_FILE not in line)
    return {
        "phase": phase,
        "type": type(exc).__name__,
        "message": str(exc),
        "frames": frames_of(exc.__traceback__),
        "traceback": text[-MAX_OUTPUT_CHARS:],
    }


# ---------------------------------------------------------------- loading


def load_module(path, root):
    """Imports the user's file the way their notebook would: as part of its package when it has one."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    parts = [stem]
    top = folder
    while os.path.isfile(os.path.join(top, "__init__.py")):
        parts.insert(0, os.path.basename(top))
        parent = os.path.dirname(top)
        if parent == top:
            break
        top = parent
    # A package's own folder is not put on the path: its module names (cs231n/layers.py) must not
    # shadow anything; its files import each other through the package, as in the notebooks.
    for p in ((folder,) if len(parts) == 1 else ()) + (root, top):
        if p and p not in sys.path:
            sys.path.insert(0, p)
    if all(p.isidentifier() for p in parts):
        name = ".".join(parts)
        mod = importlib.import_module(name)
        if os.path.abspath(getattr(mod, "__file__", "") or "") == path:
            return mod
        # Another module of that name shadows the file: load the file itself.
    spec = importlib.util.spec_from_file_location("gradlab_user_" + str(abs(hash(path))), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def lookup(mod, name, what="function"):
    obj = getattr(mod, name, None)
    if obj is None:
        raise UserError("lookup", "%s %s is not defined in %s" % (what, name, os.path.basename(mod.__file__ or "")))
    return obj


# ---------------------------------------------------------------- calling


def as_tuple(value, names, fname, phase):
    """The user's return value as a tuple of len(names), with a message naming what was expected."""
    if len(names) == 1:
        if isinstance(value, tuple) and len(value) != 1:
            raise UserError(phase, "%s returned %d values, expected %s" % (fname, len(value), names[0]))
        return value if isinstance(value, tuple) else (value,)
    if value is None:
        raise UserError(phase, "%s returned None, expected %s (not implemented yet?)" % (fname, ", ".join(names)))
    if not isinstance(value, (tuple, list)):
        raise UserError(phase, "%s returned 1 value, expected %d: %s" % (fname, len(names), ", ".join(names)))
    if len(value) != len(names):
        raise UserError(phase, "%s returned %d values, expected %s" % (fname, len(value), ", ".join(names)))
    return tuple(value)


def named(np, values, names, fname, phase):
    out = {}
    for v, n in zip(values, names):
        if n == "cache":
            continue
        out[n] = to_tensor(np, v, "%s's %s" % (fname, n), phase)
    return out


def numeric_array(np, f, x, douts, h):
    """CS231n eval_numerical_gradient_array, for several outputs at once: grad of sum_k <f_k(x), df_k>."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        pos = [np.array(p, dtype=np.float64, copy=True) for p in f()]
        x[ix] = old - h
        neg = [np.array(p, dtype=np.float64, copy=True) for p in f()]
        x[ix] = old
        s = 0.0
        for p, m, d in zip(pos, neg, douts):
            s += float(np.sum((p - m) * d))
        grad[ix] = s / (2 * h)
        it.iternext()
    return grad


def numeric_scalar(np, f, x, h):
    """CS231n eval_numerical_gradient."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fp = float(f())
        x[ix] = old - h
        fm = float(f())
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
        it.iternext()
    return grad


def run_call(np, mod, case, h):
    fname = case["function"]
    fn = lookup(mod, fname)
    names = [a["name"] for a in case["args"]]
    args = [from_tensor(np, a["tensor"]) for a in case["args"]]
    kwargs = dict((k, v) for k, v in (case.get("kwargs") or {}).items())
    returns = case["returns"]
    raw = as_tuple(fn(*[a.copy() for a in args], **kwargs), returns, fname, "returns")
    result = {"outputs": named(np, raw, returns, fname, "returns")}
    num = case.get("numeric")
    if num:
        k = returns.index(num["of"])
        result["numeric"] = {}
        for w in num["wrt"]:
            i = names.index(w)
            work = [a.copy() for a in args]

            def f(work=work):
                return as_tuple(fn(*work, **kwargs), returns, fname, "returns")[k]

            result["numeric"][w] = to_tensor(np, numeric_scalar(np, f, work[i], h), "numeric " + w, "numeric")
    return result


def run_backward(np, mod, case, h):
    fname, fwname = case["function"], case["forward"]
    bw = lookup(mod, fname)
    fw = lookup(mod, fwname)
    names = [a["name"] for a in case["args"]]
    args = [from_tensor(np, a["tensor"]) for a in case["args"]]
    fret = case["forward_returns"]
    douts = [from_tensor(np, d["tensor"]) for d in case["douts"]]
    returns = case["returns"]
    out_idx = [i for i, n in enumerate(fret) if n != "cache"]
    cache_idx = fret.index("cache")

    def forward(work):
        return as_tuple(fw(*work), fret, fwname, "forward")

    def backward(ds):
        fres = forward([a.copy() for a in args])
        raw = bw(*[d.copy() for d in ds], fres[cache_idx])
        return named(np, as_tuple(raw, returns, fname, "returns"), returns, fname, "returns"), fres

    result = {}
    phase = "forward"
    try:
        fres = forward([a.copy() for a in args])
        result["forward_outputs"] = named(np, fres, fret, fwname, "forward")
        phase = "backward"
        result["outputs"], _ = backward(douts)
        axis = case.get("mask_axis")
        if axis is not None:
            masked = []
            d0 = douts[0]
            for t in range(d0.shape[axis]):
                dm = np.zeros_like(d0)
                sl = [slice(None)] * d0.ndim
                sl[axis] = t
                dm[tuple(sl)] = d0[tuple(sl)]
                masked.append(backward([dm] + [np.zeros_like(d) for d in douts[1:]])[0])
            result["masked"] = masked
        phase = "numeric"
        result["numeric"] = {}
        for w in case.get("numeric") or []:
            i = names.index(w)
            work = [a.copy() for a in args]

            def f(work=work):
                r = forward(work)
                return [r[j] for j in out_idx]

            result["numeric"][w] = to_tensor(np, numeric_array(np, f, work[i], douts, h), "numeric " + w, "numeric")
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001
        e.gradlab_phase = phase
        raise
    return result


def accepted_kwargs(fn, kwargs):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return kwargs
    return dict((k, v) for k, v in kwargs.items() if k in params)


def run_model(np, mod, case, h):
    cls = lookup(mod, case["class"], "class")
    kwargs = dict(case.get("kwargs") or {})
    if "dtype" in kwargs:
        kwargs["dtype"] = np.float64
    try:
        model = cls(case["word_to_idx"], **accepted_kwargs(cls.__init__, kwargs))
    except Exception as e:  # noqa: BLE001
        e.gradlab_phase = "construct"
        raise
    params = getattr(model, "params", None)
    if not isinstance(params, dict):
        raise UserError("construct", "%s() has no dict self.params" % case["class"])
    want = case["params"]
    missing = [k for k in want if k not in params]
    if missing:
        raise UserError("construct", "self.params has no %s (has %s)" % (", ".join(missing), ", ".join(sorted(params))))
    for k, t in want.items():
        arr = from_tensor(np, t)
        have = np.shape(params[k])
        if tuple(have) != arr.shape:
            raise UserError(
                "construct",
                "self.params['%s'] has shape %s after __init__, expected %s" % (k, tuple(have), arr.shape),
            )
        params[k] = arr
    features = from_tensor(np, case["features"])
    method = case["method"]
    if method == "sample":
        fn = getattr(model, "sample")
        caps = fn(features.copy(), case["max_length"])
        return {"outputs": {"captions": to_tensor(np, caps, "sample's captions", "returns")}}
    captions = from_tensor(np, case["captions"])
    fn = getattr(model, "loss")
    raw = as_tuple(fn(features.copy(), captions.copy()), ["loss", "grads"], "loss", "returns")
    loss, grads = raw
    if not isinstance(grads, dict):
        raise UserError("returns", "loss returned grads of type %s, expected a dict keyed like self.params" % type(grads).__name__)
    outputs = {"loss": to_tensor(np, loss, "loss", "returns")}
    for k in want:
        if k not in grads:
            raise UserError("returns", "grads has no '%s' (has %s)" % (k, ", ".join(sorted(grads)) or "nothing"))
        outputs["d" + k] = to_tensor(np, grads[k], "grads['%s']" % k, "returns")
    result = {"outputs": outputs, "numeric": {}}
    if case.get("numeric", True):
        for k in want:

            def f():
                return as_tuple(fn(features, captions), ["loss", "grads"], "loss", "returns")[0]

            result["numeric"]["d" + k] = to_tensor(np, numeric_scalar(np, f, params[k], h), "numeric " + k, "numeric")
    return result


RUNNERS = {"call": run_call, "backward": run_backward, "model": run_model}


def run_case(np, mod, case, h):
    captured = io.StringIO()
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(captured):
            res = RUNNERS[case["kind"]](np, mod, case, h)
        res["ok"] = True
    except (Exception, SystemExit) as e:  # noqa: BLE001 - every user failure becomes a structured answer
        res = {"ok": False, "error": error_of(e, getattr(e, "gradlab_phase", "call"))}
    res["id"] = case.get("id", "")
    res["ms"] = (time.perf_counter() - t0) * 1000
    out = captured.getvalue()
    if out:
        res["stdout"] = out[-MAX_OUTPUT_CHARS:]
    return res


def main():
    info = {"python": sys.version.split()[0], "executable": sys.executable, "pid": os.getpid()}
    # numpy first, the job second: a process started ahead of time (the editor keeps one warm)
    # has paid for the import before the job arrives.
    try:
        import numpy as np
    except ImportError as e:
        np, numpy_error = None, e
    try:
        job = json.load(sys.stdin)
    except ValueError as e:
        emit({"ok": False, "error": {"phase": "job", "type": "JobError", "message": "bad job JSON: %s" % e, "frames": [], "traceback": ""}})
        return 2
    if np is None:
        emit(dict(info, ok=False, error={"phase": "numpy", "type": "ImportError", "message": str(numpy_error), "frames": [], "traceback": ""}))
        return 3
    info["numpy"] = np.__version__
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            mod = load_module(job["module"], job.get("root"))
    except BaseException as e:  # noqa: BLE001 - SystemExit in a user's module is also a load failure
        if isinstance(e, KeyboardInterrupt):
            raise
        emit(dict(info, ok=False, error=error_of(e, "import"), stdout=captured.getvalue()[-MAX_OUTPUT_CHARS:]))
        return 0
    h = float(job.get("h", 1e-5))
    # One line per case as soon as it is done, so the caller can time each function and keep the
    # results of those that finished when a later one never returns.
    emit(dict(info, ok=True))
    for c in job.get("cases", []):
        emit({"result": run_case(np, mod, c, h)})
    emit({"end": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
