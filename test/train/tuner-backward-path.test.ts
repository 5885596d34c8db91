/**
 * Which backward path a Tuner takes when the compiled step cannot be built
 * for a node: an emitter's refusal (UnsupportedError) leaves the step to the
 * TypeScript rules with a notice naming the node, as a missing emitter does.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, int64Tensor, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner } from '../../src/train/tuner.js';
import { randoms } from './fixtures.js';

/** Conv → Resize to sizes an Add makes, keeping the aspect ratio (not_larger: 4×6 → 6×9) → Flatten → Gemm, at opset 18. */
function aspectNet(): OnnxModel {
  const rng = new Rng(3);
  const g = graph('aspect', [
    node('Conv', ['x', 'W1'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('Add', ['target', 'zero'], ['sizes']),
    node('Resize', ['c', '', '', 'sizes'], ['u'], { mode: 'linear', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, { name: 'up' }),
    node('Flatten', ['u'], ['f']),
    node('Gemm', ['f', 'W2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 4, 6])], [valueInfo('logits', DataType.FLOAT, [2, 3])], [
    floatTensor('W1', [2, 1, 3, 3], randoms(18, rng)), int64Tensor('target', [2], [6, 10]), int64Tensor('zero', [2], [0, 0]),
    floatTensor('W2', [3, 108], randoms(324, rng)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 18)] }), 'aspect.onnx');
}

describe('Tuner backward path', () => {
  it('trains through the TypeScript rules, with a notice naming the node, where an emitter refuses it', async () => {
    const notices: string[] = [];
    const t = await Tuner.create(aspectNet(), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, onNotice: (m) => notices.push(m) });
    try {
      expect(t.backwardPath).toBe('compiled');
      const rng = new Rng(8);
      const batch = { feeds: { x: { dims: [2, 1, 4, 6], data: Float32Array.from({ length: 48 }, () => rng.next() - 0.5) } }, target: { dims: [2], data: BigInt64Array.from([0n, 2n]) } };
      const first = await t.trainStep(batch);
      const second = await t.trainStep(batch);
      expect(t.backwardPath).toBe('typescript');
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/backward runs in TypeScript.*'up'.*keep_aspect_ratio_policy/);
      expect(Number.isFinite(first.loss) && second.loss < first.loss).toBe(true);
    } finally {
      await t.dispose();
    }
  });
});
