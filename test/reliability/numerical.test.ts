/**
 * Numerical faults in training, beyond test/train/tuner.test.ts: a gradient
 * that overflows in one parameter only (named, though it is not the first),
 * a non-finite loss from the targets, an update that overflows although the
 * gradient is finite, the bad-step counter resetting on a good step, the
 * "first" parameter staying the first of the run, fit() stopping on the
 * weights of the last good step, the CLI's one-line report, and maxGradNorm
 * bounding the update ‖Δθ‖ ≤ η·c against a float64 reference.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { NumericalError } from '../../src/errors.js';
import { encodeNpy } from '../../src/io/npy.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { Dataset } from '../../src/train/data/dataset.js';
import { fit, makeBatch } from '../../src/train/fit.js';
import { Tuner, type Batch, type TunerOptions } from '../../src/train/tuner.js';
import { blobs, mlp } from '../train/fixtures.js';

/**
 * x [N,2] → Gemm (W [3,2], b [3]) → h → Div by D [3] (a per-class scale, so a
 * trained parameter) → logits [N,3].
 * With D = 1e-25 the logits are ~1e25 (finite), the loss is finite, ∂L/∂W is
 * ~1e25 (finite), but ∂L/∂D = −Σ δ·h/D² is ~1e50: +/−Infinity in float32.
 */
function divNet(d = 1e-25): OnnxModel {
  const g = graph('div', [
    node('Gemm', ['x', 'W', 'b'], ['h'], { transB: 1 }),
    node('Div', ['h', 'D'], ['logits']),
  ], [valueInfo('x', DataType.FLOAT, ['N', 2])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W', [3, 2], [0.5, -0.25, 0.125, 0.75, -0.5, 0.25]), floatTensor('b', [3], [0.1, 0, -0.1]), floatTensor('D', [3], [d, d, d]),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'div.onnx');
}

function divBatch(): Batch {
  return {
    feeds: { x: { dims: [2, 2], data: Float32Array.from([1, 2, -1, 0.5]) } },
    target: { dims: [2], data: BigInt64Array.from([0n, 2n]) },
  };
}

function copy(w: Map<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...w].map(([k, v]) => [k, v.slice()]));
}

function expectSame(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(Buffer.from(b.get(k)!.buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
}

type Path = 'compiled' | 'typescript';

/** A tuner (SGD, η 0.1, cross-entropy unless overridden) whose steps take the given backward path. */
async function tuner(path: Path, m: OnnxModel, opts: Partial<TunerOptions> = {}): Promise<Tuner> {
  const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, backward: path, ...opts });
  expect(t.backwardPath).toBe(path);
  return t;
}

/** blobs(n) with the rows from `from` on made NaN. */
function poisoned(n: number, from: number): Dataset {
  const d = blobs(n);
  d.x.fill(Number.NaN, from * 6);
  return d;
}

describe.each(['compiled', 'typescript'] as const)('non-finite steps (%s backward)', (path) => {
  it('a gradient that overflows in one parameter only is skipped, and the error names that parameter, not the first', async () => {
    const t = await tuner(path, divNet(), { maxBadSteps: 2 });
    expect(t.params.map((p) => p.name)).toEqual(['W', 'b', 'D']);
    const { loss, grads } = await t.engine.gradients(divBatch().feeds, divBatch().target, t.weights);
    // the premise: finite loss and W, b gradients; D's gradient overflowed
    expect(Number.isFinite(loss)).toBe(true);
    expect(grads.get('W')!.every(Number.isFinite)).toBe(true);
    expect(grads.get('D')!.every(Number.isFinite)).toBe(false);
    const before = copy(t.weights);
    const info = await t.trainStep(divBatch());
    expect(info.skipped).toBe(true);
    expect(t.step).toBe(0);
    expectSame(t.weights, before);
    const err = await t.trainStep(divBatch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NumericalError);
    expect((err as Error).message).toMatch(/after 2 steps in a row .*first bad parameter: 'D'/);
    expect((err as Error).message).not.toMatch(/\n/);
    expectSame(t.weights, before);
    await t.dispose();
  });

  it('a non-finite target (so a non-finite loss) skips the step and keeps the weights', async () => {
    const t = await tuner(path, mlp(), { loss: 'mse' });
    const batch = makeBatch(t, blobs(4), [0, 1, 2, 3]);
    const target = { dims: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => (i === 5 ? Infinity : 0)) };
    const before = copy(t.weights);
    const info = await t.trainStep({ feeds: batch.feeds, target });
    expect(Number.isFinite(info.loss)).toBe(false);
    expect(info.skipped).toBe(true);
    expectSame(t.weights, before);
    await t.dispose();
  });

  it('an update that overflows although the gradient is finite is skipped and names its parameter', async () => {
    // SGD with η = 1e38: W − η·∂L/∂W leaves float32 range for any gradient entry above ~3.4
    const t = await tuner(path, divNet(1e-3), { lr: 1e38, maxBadSteps: 1 });
    const before = copy(t.weights);
    const err = await t.trainStep(divBatch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NumericalError);
    expect((err as Error).message).toMatch(/after 1 steps in a row .*first bad parameter: 'W'/);
    expectSame(t.weights, before);
    await t.dispose();
  });

  it('a good step resets the count: K−1 bad, good, K−1 bad passes; one more bad stops', async () => {
    const t = await tuner(path, mlp(), { maxBadSteps: 3 });
    const data = poisoned(8, 4);
    const good = makeBatch(t, data, [0, 1, 2, 3]);
    const bad = makeBatch(t, data, [4, 5]);
    for (const b of [bad, bad, good, bad, bad]) await t.trainStep(b);
    expect(t.step).toBe(1);
    const afterGood = copy(t.weights);
    await expect(t.trainStep(bad)).rejects.toThrow(NumericalError);
    expectSame(t.weights, afterGood);
    await t.dispose();
  });

  it('the parameter named is the first to go bad in the run, not the last', async () => {
    // first bad step: NaN inputs poison every gradient (first parameter W); later ones: only D overflows
    const t = await tuner(path, divNet(), { maxBadSteps: 3 });
    const nan: Batch = { feeds: { x: { dims: [1, 2], data: Float32Array.from([NaN, NaN]) } }, target: { dims: [1], data: BigInt64Array.from([0n]) } };
    await t.trainStep(nan);
    await t.trainStep(divBatch());
    await expect(t.trainStep(divBatch())).rejects.toThrow(/first bad parameter: 'W'/);
    await t.dispose();
  });

  it('fit() stops with NumericalError on exactly the weights of the last good step', async () => {
    // rows 0..15 good (4 batches of 4, in order), rows 16.. NaN
    const data = poisoned(28, 16);
    const clean = blobs(16);
    const ref = await tuner(path, mlp());
    await fit(ref, clean, { epochs: 1, batchSize: 4, shuffle: false });
    const t = await tuner(path, mlp(), { maxBadSteps: 2 });
    const progress: boolean[] = [];
    const err = await fit(t, data, { epochs: 1, batchSize: 4, shuffle: false, onProgress: (p) => progress.push(p.skipped) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NumericalError);
    expect(progress).toEqual([false, false, false, false, true]);
    expect(t.step).toBe(4);
    expectSame(t.weights, ref.weights);
    await ref.dispose();
    await t.dispose();
  });
});

