/**
 * fit()'s model choice and stopping: a diverging run stops with one line on
 * the last good weights, the best epoch's weights are kept over a worse last
 * one, early stopping ends a run that stopped improving, and evaluation gives
 * a confusion matrix.
 */
import { describe, expect, it } from 'vitest';
import { InputError, NumericalError } from '../../src/errors.js';
import { nodeBackend } from '../../src/node/backend.js';
import type { Dataset } from '../../src/train/data/dataset.js';
import { argmaxRows } from '../../src/train/metrics.js';
import { confusionMatrix, evaluate, fit, makeBatch, type BatchSource, type EpochRecord, type Progress } from '../../src/train/fit.js';
import { Tuner, type Batch, type TunerOptions } from '../../src/train/tuner.js';
import { blobs, mlp } from './fixtures.js';

type Weights = Map<string, Float32Array>;
const copy = (w: Weights): Weights => new Map([...w].map(([k, v]) => [k, v.slice()]));

function expectSame(a: Weights, b: Weights): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [k, v] of a) expect(Buffer.from(b.get(k)!.buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
}

function differs(a: Weights, b: Weights): boolean {
  return [...a].some(([k, v]) => !Buffer.from(b.get(k)!.buffer).equals(Buffer.from(v.buffer)));
}

function tuner(opts: Partial<TunerOptions> = {}): Promise<Tuner> {
  return Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05, ...opts });
}

/** The blobs with every label moved to the next class: learning the blobs makes its loss rise. */
function shifted(n: number, seed: number): Dataset {
  const d = blobs(n, seed);
  return { ...d, name: 'shifted', labels: d.labels!.map((l) => (l + 1) % 3) };
}

/** The dataset's batches; once `poisoned` is set, every input value is NaN. */
function poisonable(t: Tuner, d: Dataset): BatchSource & { poisoned: boolean } {
  return {
    name: d.name, size: d.size, poisoned: false,
    batch(rows): Batch {
      const b = makeBatch(t, d, rows);
      if (this.poisoned) {
        const x = b.feeds[t.inputName]!;
        b.feeds[t.inputName] = { dims: x.dims, data: new Float32Array(x.data.length).fill(NaN) };
      }
      return b;
    },
  };
}

