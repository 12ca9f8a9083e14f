/**
 * The small notebook of the notebook tests (integration suite and UI test): the cells of
 * RNN_Captioning.ipynb's "Vanilla RNN: step forward" check, a misshapen call, a %%bash cell, and a
 * cell defining a buggy rnn_step_forward. No vscode import: both runners use it.
 */
export const NOTEBOOK_CELLS: { kind: 'code' | 'markdown'; source: string }[] = [
  { kind: 'markdown', source: '# Vanilla RNN: step forward' },
  { kind: 'code', source: 'import numpy as np\nfrom cs231n.rnn_layers import *\n%matplotlib inline\n%load_ext autoreload\n%autoreload 2' },
  { kind: 'code', source: 'N, D, H = 3, 10, 4\nx = np.linspace(-0.4, 0.7, num=N*D).reshape(N, D)\nprev_h = np.linspace(-0.2, 0.5, num=N*H).reshape(N, H)\nWx = np.linspace(-0.1, 0.9, num=D*H).reshape(D, H)\nWh = np.linspace(-0.3, 0.7, num=H*H).reshape(H, H)\nb = np.linspace(-0.2, 0.4, num=H)' },
  { kind: 'code', source: 'next_h, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)\nprint(next_h.shape)' },
  { kind: 'code', source: 'bad_h, _ = rnn_step_forward(x, prev_h, Wh, Wh, b)' },
  { kind: 'code', source: '%%bash\necho not python' },
  {
    kind: 'code',
    source: [
      'def my_step(x, prev_h, Wx, Wh, b):',
      '    return np.tanh(x.dot(Wx) + prev_h.dot(Wh) + b)',
      '',
      'def rnn_step_forward(x, prev_h, Wx, Wh, b):',
      '    # bug: the hidden-to-hidden term is missing',
      '    next_h = np.tanh(x.dot(Wx) + b)',
      '    return next_h, (x, prev_h, Wx, Wh, next_h)',
    ].join('\n'),
  },
];

export function notebookJson(cells: { kind: 'code' | 'markdown'; source: string }[]): string {
  return JSON.stringify({
    cells: cells.map((c) => ({
      cell_type: c.kind,
      metadata: {},
      source: c.source.split(/(?<=\n)/),
      ...(c.kind === 'code' ? { execution_count: null, outputs: [] } : {}),
    })),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  }, null, 1);
}

