/** The function finder: CS231n layer functions by name and arity, model methods in a class with self.params. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { findFunctions } from '../../runtime/pycheck/finder';

const SRC = `import numpy as np

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    return None, None

@some_decorator
def rnn_step_backward(dnext_h, cache):
    pass

def temporal_softmax_loss(x, y, mask, verbose=False):
    pass

def lstm_forward(x, h0, Wx):
    pass

def helper(x):
    def rnn_forward(x, h0, Wx, Wh, b):
        pass

class CaptioningRNN(object):
    def __init__(self, word_to_idx, input_dim=512):
        self.params = {}

    def loss(self, features, captions):
        pass

    def sample(self, features, max_length=30):
        pass

class NotAModel:
    def loss(self, features, captions):
        pass
`;

describe('findFunctions', () => {
  const found = findFunctions(SRC);
  const by = Object.fromEntries(found.map((f) => [f.qualified, f]));

  it('finds module-level layer functions, decorated ones, and the model methods only in a class with self.params', () => {
    assert.deepEqual(found.map((f) => f.qualified), ['rnn_step_forward', 'rnn_step_backward', 'temporal_softmax_loss', 'lstm_forward', 'CaptioningRNN.loss', 'CaptioningRNN.sample']);
  });

  it('gives the 0-based position of the name and the def line (the decorator for decorated functions)', () => {
    assert.deepEqual([by.rnn_step_forward.line, by.rnn_step_forward.character, by.rnn_step_forward.endCharacter], [2, 4, 20]);
    assert.equal(by.rnn_step_backward.defLine, 5);
    assert.equal(by.rnn_step_backward.line, 6);
    assert.equal(by['CaptioningRNN.loss'].className, 'CaptioningRNN');
    assert.equal(by['CaptioningRNN.loss'].line, 23);
  });

  it('accepts extra parameters with defaults and names a wrong arity', () => {
    assert.equal(by.temporal_softmax_loss.problem, undefined);
    assert.equal(by['CaptioningRNN.sample'].problem, undefined);
    assert.equal(by.lstm_forward.problem, "lstm_forward takes 3 required arguments here; CS231n's takes 5: x, h0, Wx, Wh, b");
  });

  it('survives a file that does not parse completely', () => {
    const f = findFunctions('def rnn_forward(x, h0, Wx, Wh, b):\n    return (\n\ndef rnn_backward(dh, cache):\n    pass\n');
    assert.ok(f.some((x) => x.name === 'rnn_forward'));
  });
});