describe('divergence', () => {
  it('an lr of 1e6 diverges: one line, stopped, and the weights the run started from', async () => {
    const t = await tuner({ lr: 1e6 });
    const start = copy(t.weights);
    const r = await fit(t, blobs(48), { epochs: 3, batchSize: 8, seed: 1 });
    expect(r.stopped).toBe(true);
    expect(r.stopReason).toBe('diverged');
    expect(r.reason).toMatch(/^training diverged at step \d+ \(epoch 1\): the mean loss .* is over 10× the start loss .*; kept the weights the run started from$/);
    expect(r.reason).not.toContain('\n');
    expect(r.restoredEpoch).toBe(-1);
    expect(r.steps).toBeLessThan(18);
    expectSame(t.weights, start);
    await t.dispose();
  });

  it('divergence in epoch 2 goes back to the end of epoch 1', async () => {
    const t = await tuner({ lr: 0.05 });
    const ends: Weights[] = [];
    // the learning rate is read at every step: from epoch 2 on it is 1e6
    const r = await fit(t, blobs(48), {
      epochs: 3, batchSize: 8, seed: 1, onEpochEnd: () => { ends.push(copy(t.weights)); t.options.lr = 1e6; },
    });
    expect(r.stopReason).toBe('diverged');
    expect(r.reason).toMatch(/\(epoch 2\).*; kept the weights of epoch 1$/);
    expect(r.restoredEpoch).toBe(0);
    expect(r.history).toHaveLength(1);
    expect(ends).toHaveLength(1);
    expectSame(t.weights, ends[0]!);
    await t.dispose();
  });

  it('divergence: false trains on through the same rise', async () => {
    const t = await tuner({ lr: 1e6 });
    const r = await fit(t, blobs(48), { epochs: 2, batchSize: 8, seed: 1, divergence: false });
    expect(r.stopped).toBe(false);
    expect(r.steps).toBe(12);
    await t.dispose();
  });

  it("non-finite steps: the Tuner's NumericalError by default, a diverged stop on good weights with nonFinite 'stop'", async () => {
    const data = blobs(48);
    const a = await tuner({ maxBadSteps: 2 });
    const pa = poisonable(a, data);
    await expect(fit(a, pa, { epochs: 2, batchSize: 8, seed: 1, onEpochEnd: () => { pa.poisoned = true; } })).rejects.toThrow(NumericalError);
    await a.dispose();

    const b = await tuner({ maxBadSteps: 2 });
    const pb = poisonable(b, data);
    const ends: Weights[] = [];
    const r = await fit(b, pb, { epochs: 2, batchSize: 8, seed: 1, divergence: { nonFinite: 'stop' }, onEpochEnd: () => { ends.push(copy(b.weights)); pb.poisoned = true; } });
    expect(r.stopReason).toBe('diverged');
    expect(r.reason).toMatch(/^training stopped after 2 steps in a row with a non-finite loss or gradient .*; kept the weights of epoch 1$/);
    expect(r.reason).not.toContain('\n');
    expectSame(b.weights, ends[0]!);
    await b.dispose();
  });

  it('an easy first batch does not make the usual loss look like divergence: the start loss is the mean over the first batches', async () => {
    const t = await tuner({ lr: 0.05 });
    await fit(t, blobs(48), { epochs: 30, batchSize: 8, seed: 1, divergence: false });
    // rows 0..7 as learnt; after them every fourth row has a wrong label
    const d = blobs(48);
    d.labels = d.labels!.map((l, i) => (i >= 8 && i % 4 === 0 ? (l + 1) % 3 : l));
    const first = await evaluate(t, { ...d, size: 8, x: d.x.subarray(0, 48), labels: d.labels.subarray(0, 8) });
    const rest = await evaluate(t, { ...d, size: 40, x: d.x.subarray(48), labels: d.labels.subarray(8) });
    expect(rest.loss).toBeGreaterThan(20 * first.loss);
    t.options.lr = 1e-4;
    const r = await fit(t, d, { epochs: 1, batchSize: 8, shuffle: false });
    expect(r.stopped).toBe(false);
    await t.dispose();
  });

  it('a slowly falling loss is not taken for divergence', async () => {
    const t = await tuner({ lr: 0.05 });
    const r = await fit(t, blobs(48), { epochs: 4, batchSize: 8, seed: 1, divergence: { factor: 1.5, window: 2 } });
    expect(r.stopped).toBe(false);
    expect(r.history.map((h) => h.trainLoss).every(Number.isFinite)).toBe(true);
    await t.dispose();
  });
});

