/**
 * The losses of src/grad/losses.ts as ONNX nodes: the batch-mean loss and
 * ∂L/∂y, from the model output y viewed as [N, K] and the target (int64
 * labels [N], turned one-hot, or float targets with N·K values).
 */
import type { LossName } from '../grad/losses.js';
import type { GraphEmitter } from './emit.js';

export interface EmittedLoss {
  loss: string;
  grad: string;
}

/**
 * `opset` is the model's default-domain opset: the nodes emitted here must be
 * valid in it (ReduceSum takes its axes as an input from opset 13 only).
 */
export function emitLoss(e: GraphEmitter, name: LossName, y: string, yDims: readonly number[], target: string, labels: boolean, opset: number): EmittedLoss {
  const n = yDims[0] ?? 1;
  const k = yDims.slice(1).reduce((a, b) => a * b, 1);
  const op = (o: string, i: string[], a = {}) => e.add(o, i, a)[0]!;
  // y is already the [N, K] the losses read for a classifier's logits
  const flat = yDims.length === 2 && yDims[1] === k;
  const y2 = flat ? y : op('Reshape', [y, e.ints([n, k])]);
  // one-hot as labels[:, None] == [0 .. K−1]: valid at every opset (OneHot exists only from 9)
  const classes = e.ints(Array.from({ length: k }, (_, i) => i), [1, k]);
  const t = labels
    ? op('Cast', [op('Equal', [op('Reshape', [target, e.ints([n, 1])]), classes])], { to: 1 })
    : op('Reshape', [target, e.ints([n, k])]);
  const invN = e.floats([1 / n], []);
  const mean = (perElement: string) => op('Mul', [op('ReduceSum', [perElement], { keepdims: 0 }), invN]);
  let loss: string, grad2: string;
  if (name === 'mse') {
    const diff = op('Sub', [y2, t]);
    loss = mean(op('Mul', [op('Mul', [diff, diff]), e.floats([0.5], [])]));
    grad2 = op('Mul', [diff, invN]);
  } else if (name === 'cross-entropy') {
    const logp = op('LogSoftmax', [y2], { axis: 1 });
    // −(s·(1/N)) and s·(−1/N) round alike: one Mul instead of Mul and Neg
    loss = op('Mul', [op('ReduceSum', [op('Mul', [t, logp])], { keepdims: 0 }), e.floats([-1 / n], [])]);
    const tsum = opset >= 13 ? op('ReduceSum', [t, e.ints([1])], { keepdims: 1 }) : op('ReduceSum', [t], { axes: [1], keepdims: 1 });
    grad2 = op('Mul', [op('Sub', [op('Mul', [op('Exp', [logp]), tsum]), t]), invN]);
  } else {
    const zero = e.floats([0], []);
    const absY = op('Abs', [y2]);
    const softplus = op('Log', [op('Add', [e.floats([1], []), op('Exp', [op('Neg', [absY])])])]);
    loss = mean(op('Add', [op('Sub', [op('Max', [y2, zero]), op('Mul', [y2, t])]), softplus]));
    grad2 = op('Mul', [op('Sub', [op('Sigmoid', [y2]), t]), invN]);
  }
  const grad = flat ? grad2 : op('Reshape', [grad2, e.ints(yDims)]);
  e.setDims(grad, yDims);
  return { loss, grad };
}
