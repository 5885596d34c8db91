/**
 * Test helper: a compiled training step against the TypeScript rules' step on
 * the same model, options and batches: the losses of every step and the
 * weights after the last one.
 */
import { expect } from 'vitest';
import type { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Tuner, type Batch, type TunerOptions } from '../../src/train/tuner.js';

/** Train a fresh copy of the model both ways; losses within `lossTol`, weights within `weightTol` of their largest magnitude. */
export async function expectCompiledFollowsTypeScript(
  make: () => OnnxModel, options: Omit<TunerOptions, 'backward'>, batches: readonly Batch[], lossTol = 1e-5, weightTol = 1e-4,
): Promise<void> {
  const compiled = await Tuner.create(make(), nodeBackend, { ...options, backward: 'compiled' });
  const ts = await Tuner.create(make(), nodeBackend, { ...options, backward: 'typescript' });
  try {
    for (const [s, batch] of batches.entries()) {
      const a = await compiled.trainStep(batch);
      const b = await ts.trainStep(batch);
      expect(Math.abs(a.loss - b.loss), `step ${s}`).toBeLessThanOrEqual(lossTol);
    }
    expect(compiled.backwardPath).toBe('compiled');
    for (const [name, w] of ts.weights) {
      const c = compiled.weights.get(name)!;
      let err = 0, scale = 1e-6;
      for (let i = 0; i < w.length; i++) { err = Math.max(err, Math.abs(w[i]! - c[i]!)); scale = Math.max(scale, Math.abs(w[i]!)); }
      expect(err / scale, name).toBeLessThanOrEqual(weightTol);
    }
  } finally {
    await compiled.dispose();
    await ts.dispose();
  }
}
