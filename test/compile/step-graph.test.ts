import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../../src/node/backend.js';
import { Tuner, type TunerOptions } from '../../src/train/tuner.js';
import { makeBatch } from '../../src/train/fit.js';
import type { OptimizerName } from '../../src/train/optimizers/index.js';
import type { LossName } from '../../src/grad/losses.js';
import { blobs, mlp } from '../train/fixtures.js';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6, err = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

async function runBoth(opts: Omit<TunerOptions, 'backward'>, steps = 4) {
  const data = blobs(24);
  const compiled = await Tuner.create(mlp(), nodeBackend, { ...opts, backward: 'compiled' });
  const ts = await Tuner.create(mlp(), nodeBackend, { ...opts, backward: 'typescript' });
  expect(compiled.backwardPath).toBe('compiled');
  expect(ts.backwardPath).toBe('typescript');
  const losses: [number, number][] = [];
  for (let s = 0; s < steps; s++) {
    const rows = [0, 1, 2, 3, 4, 5].map((r) => (r + 6 * s) % 24);
    const a = await compiled.trainStep(makeBatch(compiled, data, rows));
    const b = await ts.trainStep(makeBatch(ts, data, rows));
    losses.push([a.loss, b.loss]);
  }
  return { compiled, ts, losses };
}

describe('compiled training step', () => {
  const cases: [OptimizerName, LossName][] = [['sgd', 'cross-entropy'], ['momentum', 'mse'], ['adam', 'cross-entropy'], ['adamw', 'bce-with-logits']];
  for (const [optimizer, loss] of cases) {
    it(`${optimizer} with ${loss} follows the TypeScript step`, async () => {
      const { compiled, ts, losses } = await runBoth({ loss, optimizer, lr: 0.05, weightDecay: optimizer === 'sgd' ? 0 : 0.01 });
      for (const [a, b] of losses) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b)));
      for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
      for (const [name, st] of ts.states) {
        expect(compiled.states.get(name)!.step).toBe(st.step);
        for (const [slot, v] of Object.entries(st.slots)) expect(maxRelDiff(v, compiled.states.get(name)!.slots[slot]!), `${name}/${slot}`).toBeLessThanOrEqual(1e-4);
      }
      await compiled.dispose();
      await ts.dispose();
    });
  }

  it('clips by global norm like the TypeScript step, and with Nesterov momentum', async () => {
    const { compiled, ts } = await runBoth({ loss: 'cross-entropy', optimizer: 'momentum', nesterov: true, lr: 0.5, maxGradNorm: 0.05 });
    for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
    await compiled.dispose();
    await ts.dispose();
  });

  it('falls back to TypeScript with a notice when the sparsity penalty is on', async () => {
    const notices: string[] = [];
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'mse', sparsity: { kind: 'entropy', lambda: 0.1 }, onNotice: (m) => notices.push(m) });
    expect(t.backwardPath).toBe('typescript');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/sparsity/);
    await t.dispose();
  });
});
