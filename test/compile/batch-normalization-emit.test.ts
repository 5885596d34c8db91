import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { UnsupportedError } from '../../src/errors.js';
import { batchNormalization } from '../../src/grad/rules/batch-normalization.js';
import type { NodeView } from '../../src/graph/graph.js';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { bnSpec, cases, stats, view } from '../grad/rules/batch-normalization.cases.js';

describe('BatchNormalization emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('trains scale alone behind a frozen input', async () => {
    const spec = bnSpec([2, 3, 4, 3]);
    const { mean, variance } = stats(3, 3);
    await expectEmitterMatches({
      ...spec,
      params: { scale: { dims: [3] } },
      constants: [floatTensor('x', [2, 3, 4, 3], Array.from({ length: 72 }, (_, i) => Math.sin(i))), floatTensor('b', [3], [0.1, -0.2, 0.3]),
        floatTensor('mean', [3], mean), floatTensor('var', [3], variance)],
    });
  });

  it('refuses training mode, naming the node', () => {
    const shapes = new Map<string, readonly number[]>([['x', [1, 2]], ['s', [2]], ['y', [1, 2]]]);
    const ctxFor = (n: NodeView, opset: number) => new GraphEmitter(shapes).context({
      node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true, false, false, false, false], opset,
    });
    const n = view(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { training_mode: 1 }, { name: 'bn1' }));
    expect(() => batchNormalization.emit!(ctxFor(n, 15))).toThrow(UnsupportedError);
    expect(() => batchNormalization.emit!(ctxFor(n, 15))).toThrow(/'bn1'/);
    const legacy = view(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv'], {}, { name: 'bn9' }));
    expect(() => batchNormalization.emit!(ctxFor(legacy, 9))).toThrow(/'bn9'.*training/);
  });
});
