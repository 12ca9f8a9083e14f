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
Answer, one JSON object per line: {"stage": "numpy"} as soon as numpy is imported (before the job
is read), then a header {"ok": true, "python": ..., "numpy": ...} once the module is imported, then
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
import re
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
    out = {"shape": shape, "dtype": "float64", "data": [encode_float(float(v)) for v in flat]}
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 8:
        # float32 (or float16) results: compared with a tolerance for their rounding, and a hint.
        out["from"] = str(arr.dtype)
    return out


def from_tensor(np, t):
    dtype = {"float64": np.float64, "int64": np.int64, "bool": np.bool_}[t.get("dtype", "float64")]
    data = t["data"]
    if dtype is np.float64:
        data = [float(v) for v in data]  # also "nan", "inf", "-inf"
    return np.array(data, dtype=dtype).reshape(t["shape"])


# ---------------------------------------------------------------- errors


def _library_dirs():
    import sysconfig

    out = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            p = sysconfig.get_paths().get(key)
        except Exception:  # noqa: BLE001
            p = None
        if p:
            out.add(os.path.join(os.path.realpath(p), ""))
    out.add(os.path.join(os.path.realpath(os.path.dirname(importlib.__file__)), ""))
    return tuple(out)


_LIBRARY_DIRS = []


def hidden_frame(filename):
    """Frames the user never wrote: this driver, the import machinery (frozen or importlib/*.py),
    the standard library and installed packages (numpy)."""
    if filename.startswith("<") or os.path.abspath(filename) == DRIVER_FILE:
        return True
    if not _LIBRARY_DIRS:
        _LIBRARY_DIRS.append(_library_dirs())  # only when an error is reported: startup stays as it was
    return os.path.realpath(filename).startswith(_LIBRARY_DIRS[0])


def frames_of(tb, exc=None):
    """Traceback frames of the user's code (not this driver, not importlib), innermost last."""
    out = []
    for fs in traceback.extract_tb(tb):
        if hidden_frame(fs.filename):
            continue
        out.append({"file": os.path.abspath(fs.filename), "line": fs.lineno, "function": fs.name, "text": (fs.line or "").strip()})
    if isinstance(exc, SyntaxError) and exc.filename and not hidden_frame(exc.filename):
        # A syntax error's own line is not a frame: it is where the parser stopped.
        out.append({"file": os.path.abspath(exc.filename), "line": exc.lineno or 1, "function": "<module>", "text": (exc.text or "").strip()})
    return out


def error_of(exc, phase):
    if isinstance(exc, UserError):
        return {"phase": exc.phase, "type": "ReturnError", "message": str(exc), "frames": [], "traceback": ""}
    tb_lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    # Drop the driver's and importlib's frames from the printed text too: the user never wrote them.
    text = "".join(line for line in tb_lines if not (line.startswith("  File \"") and hidden_frame(line.split("\"")[1])))
    message = exc.msg if isinstance(exc, SyntaxError) and exc.msg else str(exc)
    out = {
        "phase": phase,
        "type": type(exc).__name__,
        "message": message,
        "frames": frames_of(exc.__traceback__, exc),
        "traceback": text[-MAX_OUTPUT_CHARS:],
    }
    if isinstance(exc, SyntaxError) and exc.filename and not hidden_frame(exc.filename):
        py2 = python2_marks(exc.filename)
        if py2:
            out["python2"] = py2
    return out