describe('keeping the best epoch', () => {
  it("keep 'best' (the default with validation) restores the epoch of the lowest validation loss over a worse last one", async () => {
    const t = await tuner({ lr: 0.02 });
    const val = shifted(30, 7);
    const ends: Weights[] = [];
    const records: EpochRecord[] = [];
    const r = await fit(t, blobs(48), {
      epochs: 4, batchSize: 8, seed: 2, validation: val,
      onEpochEnd: (e, rec) => { ends[e] = copy(t.weights); records.push(rec); },
    });
    expect(r.history).toEqual(records);
    const losses = r.history.map((h) => h.valLoss!);
    const best = losses.indexOf(Math.min(...losses));
    expect(best).toBeLessThan(3);
    expect(r.bestEpoch).toBe(best);
    expect(r.restoredEpoch).toBe(best);
    expect(r.stopped).toBe(false);
    expect(differs(ends[3]!, ends[best]!)).toBe(true);
    expectSame(t.weights, ends[best]!);
    expect((await evaluate(t, val)).loss).toBeCloseTo(losses[best]!, 6);
    await t.dispose();
  });

  it("keep 'last' keeps the last step's weights and still reports the best epoch", async () => {
    const t = await tuner({ lr: 0.02 });
    const ends: Weights[] = [];
    const r = await fit(t, blobs(48), { epochs: 3, batchSize: 8, seed: 2, validation: shifted(30, 7), keep: 'last', onEpochEnd: (e) => { ends[e] = copy(t.weights); } });
    expect(r.bestEpoch).toBe(0);
    expect(r.restoredEpoch).toBeUndefined();
    expectSame(t.weights, ends[2]!);
    await t.dispose();
  });

  it('the last epoch being the best restores nothing', async () => {
    const t = await tuner({ lr: 0.02 });
    const r = await fit(t, blobs(48), { epochs: 3, batchSize: 8, seed: 2, validation: blobs(30, 7) });
    expect(r.bestEpoch).toBe(2);
    expect(r.restoredEpoch).toBeUndefined();
    await t.dispose();
  });

  it('early stopping ends the run after `patience` epochs without a lower validation loss', async () => {
    const t = await tuner({ lr: 0.02 });
    const ends: Weights[] = [];
    const r = await fit(t, blobs(48), { epochs: 10, batchSize: 8, seed: 2, validation: shifted(30, 7), earlyStopping: 2, onEpochEnd: (e) => { ends[e] = copy(t.weights); } });
    const losses = r.history.map((h) => h.valLoss!);
    // the shifted labels get worse every epoch: epoch 1 is the best, epochs 2 and 3 use up the patience
    expect(losses[1]).toBeGreaterThan(losses[0]!);
    expect(losses[2]).toBeGreaterThan(losses[0]!);
    expect(r.history).toHaveLength(3);
    expect(r.stopped).toBe(true);
    expect(r.stopReason).toBe('early-stopping');
    expect(r.reason).toMatch(/^stopped early after epoch 3: no lower validation loss for 2 epoch\(s\); kept the weights of epoch 1 \(validation loss [\d.]+\)$/);
    expect(r.steps).toBe(18);
    expectSame(t.weights, ends[0]!);
    await t.dispose();
  });

  it('early stopping waits while the validation loss keeps falling', async () => {
    const t = await tuner({ lr: 0.02 });
    const r = await fit(t, blobs(48), { epochs: 4, batchSize: 8, seed: 2, validation: blobs(30, 7), earlyStopping: 1 });
    expect(r.stopped).toBe(false);
    expect(r.history).toHaveLength(4);
    await t.dispose();
  });

  it('refuses keep best and early stopping without a validation set, and a bad patience', async () => {
    const t = await tuner();
    await expect(fit(t, blobs(12), { keep: 'best' })).rejects.toThrow(InputError);
    await expect(fit(t, blobs(12), { earlyStopping: 2 })).rejects.toThrow(/early stopping needs a validation set/);
    await expect(fit(t, blobs(12), { validation: blobs(6), earlyStopping: 0 })).rejects.toThrow(/patience must be a positive integer/);
    expect(t.step).toBe(0);
    await t.dispose();
  });
});

describe('results', () => {
  it('confusionMatrix counts the argmax predictions against the labels', async () => {
    const t = await tuner();
    await fit(t, blobs(30), { epochs: 2, batchSize: 8, seed: 3 });
    const d = blobs(21, 11);
    const c = await confusionMatrix(t, d, 8);
    const y = await t.predict(makeBatch(t, d, Array.from({ length: d.size }, (_, i) => i)).feeds);
    const pred = argmaxRows(y, d.size);
    const want = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    d.labels!.forEach((l, i) => { want[l]![pred[i]!]!++; });
    expect(c.matrix).toEqual(want);
    expect(c.classes).toBe(3);
    expect(c.accuracy).toBeCloseTo((await evaluate(t, d)).accuracy, 12);
    await t.dispose();
  });

  it('progress says when the batches are cached features', async () => {
    const t = await tuner();
    const d = blobs(16);
    const seen: Progress[] = [];
    const source: BatchSource = { name: d.name, size: d.size, cachedFeatures: true, batch: (rows) => makeBatch(t, d, rows) };
    await fit(t, source, { epochs: 1, batchSize: 8, onProgress: (p) => seen.push(p) });
    await fit(t, d, { epochs: 1, batchSize: 8, onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => p.cachedFeatures ?? false)).toEqual([true, true, false, false]);
    await t.dispose();
  });
});
