"""
The numpy side of the whole-process training workload of `npm run bench`: what
`gradlab train --batch 50 --epochs 20 --dtype f32` does, in one python process, with the
CS231n numpy layers of bench/reference.py:
  - the 50 training captions (the --max-train 50 subset) and 50 val captions written by bench/main.ts,
  - CaptioningRNN at the overfit sizes (H=512, W=256, rnn), float32 like the notebook,
  - per iteration: a minibatch drawn with replacement, loss + gradients, Adam (CS231n optim.adam),
    learning-rate decay 0.95 per epoch,
  - every 2nd epoch and after the last: the mean loss on the 50 train and the 50 val captions
    (forward only), as gradlab's default evaluation does,
  - every 2nd iteration and at the end: 3 train and 3 val captions sampled greedily (length T).

  python3 bench/train_reference.py --data DIR [--iterations 20] [--dtype f32|f64] [--cell rnn|lstm]

Prints one JSON line: wall seconds from process start to the first iteration's end and to the end.
"""
import time
T_START = time.perf_counter()
import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import CaptioningRNN, affine_forward, word_embedding_forward, rnn_forward, lstm_forward, \
    temporal_affine_forward, temporal_softmax_loss  # noqa: E402


def loss_only(m, features, captions):
    """The model's loss without the backward pass (what an evaluation needs)."""
    p = m.params
    captions_in, captions_out = captions[:, :-1], captions[:, 1:]
    mask = captions_out != 0
    h0, _ = affine_forward(features, p['W_proj'], p['b_proj'])
    x, _ = word_embedding_forward(captions_in, p['W_embed'])
    fwd = rnn_forward if m.cell_type == 'rnn' else lstm_forward
    h, _ = fwd(x, h0, p['Wx'], p['Wh'], p['b'])
    scores, _ = temporal_affine_forward(h, p['W_vocab'], p['b_vocab'])
    return temporal_softmax_loss(scores, captions_out, mask)[0]


def adam(w, dw, config):
    """CS231n optim.adam."""
    config.setdefault('learning_rate', 1e-3)
    config.setdefault('beta1', 0.9)
    config.setdefault('beta2', 0.999)
    config.setdefault('epsilon', 1e-8)
    config.setdefault('m', np.zeros_like(w))
    config.setdefault('v', np.zeros_like(w))
    config.setdefault('t', 0)
    config['t'] += 1
    config['m'] = config['beta1'] * config['m'] + (1 - config['beta1']) * dw
    config['v'] = config['beta2'] * config['v'] + (1 - config['beta2']) * dw ** 2
    mb = config['m'] / (1 - config['beta1'] ** config['t'])
    vb = config['v'] / (1 - config['beta2'] ** config['t'])
    next_w = w - config['learning_rate'] * mb / (np.sqrt(vb) + config['epsilon'])
    return next_w, config


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--iterations', type=int, default=20)
    ap.add_argument('--dtype', default='f32')
    ap.add_argument('--cell', default='rnn')
    ap.add_argument('--hidden', type=int, default=512)
    ap.add_argument('--wordvec', type=int, default=256)
    args = ap.parse_args()
    dtype = np.float32 if args.dtype == 'f32' else np.float64
    with open(os.path.join(args.data, 'train.json')) as f:
        man = json.load(f)

    def arr(name, dt, shape):
        return np.fromfile(os.path.join(args.data, name), dtype=dt).reshape(shape)
    n, nv, D, T1, V = man['n'], man['nVal'], man['D'], man['T1'], man['V']
    tf = arr('train.features', '<f4', (n, D)).astype(dtype)
    tc = arr('train.captions', '<i4', (n, T1))
    vf = arr('val.features', '<f4', (nv, D)).astype(dtype)
    vc = arr('val.captions', '<i4', (nv, T1))
    model = CaptioningRNN(V, D, args.wordvec, args.hidden, args.cell, dtype, seed=231)
    configs = {k: {'learning_rate': 5e-3} for k in model.params}
    rng = np.random.RandomState(231)
    batch, per_epoch = 50, max(n // 50, 1)
    first = None
    losses = []
    for it in range(args.iterations):
        rows = rng.randint(n, size=batch)
        loss, grads = model.loss(tf[rows], tc[rows])
        for k, w in model.params.items():
            model.params[k], configs[k] = adam(w, grads[k], configs[k])
        losses.append(float(loss))
        done = it + 1
        if first is None:
            first = time.perf_counter() - T_START
        if done % per_epoch == 0:
            epoch = done // per_epoch
            for c in configs.values():
                c['learning_rate'] *= 0.95
            if epoch % 2 == 0 or done == args.iterations:
                loss_only(model, tf, tc)
                loss_only(model, vf, vc)
        if done % 2 == 0 or done == args.iterations:
            model.sample(tf[:3], T1 - 1)
            model.sample(vf[:3], T1 - 1)
    end = time.perf_counter() - T_START
    print(json.dumps({'first_iteration_s': first, 'total_s': end, 'last_loss': losses[-1], 'iterations': args.iterations}))


if __name__ == '__main__':
    main()
