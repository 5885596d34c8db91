import { describe, expect, it } from 'vitest';
import { compileBackward, GRAD_OUTPUT } from '../../src/compile/backward-graph.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Session } from '../../src/runtime/session.js';
import { buildSpecModel, type GraphSpec } from '../helpers/check-gradients.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { bool, cases } from '../grad/rules/dropout.cases.js';

/** ∂L/∂x from the compiled backward graph alone, for ∂L/∂y = 1. */
async function compiledGrad(spec: GraphSpec): Promise<Float32Array> {
  const onnx = buildSpecModel(spec);
  const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: spec.output, trainable: ['x'] });
  try {
    const weights = engine.currentWeights();
    const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, weights);
    const compiled = compileBackward(onnx, engine.plan, shapes);
    const session = await Session.create(nodeBackend, encodeModel(compiled.proto), [], { label: 'compiled.onnx' });
    try {
      const dims = shapes.get(spec.output)!;
      const ones = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(1);
      const out = await session.run({ x: { dims: spec.params['x']!.dims, data: weights.get('x')! }, [GRAD_OUTPUT]: { dims, data: ones } });
      return out[compiled.grads.get('x')!]!.data as Float32Array;
    } finally {
      await session.dispose();
    }
  } finally {
    await engine.dispose();
  }
}

describe('Dropout emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('gives a non-finite gradient for random dropout, which cannot be refused before run time', async () => {
    const withRatio = await compiledGrad({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'])],
      params: { x: { dims: [2, 3] } },
      constants: [floatTensor('r', [], [0.5]), bool('t', true)],
      output: 'y',
    });
    expect(Array.from(withRatio).every((v) => Number.isNaN(v))).toBe(true);
    const defaultRatio = await compiledGrad({
      nodes: [node('Dropout', ['x', '', 't'], ['y'])],
      params: { x: { dims: [4] } },
      constants: [bool('t', true)],
      output: 'y',
    });
    expect(Array.from(defaultRatio).every((v) => Number.isNaN(v))).toBe(true);
    const off = await compiledGrad({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y'])],
      params: { x: { dims: [4] } },
      constants: [floatTensor('r', [], [0.5]), bool('t', false)],
      output: 'y',
    });
    expect(Array.from(off)).toEqual([1, 1, 1, 1]);
  });
});