# Python 2 code: what the 2016 starter files and old solutions contain, with what to write instead.
PY2_PATTERNS = [
    ("print", re.compile(r"(^\s*|:\s*)print(\s+[^\s=(.,)\[]|\s*$|\s+\(.*\)\s*,)"), "print statement: write print(...)"),
    ("except", re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:"), "except X, e: write except X as e:"),
    ("raise", re.compile(r"^\s*raise\s+[\w.]+\s*,"), "raise E, 'message': write raise E('message')"),
    ("exec", re.compile(r"^\s*exec\s+[\"'\w]"), "exec statement: write exec(...)"),
    ("<>", re.compile(r"<>"), "<> : write !="),
    ("xrange", re.compile(r"\bxrange\s*\("), "xrange: write range"),
    ("iteritems", re.compile(r"\.iter(items|keys|values)\s*\("), ".iteritems(): write .items()"),
    ("has_key", re.compile(r"\.has_key\s*\("), ".has_key(k): write k in d"),
]


def python2_marks(filename):
    """Lines of a file that are Python 2 only: [{"line", "what", "fix"}], empty for Python 3 code."""
    try:
        with io.open(filename, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().split("\n")
    except (OSError, IOError):
        return []
    out = []
    for i, text in enumerate(lines):
        code = text.split("#", 1)[0]
        for what, rx, fix in PY2_PATTERNS:
            if rx.search(code):
                out.append({"line": i + 1, "what": what, "fix": fix, "text": text.strip()[:120]})
                break
    # Only a file that Python 3 cannot parse because of such lines is called Python 2.
    return out if any(m["what"] in ("print", "except", "raise", "exec", "<>") for m in out) else []


# ---------------------------------------------------------------- loading


def package_top(path):
    """(folder holding the top package, dotted module name) for a file inside a package such as
    cs231n/ (with __init__.py files, or a namespace package named cs231n as Python 3 allows), else
    (its own folder, its stem)."""
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
    if len(parts) == 1:
        # No __init__.py: still the notebook's `from cs231n.x import *` when a folder on the way up is cs231n.
        chain = []
        d = folder
        for _ in range(4):
            chain.insert(0, os.path.basename(d))
            if os.path.basename(d) == "cs231n":
                return os.path.dirname(d), chain + [stem]
            parent = os.path.dirname(d)
            if parent == d:
                break
            d = parent
    return top, parts


def load_module(path, root):
    """Imports the user's file the way their notebook does: the notebook runs in the folder that
    holds cs231n/ (its working directory and sys.path[0]) and says `from cs231n.rnn_layers import *`
    or `from cs231n.classifiers.rnn import CaptioningRNN`, so the package's own imports, relative
    or absolute, resolve as they do there."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    top, parts = package_top(path)
    if len(parts) > 1:
        try:
            os.chdir(top)  # the notebook's working directory (files it opens by relative path)
        except OSError:
            pass
    # A package's own folder is not put on the path: its module names (cs231n/layers.py) must not
    # shadow anything; its files import each other through the package, as in the notebooks.
    for p in (root,) + ((folder,) if len(parts) == 1 else ()) + (top,):
        if p and p in sys.path:
            sys.path.remove(p)
        if p:
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


def enclosing(tree_body, line, prefix=""):
    """The qualified name of the function (or Class.method) whose lines hold `line`."""
    import ast

    for node in tree_body:
        end = getattr(node, "end_lineno", None) or node.lineno
        if not (node.lineno <= line <= end):
            continue
        if isinstance(node, ast.ClassDef):
            inner = enclosing(node.body, line, node.name + ".")
            return inner or node.name
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return prefix + node.name
    return ""


def source_hints(path):
    """Code that works in the notebook only by luck, found in the source: `is` / `is not` with a
    string literal (CPython interns the literal, so `self.cell_type is 'rnn'` holds there)."""
    import ast

    try:
        with io.open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), path)
    except Exception:  # noqa: BLE001 - the import reports it
        return []
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left] + list(node.comparators)
        for i, op in enumerate(node.ops):
            if not isinstance(op, (ast.Is, ast.IsNot)):
                continue
            a, b = operands[i], operands[i + 1]
            lit = next((x for x in (b, a) if isinstance(x, ast.Constant) and isinstance(x.value, str)), None)
            if lit is None:
                continue
            other = a if lit is b else b
            try:
                other_text = ast.unparse(other)
            except Exception:  # noqa: BLE001
                other_text = "..."
            word = "is not" if isinstance(op, ast.IsNot) else "is"
            eq = "!=" if isinstance(op, ast.IsNot) else "=="
            out.append({
                "kind": "is-literal",
                "line": node.lineno,
                "function": enclosing(tree.body, node.lineno),
                "message": "compare%%s a string with `%s` (%s %s %r): it holds in the notebook because Python keeps one "
                "copy of a short literal string, but a string made at run time (read from a file, joined, passed in from "
                "elsewhere) fails it; write %s %s %r" % (word, other_text, word, lit.value, other_text, eq, lit.value),
            })
    out.sort(key=lambda h: h["line"])
    return out


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


def changed_in_place(np, before, after, names, fname):
    """Hints for arguments the user's function changed (in place): fine here, a trap elsewhere."""
    out = []
    for b, a, n in zip(before, after, names):
        try:
            same = b.shape == a.shape and bool(np.array_equal(b, a, equal_nan=True))
        except Exception:  # noqa: BLE001
            same = True
        if not same:
            out.append({
                "kind": "in-place",
                "message": "%s changes its argument %s in place. The verdict stands (every call here gets a fresh "
                "copy, as every notebook cell builds its own), but a caller that uses %s afterwards sees the changed "
                "values: work on a copy (%s = %s.copy()) or on new arrays" % (fname, n, n, n, n),
            })
    return out


def interned(kwargs):
    """Strings as the notebook passes them: literals, which CPython interns, so `cell_type is 'rnn'`
    holds here exactly when it holds there (a string read from JSON is a different object)."""
    return dict((k, sys.intern(v) if isinstance(v, str) else v) for k, v in kwargs.items())


def run_call(np, mod, case, h):
    fname = case["function"]
    fn = lookup(mod, fname)
    names = [a["name"] for a in case["args"]]
    args = [from_tensor(np, a["tensor"]) for a in case["args"]]
    kwargs = interned(case.get("kwargs") or {})
    returns = case["returns"]
    given = [a.copy() for a in args]
    raw = as_tuple(fn(*given, **kwargs), returns, fname, "returns")
    result = {"outputs": named(np, raw, returns, fname, "returns")}
    hints = changed_in_place(np, args, given, names, fname)
    if hints:
        result["hints"] = hints
    num = case.get("numeric")
    if num:
        k = returns.index(num["of"])
        result["numeric"] = {}
        for w in num["wrt"]:
            i = names.index(w)
            work = [a.copy() for a in args]

            def f(work=work):
                # A fresh copy per call: code that changes its inputs in place must not move the point.
                return as_tuple(fn(*[a.copy() for a in work], **kwargs), returns, fname, "returns")[k]

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

    hints = []

    def backward(ds, watch=False):
        fres = forward([a.copy() for a in args])
        given = [d.copy() for d in ds]
        raw = bw(*given, fres[cache_idx])
        if watch:
            hints.extend(changed_in_place(np, ds, given, [d["name"] for d in case["douts"]], fname))
        return named(np, as_tuple(raw, returns, fname, "returns"), returns, fname, "returns"), fres

    result = {}
    phase = "forward"
    try:
        given = [a.copy() for a in args]
        fres = forward(given)
        hints.extend(changed_in_place(np, args, given, names, fwname))
        result["forward_outputs"] = named(np, fres, fret, fwname, "forward")
        phase = "backward"
        result["outputs"], _ = backward(douts, True)
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
                r = forward([a.copy() for a in work])
                return [r[j] for j in out_idx]

            result["numeric"][w] = to_tensor(np, numeric_array(np, f, work[i], douts, h), "numeric " + w, "numeric")
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001
        e.gradlab_phase = phase
        raise
    if hints:
        result["hints"] = hints
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
    kwargs = interned(case.get("kwargs") or {})
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
        given = features.copy()
        caps = fn(given, case["max_length"])
        if isinstance(caps, (tuple, list)) and len(caps) == 1:
            caps = caps[0]
        result = {"outputs": {"captions": to_tensor(np, caps, "sample's captions", "returns")}}
        hints = changed_in_place(np, [features], [given], ["features"], "sample")
        if hints:
            result["hints"] = hints
        return result
    captions = from_tensor(np, case["captions"])
    fn = getattr(model, "loss")
    given = [features.copy(), captions.copy()]
    raw = as_tuple(fn(*given), ["loss", "grads"], "loss", "returns")
    loss, grads = raw
    hints = changed_in_place(np, [features, captions], given, ["features", "captions"], "loss")
    if not isinstance(grads, dict):
        raise UserError("returns", "loss returned grads of type %s, expected a dict keyed like self.params" % type(grads).__name__)
    outputs = {"loss": to_tensor(np, loss, "loss", "returns")}
    for k in want:
        if k not in grads:
            raise UserError("returns", "grads has no '%s' (has %s)" % (k, ", ".join(sorted(grads)) or "nothing"))
        outputs["d" + k] = to_tensor(np, grads[k], "grads['%s']" % k, "returns")
    result = {"outputs": outputs, "numeric": {}}
    if hints:
        result["hints"] = hints
    if case.get("numeric", True):
        for k in want:

            def f():
                return as_tuple(fn(features.copy(), captions.copy()), ["loss", "grads"], "loss", "returns")[0]

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
    else:
        # Python is up and numpy imported: the caller's time limit for the user's module starts here
        # (a busy machine can make this part slow; it is not the user's code).
        emit({"stage": "numpy"})
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
    info["hints"] = source_hints(os.path.abspath(job["module"]))
    # One line per case as soon as it is done, so the caller can time each function and keep the
    # results of those that finished when a later one never returns.
    emit(dict(info, ok=True))
    for c in job.get("cases", []):
        emit({"result": run_case(np, mod, c, h)})
    emit({"end": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
