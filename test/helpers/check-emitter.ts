/**
 * Test helper: the gradients of the compiled backward graph (every rule's
 * emitter, run by ONNX Runtime) against the TypeScript rules on the same graph.
 */
import { expect } from 'vitest';
import { compileBackward, GRAD_OUTPUT } from '../../src/compile/backward-graph.js';
import { recordShapePass } from '../../src/compile/shapes.js';
import type { EmitterOptions } from '../../src/compile/emit.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { computeLoss } from '../../src/grad/losses.js';
import { nodeBackend } from '../../src/node/backend.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Session } from '../../src/runtime/session.js';
import { Rng } from '../../src/train/rng.js';
import { buildSpecModel, randomArray, type GraphSpec } from './check-gradients.js';

export interface EmitterComparison {
  param: string;
  maxRelError: number;
}

/** Compare compiled and TypeScript gradients; returns the worst relative error per parameter. */
export async function compareEmitter(spec: GraphSpec, emitter: EmitterOptions = {}): Promise<EmitterComparison[]> {
  const onnx = buildSpecModel(spec);
  const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: spec.output, trainable: Object.keys(spec.params) });
  try {
    const feeds = spec.feeds ?? {};
    const weights = engine.currentWeights();
    const fwd = await engine.forward(feeds, weights);
    const target = spec.target ?? { dims: fwd.output.dims, data: randomArray(fwd.output.data.length, new Rng(spec.seed ?? 11)) };
    const { grad } = computeLoss('mse', fwd.output, target);
    const tsGrads = engine.backward(fwd.values, grad);
    const { shapes, values } = await recordShapePass(onnx, nodeBackend, engine.plan, feeds, weights);
    const compiled = compileBackward(onnx, engine.plan, shapes, { recorded: values, ...emitter });
    const session = await Session.create(nodeBackend, encodeModel(compiled.proto), [], { label: 'compiled.onnx' });
    try {
      const run: Record<string, { dims: readonly number[]; data: Float32Array }> = { ...feeds as Record<string, { dims: readonly number[]; data: Float32Array }>, [GRAD_OUTPUT]: grad };
      for (const p of engine.params) run[p.name] = { dims: p.dims, data: weights.get(p.name)! };
      const out = await session.run(run);
      return engine.params.map((p) => {
        const a = tsGrads.get(p.name)!;
        const b = out[compiled.grads.get(p.name)!]!.data as Float32Array;
        expect(b.length, `${p.name} gradient size`).toBe(a.length);
        let scale = 1e-6, err = 0;
        for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
        for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
        return { param: p.name, maxRelError: err / scale };
      });
    } finally {
      await session.dispose();
    }
  } finally {
    await engine.dispose();
  }
}

/** Assert the compiled gradients equal the TypeScript rules' (relative error ≤ 1e-4). */
export async function expectEmitterMatches(spec: GraphSpec, tolerance = 1e-4, emitter: EmitterOptions = {}): Promise<void> {
  const results = await compareEmitter(spec, emitter);
  for (const r of results) expect(r.maxRelError, `${r.param}: compiled vs TypeScript`).toBeLessThanOrEqual(tolerance);
}
