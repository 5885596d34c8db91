/** Small models and datasets for the training tests. */
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { OnnxModel } from '../../src/model.js';
import type { Dataset } from '../../src/train/data/dataset.js';
import { Rng } from '../../src/train/rng.js';

/** n values uniform in [−s, s). */
export function randoms(n: number, rng: Rng, s = 0.5): number[] {
  return Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
}

/** x [N,6] → Gemm(6→8) → Tanh → Gemm(8→3) → logits [N,3]. */
export function mlp(seed = 3, opsetVersion = 17): OnnxModel {
  const rng = new Rng(seed);
  const g = graph('mlp', [
    node('Gemm', ['x', 'W1', 'b1'], ['h'], { transB: 1 }, { name: 'fc1' }),
    node('Tanh', ['h'], ['a'], {}, { name: 'act1' }),
    node('Gemm', ['a', 'W2', 'b2'], ['logits'], { transB: 1 }, { name: 'fc2' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 6])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [8, 6], randoms(48, rng)), floatTensor('b1', [8], randoms(8, rng, 0.1)),
    floatTensor('W2', [3, 8], randoms(24, rng)), floatTensor('b2', [3], randoms(3, rng, 0.1)),
  ]);
  const m = model(g, { opsets: [opset('', opsetVersion)] });
  m.metadata_props.push({ key: 'author', value: 'tests' });
  return new OnnxModel(m, 'mlp.onnx');
}

/** Three Gaussian blobs in 6-D, labels 0..2. */
export function blobs(n: number, seed = 5): Dataset {
  const rng = new Rng(seed);
  const centres = [[1, 0, 0, 1, 0, 0], [0, 1, 0, 0, 1, 0], [0, 0, 1, 0, 0, 1]];
  const x = new Float32Array(n * 6);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let k = 0; k < 6; k++) x[i * 6 + k] = centres[c]![k]! + 0.3 * rng.normal();
  }
  return { name: 'blobs', size: n, sampleShape: [6], x, labels, classes: ['a', 'b', 'c'] };
}
