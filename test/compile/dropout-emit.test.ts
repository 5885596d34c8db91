import { describe, expect, it } from 'vitest';
import { compileBackward, GRAD_OUTPUT } from '../../src/compile/backward-graph.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { nodeBackend } from '../../src/node/backend.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { floatTensor, node, rawTensor } from '../../src/onnx/builder.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Session } from '../../src/runtime/session.js';
import { buildSpecModel, type GraphSpec } from '../helpers/check-gradients.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

function bool(name: string, v: boolean) {
  return rawTensor(name, DataType.BOOL, [], Uint8Array.from([v ? 1 : 0]));
}

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
  it('is the identity in inference (ratio attribute, opset 11)', async () => {
    await expectEmitterMatches({
      nodes: [node('Dropout', ['x'], ['y', 'mask'], { ratio: 0.3 })],
      params: { x: { dims: [3, 4] } },
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('is the identity with a ratio input and training_mode false (opset 13)', async () => {
    await expectEmitterMatches({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'])],
      params: { x: { dims: [2, 3, 4] } },
      constants: [floatTensor('r', [], [0.4]), bool('t', false)],
      output: 'y',
    });
    await expectEmitterMatches({
      nodes: [node('Dropout', ['x'], ['y'])],
      params: { x: { dims: [5] } },
      output: 'y',
    });
  });

  it('is the identity in training mode with ratio 0', async () => {
    await expectEmitterMatches({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y'])],
      params: { x: { dims: [2, 3] } },
      constants: [floatTensor('r', [], [0]), bool('t', true)],
      output: 'y',
    });
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
