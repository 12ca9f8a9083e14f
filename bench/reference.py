#!/usr/bin/env python3
"""numpy side of `npm run bench`: the CS231n captioning layers (rnn_layers.py / rnn.py semantics),
timed on the same workloads as the engine. Prints one JSON object on stdout.

  python3 bench/reference.py --workloads a,b,c --repeats 7 [--gradcheck-repeats 1]

The BLAS thread count is set by the caller through OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS in this process's environment (it must be set before numpy is imported).
"""
import argparse
import json
import os
import sys
import time

import numpy as np


# ---------------------------------------------------------------- layers (CS231n semantics)

def sigmoid(x):
    pos = x >= 0
    neg = ~pos
    z = np.zeros_like(x)
    z[pos] = np.exp(-x[pos])
    z[neg] = np.exp(x[neg])
    top = np.ones_like(x)
    top[neg] = z[neg]
    return top / (1 + z)


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1).dot(w) + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)
    return da.dot(Wx.T), da.dot(Wh.T), x.T.dot(da), prev_h.T.dot(da), np.sum(da, axis=0)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    caches = []
    prev = h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t, :], prev, Wx, Wh, b)
        h[:, t, :] = prev
        caches.append(c)
    return h, caches


def rnn_backward(dh, caches):
    N, T, H = dh.shape
    x0, _, Wx, Wh, _ = caches[0]
    D = x0.shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(H, dtype=dh.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dxt, dprev, dWxt, dWht, dbt = rnn_step_backward(dh[:, t, :] + dprev, caches[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    return dx, dprev, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    tc = np.tanh(next_c)
    next_h = o * tc
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    dc = dnext_c + dnext_h * o * (1 - tc * tc)
    da = np.hstack((dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o), dc * i * (1 - g * g)))
    return da.dot(Wx.T), da.dot(Wh.T), dc * f, x.T.dot(da), prev_h.T.dot(da), np.sum(da, axis=0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H), dtype=x.dtype)
    prev_h, prev_c = h0, np.zeros_like(h0)
    caches = []
    for t in range(T):
        prev_h, prev_c, c = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        caches.append(c)
    return h, caches


def lstm_backward(dh, caches):
    N, T, H = dh.shape
    x0, _, _, Wx, Wh = caches[0][:5]
    D = x0.shape[1]
    dx = np.zeros((N, T, D), dtype=dh.dtype)
    dWx = np.zeros_like(Wx)
    dWh = np.zeros_like(Wh)
    db = np.zeros(4 * H, dtype=dh.dtype)
    dprev_h = np.zeros((N, H), dtype=dh.dtype)
    dprev_c = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dxt, dprev_h, dprev_c, dWxt, dWht, dbt = lstm_step_backward(dh[:, t, :] + dprev_h, dprev_c, caches[t])
        dx[:, t, :] = dxt
        dWx += dWxt
        dWh += dWht
        db += dbt
    return dx, dprev_h, dWx, dWh, db


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW


def temporal_affine_forward(x, w, b):
    N, T, D = x.shape
    M = b.shape[0]
    out = x.reshape(N * T, D).dot(w).reshape(N, T, M) + b
    return out, (x, w, b, out)


def temporal_affine_backward(dout, cache):
    x, w, b, out = cache
    N, T, D = x.shape
    M = b.shape[0]
    dx = dout.reshape(N * T, M).dot(w.T).reshape(N, T, D)
    dw = dout.reshape(N * T, M).T.dot(x.reshape(N * T, D)).T
    db = dout.sum(axis=(0, 1))
    return dx, dw, db


def temporal_softmax_loss(x, y, mask):
    N, T, V = x.shape
    x_flat = x.reshape(N * T, V)
    y_flat = y.reshape(N * T)
    mask_flat = mask.reshape(N * T)
    probs = np.exp(x_flat - np.max(x_flat, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    loss = -np.sum(mask_flat * np.log(probs[np.arange(N * T), y_flat])) / N
    dx_flat = probs.copy()
    dx_flat[np.arange(N * T), y_flat] -= 1
    dx_flat /= N
    dx_flat *= mask_flat[:, None]
    return loss, dx_flat.reshape(N, T, V)


def load_inputs(data_dir, key, dtype):
    """Parameters, features and captions written by bench/main.ts (raw little-endian arrays)."""
    with open(os.path.join(data_dir, 'manifest.json')) as f:
        man = json.load(f)[key]
    def arr(name, dt):
        return np.fromfile(os.path.join(data_dir, f'{key}.{name}'), dtype=dt).reshape(man[name])
    params = {k: arr(k, '<f8').astype(dtype) for k in man['params']}
    return params, arr('features', '<f8').astype(dtype), arr('captions', '<i4')


class CaptioningRNN:
    def __init__(self, V, input_dim, wordvec_dim, hidden_dim, cell_type, dtype, seed=0, params=None):
        self.cell_type = cell_type
        self._null, self._start = 0, 1
        rng = np.random.RandomState(seed)
        g = 4 if cell_type == 'lstm' else 1
        D, W, H = input_dim, wordvec_dim, hidden_dim
        p = {
            'W_embed': rng.randn(V, W) / 100,
            'W_proj': rng.randn(D, H) / np.sqrt(D),
            'b_proj': np.zeros(H),
            'Wx': rng.randn(W, g * H) / np.sqrt(W),
            'Wh': rng.randn(H, g * H) / np.sqrt(H),
            'b': np.zeros(g * H),
            'W_vocab': rng.randn(H, V) / np.sqrt(H),
            'b_vocab': np.zeros(V),
        }
        self.params = {k: v.astype(dtype) for k, v in p.items()}
        if params is not None:
            for k, v in params.items():
                assert v.shape == self.params[k].shape, (k, v.shape, self.params[k].shape)
            self.params = params

    def loss(self, features, captions):
        captions_in = captions[:, :-1]
        captions_out = captions[:, 1:]
        mask = captions_out != self._null
        p = self.params
        h0, cache_proj = affine_forward(features, p['W_proj'], p['b_proj'])
        x, cache_embed = word_embedding_forward(captions_in, p['W_embed'])
        if self.cell_type == 'rnn':
            h, cache_seq = rnn_forward(x, h0, p['Wx'], p['Wh'], p['b'])
        else:
            h, cache_seq = lstm_forward(x, h0, p['Wx'], p['Wh'], p['b'])
        scores, cache_vocab = temporal_affine_forward(h, p['W_vocab'], p['b_vocab'])
        loss, dscores = temporal_softmax_loss(scores, captions_out, mask)
        grads = {}
        dh, grads['W_vocab'], grads['b_vocab'] = temporal_affine_backward(dscores, cache_vocab)
        if self.cell_type == 'rnn':
            dx, dh0, grads['Wx'], grads['Wh'], grads['b'] = rnn_backward(dh, cache_seq)
        else:
            dx, dh0, grads['Wx'], grads['Wh'], grads['b'] = lstm_backward(dh, cache_seq)
        grads['W_embed'] = word_embedding_backward(dx, cache_embed)
        _, grads['W_proj'], grads['b_proj'] = affine_backward(dh0, cache_proj)
        return loss, grads

    def sample(self, features, max_length=30):
        N = features.shape[0]
        captions = self._null * np.ones((N, max_length), dtype=np.int32)
        p = self.params
        h, _ = affine_forward(features, p['W_proj'], p['b_proj'])
        c = np.zeros_like(h)
        words = self._start * np.ones(N, dtype=np.int32)
        for t in range(max_length):
            x = p['W_embed'][words]
            if self.cell_type == 'rnn':
                h, _ = rnn_step_forward(x, h, p['Wx'], p['Wh'], p['b'])
            else:
                h, c, _ = lstm_step_forward(x, h, c, p['Wx'], p['Wh'], p['b'])
            scores = h.dot(p['W_vocab']) + p['b_vocab']
            words = np.argmax(scores, axis=1)
            captions[:, t] = words
        return captions


def eval_numerical_gradient(f, x, h=1e-5):
    """CS231n gradient_check.eval_numerical_gradient (without the per-element printing)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


# ---------------------------------------------------------------- workloads

BIG = dict(N=50, T=16, D=512, W=256, H=512, V=1004)
SMALL = dict(N=10, T=13, D=20, W=30, H=40, V=3)


def make_data(s, dtype, seed):
    rng = np.random.RandomState(seed)
    features = rng.randn(s['N'], s['D']).astype(dtype)
    captions = rng.randint(3, s['V'], size=(s['N'], s['T'] + 1)).astype(np.int32) if s['V'] > 3 else \
        rng.randint(0, s['V'], size=(s['N'], s['T'] + 1)).astype(np.int32)
    captions[:, 0] = 1
    for i in range(s['N']):  # NULL padding at the end of some captions, like real data
        cut = s['T'] + 1 - (i % 5)
        captions[i, cut:] = 0
    return features, captions


def timeit(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {'wall_ms': float(np.median(wall) * 1e3), 'cpu_ms': float(np.median(cpu) * 1e3), 'samples': len(wall)}


def model_and_data(data_dir, key, s, cell, dtype, seed):
    if data_dir:
        params, features, captions = load_inputs(data_dir, key, dtype)
        return CaptioningRNN(s['V'], s['D'], s['W'], s['H'], cell, dtype, params=params), features, captions
    features, captions = make_data(s, dtype, seed)
    return CaptioningRNN(s['V'], s['D'], s['W'], s['H'], cell, dtype), features, captions


def workload(name, repeats, gc_repeats, data_dir=None):
    kind, *rest = name.split('-')
    if kind == 'train':
        cell, dt = rest
        dtype = np.float64 if dt == 'f64' else np.float32
        m, features, captions = model_and_data(data_dir, f'big-{cell}', BIG, cell, dtype, 1)
        r = timeit(lambda: m.loss(features, captions), repeats)
        r['loss'] = float(m.loss(features, captions)[0])
        return r
    if kind == 'sample':
        cell, dt = rest
        dtype = np.float64 if dt == 'f64' else np.float32
        m, features, _ = model_and_data(data_dir, f'sample-{cell}', BIG, cell, dtype, 2)
        r = timeit(lambda: m.sample(features, 30), repeats)
        r['captions'] = m.sample(features, 30).reshape(-1).tolist()
        return r
    if kind == 'gradcheck':
        (cell,) = rest
        m, features, captions = model_and_data(data_dir, f'small-{cell}', SMALL, cell, np.float64, 3)

        def check():
            _, grads = m.loss(features, captions)
            worst = 0.0
            for k in sorted(m.params):
                f = lambda _: m.loss(features, captions)[0]
                num = eval_numerical_gradient(f, m.params[k], h=1e-6)
                err = np.max(np.abs(num - grads[k]) / np.maximum(1e-8, np.abs(num) + np.abs(grads[k])))
                worst = max(worst, float(err))
            return worst

        worst = []
        r = timeit(lambda: worst.append(check()), gc_repeats, warmup=0)
        r['worst_rel_error'] = worst[-1]
        return r
    if kind == 'gemm':
        (dt,) = rest
        dtype = np.float64 if dt == 'f64' else np.float32
        rng = np.random.RandomState(4)
        a = (rng.rand(800, 512) * 2 - 1).astype(dtype)
        b = (rng.rand(512, 1004) * 2 - 1).astype(dtype)
        out = np.empty((800, 1004), dtype=dtype)
        r = timeit(lambda: np.dot(a, b, out=out), max(repeats, 7), warmup=3)
        r['gflops'] = 2 * 800 * 512 * 1004 / (r['wall_ms'] * 1e6)
        return r
    raise SystemExit(f'reference.py: unknown workload "{name}"')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--workloads', required=True)
    ap.add_argument('--repeats', type=int, default=7)
    ap.add_argument('--gradcheck-repeats', type=int, default=1)
    ap.add_argument('--data', help='directory with the parameters and data written by bench/main.ts')
    args = ap.parse_args()
    out = {
        'numpy': np.__version__,
        'blas_threads': os.environ.get('OPENBLAS_NUM_THREADS'),
        'results': {},
    }
    for name in args.workloads.split(','):
        out['results'][name] = workload(name, args.repeats, args.gradcheck_repeats, args.data)
        print(f'reference.py: {name} done', file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