describe.each(['compiled', 'typescript'] as const)('maxGradNorm (%s backward)', (path) => {
  /**
   * SGD's first update Δθ = −η·g·min(1, c/(‖g‖+1e-6)) from the unclipped gradients, in float64.
   * The loss is mse against one-hot targets times `targetScale`, so a large scale gives a large gradient.
   */
  async function check(targetScale: number, maxGradNorm: number): Promise<{ norm: number; step: number }> {
    const lr = 0.1;
    const t = await tuner(path, mlp(), { lr, maxGradNorm, loss: 'mse' });
    const data = blobs(8);
    const rows = [0, 1, 2, 3, 4, 5, 6, 7];
    const feeds = makeBatch(t, data, rows).feeds;
    const target = { dims: [8, 3], data: Float32Array.from({ length: 24 }, (_, i) => (data.labels![Math.floor(i / 3)] === i % 3 ? targetScale : 0)) };
    const batch: Batch = { feeds, target };
    const before = copy(t.weights);
    const { grads } = await t.engine.gradients(batch.feeds, batch.target, before);
    let sq = 0;
    for (const g of grads.values()) for (const v of g) sq += v * v;
    const norm = Math.sqrt(sq);
    const factor = norm > maxGradNorm ? maxGradNorm / (norm + 1e-6) : 1;
    const info = await t.trainStep(batch);
    expect(info.skipped).toBe(false);
    expect(Math.abs(info.gradNorm! - norm)).toBeLessThanOrEqual(1e-5 * norm);
    let stepSq = 0;
    for (const [name, w0] of before) {
      const w1 = t.weights.get(name)!;
      const g = grads.get(name)!;
      for (let i = 0; i < w0.length; i++) {
        const want = w0[i]! - lr * g[i]! * factor;
        expect(Math.abs(w1[i]! - want), `${name}[${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
        stepSq += (w1[i]! - w0[i]!) ** 2;
      }
    }
    await t.dispose();
    return { norm, step: Math.sqrt(stepSq) };
  }

  it('a large gradient is scaled so the update norm is η·c', async () => {
    const { norm, step } = await check(1, 0.01);
    expect(norm).toBeGreaterThan(0.01);
    expect(step).toBeLessThanOrEqual(0.1 * 0.01 * (1 + 1e-4));
    expect(step).toBeGreaterThan(0.1 * 0.01 * 0.99);
  });

  it('a gradient 10^6 times larger still moves the weights by at most η·c', async () => {
    const { norm, step } = await check(1e6, 0.5);
    expect(norm).toBeGreaterThan(1e5);
    expect(step).toBeLessThanOrEqual(0.1 * 0.5 * (1 + 1e-4));
  });

  it('a gradient under the bound is left as it is', async () => {
    const { norm, step } = await check(1, 1e6);
    expect(step).toBeCloseTo(0.1 * norm, 5);
  });
});

describe('through the command line', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'edgetune-numerical-')); });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  it('finetune stops with one line naming the bad parameter and writes the last good weights', async () => {
    const modelFile = join(dir, 'div.onnx');
    await writeFile(modelFile, encodeModel(divNet().proto));
    const data = join(dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [8, 2], data: Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2) }));
    await writeFile(join(data, 'y.npy'), encodeNpy({ dtype: 'int64', shape: [8], data: BigInt64Array.from({ length: 8 }, (_, i) => BigInt(i % 3)) }));
    const out = join(dir, 'tuned.onnx');
    let stderr = '', stdout = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { stdout += String(s); return true; });
    let code: number;
    try {
      code = await main(['finetune', modelFile, '--data', data, '--out', out, '--batch-size', '2', '--max-bad-steps', '3', '--optimizer', 'sgd']);
    } finally {
      vi.restoreAllMocks();
    }
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n').filter((l) => /training stopped/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/training stopped after 3 steps in a row with a non-finite loss or gradient \(first bad parameter: 'D'\)/);
    // every step was bad: the weights written are the starting ones
    const written = OnnxModel.fromBytes(new Uint8Array(await readFile(out)), out);
    for (const name of ['W', 'b', 'D']) expect(Array.from(written.readFloat(name)), name).toEqual(Array.from(divNet().readFloat(name)));
  });
});
