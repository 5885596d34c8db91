import { describe, expect, it } from 'vitest';
import { compileBackward } from '../../src/compile/backward-graph.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { nodeBackend } from '../../src/node/backend.js';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { buildSpecModel, type GraphSpec } from '../helpers/check-gradients.js';
import { cases, maxPoolSpec } from '../grad/rules/max-pool.cases.js';

describe('MaxPool emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('masks windows that tile the input, with a remainder', async () => {
    await expectEmitterMatches(maxPoolSpec([2, 3, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] }));
    await expectEmitterMatches(maxPoolSpec([2, 2, 7, 8], { kernel_shape: [2, 3], strides: [2, 3] }));
  });

  it('gives a tie to the first maximum, as the TypeScript rule does', async () => {
    const tiled = Array.from({ length: 2 * 2 * 4 * 6 }, (_, i) => (i % 3 === 0 ? 1 : (i % 7) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], tiled));
    const overlap = Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => (i % 4 === 1 ? 0.5 : (i % 5) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], overlap));
  });

  it('gives a tie to the first maximum before opset 8 too (no Indices output)', async () => {
    const tiled = Array.from({ length: 2 * 2 * 4 * 6 }, (_, i) => (i % 3 === 0 ? 1 : (i % 7) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], tiled, 7));
    const overlap = Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => (i % 4 === 1 ? 0.5 : (i % 5) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], overlap, 7));
  });

  it('gives a tie to the first maximum in 3-D windows', async () => {
    const data = Array.from({ length: 2 * 2 * 4 * 4 * 4 }, (_, i) => (i % 5 === 1 ? 0.5 : (i % 3) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 4, 4], { kernel_shape: [2, 2, 2], strides: [2, 1, 2] }, ['y'], data));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 4, 4], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }, ['y'], data));
  });

  it('pools 1-D inputs without dilation or pads', async () => {
    await expectEmitterMatches(maxPoolSpec([3, 2, 13], { kernel_shape: [3], strides: [3] }));
  });
});

describe('MaxPool after a Relu', () => {
  // negatives (windows the Relu zeroes whole), exact zeros and positive ties
  const data = Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => (i % 5 === 0 ? -0.3 - (i % 3) * 0.1 : i % 7 === 0 ? 0 : i % 11 === 0 ? 0.5 : ((i * 37) % 101) / 101 - 0.2));
  const attrs = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
  const pooled: GraphSpec = {
    nodes: [node('Relu', ['x'], ['r']), node('MaxPool', ['r'], ['y'], attrs)], params: { x: { dims: [2, 3, 8, 8], data } }, output: 'y', opsetVersion: 17,
  };
  // r also feeds an average, so its gradient is a sum and the Relu masks it
  const shared: GraphSpec = {
    nodes: [node('Relu', ['x'], ['r']), node('MaxPool', ['r'], ['p'], attrs), node('GlobalAveragePool', ['r'], ['m']), node('Add', ['p', 'm'], ['y'])],
    params: { x: { dims: [2, 3, 8, 8], data } }, output: 'y', opsetVersion: 17,
  };

  /** The Greater nodes of the compiled backward graph that read `value`. */
  async function greaterOn(spec: GraphSpec, value: string): Promise<number> {
    const onnx = buildSpecModel(spec);
    const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: spec.output, trainable: Object.keys(spec.params) });
    try {
      const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, engine.currentWeights());
      return compileBackward(onnx, engine.plan, shapes).proto.graph!.node.filter((n) => n.op_type === 'Greater' && n.input[0] === value).length;
    } finally {
      await engine.dispose();
    }
  }

  it.each([17, 15, 9])('masks the pooled δ instead of the Relu\'s (opset %i), with the TypeScript rules\' gradients', async (v) => {
    const spec = { ...pooled, opsetVersion: v };
    await expectEmitterMatches(spec, 1e-6);
    expect(await greaterOn(spec, 'r')).toBe(0);
    expect(await greaterOn(spec, 'y')).toBe(1);
  });

  it('leaves the Relu its mask when its output has another reader', async () => {
    await expectEmitterMatches(shared, 1e-6);
    expect(await greaterOn(shared, 'r')).toBe(1);
    expect(await greaterOn(shared, 'p')).toBe(1);
  });
});
