/**
 * The training loop over an in-memory dataset: epochs of batches (shuffled by
 * a seeded RNG, or rows in order), progress callbacks, evaluation, and
 * checkpoints from which a resumed run continues bit for bit: the saved state
 * holds the weights, the optimizer slots, the step, the epoch, the batch
 * within it and the RNG state the epoch's order was drawn from.
 */
import { InputError } from '../errors.js';
import { computeLoss } from '../grad/losses.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import type { TrainingState } from './training-state.js';
import { batchOf, type Dataset } from './data/dataset.js';
import { Rng } from './rng.js';
import { countCorrect, type Batch, type StepInfo, type Tuner } from './tuner.js';

export interface Progress {
  epoch: number;
  epochs: number;
  step: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  loss: number;
  /** running accuracy over the epoch so far */
  accuracy: number;
  imagesPerSecond: number;
  etaSeconds: number;
  skipped: boolean;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number;
  onProgress?: (p: Progress) => void;
  /** where checkpoints go: saved every `checkpointEvery` steps and at the end */
  checkpoints?: CheckpointStore;
  checkpointEvery?: number;
  /** continue from the newest checkpoint of this store */
  resumeFrom?: CheckpointStore;
  /** stop (after saving a checkpoint) once this many steps are done in this call — for tests and time limits */
  stopAfterSteps?: number;
  /** called after each finished epoch (e.g. to evaluate) */
  onEpochEnd?: (epoch: number) => Promise<void> | void;
  /** messages such as skipped damaged checkpoints */
  onNotice?: (msg: string) => void;
}

/** Somewhere to keep checkpoints (a folder in Node, memory or IndexedDB in a browser). */
export interface CheckpointStore {
  readonly label: string;
  save(state: TrainingState, dims: Map<string, number[]>): Promise<void>;
  /** the newest usable checkpoint, or undefined */
  latest(notice?: (msg: string) => void): Promise<{ label: string; state: TrainingState } | undefined>;
}

export interface FitResult {
  steps: number;
  epochsDone: number;
  lastLoss: number;
  stopped: boolean;
}

export interface EvalResult {
  loss: number;
  accuracy: number;
  size: number;
}

function targetOf(b: ReturnType<typeof batchOf>, n: number, d: Dataset): HostTensor {
  if (b.labels) return { dims: [n], data: BigInt64Array.from(b.labels, (v) => BigInt(v)) };
  if (b.targets) return { dims: [n, d.targetWidth ?? b.targets.length / n], data: b.targets };
  throw new InputError(`${d.name}: dataset has neither labels nor targets`);
}

export function makeBatch(tuner: Tuner, d: Dataset, rows: ArrayLike<number>): Batch {
  const b = batchOf(d, rows);
  const n = rows.length;
  return { feeds: { [tuner.inputName]: { dims: b.dims, data: b.x } }, target: targetOf(b, n, d) };
}

/** `rows` completed to `size` rows by repeating them from the start (a model whose batch size is fixed). */
function padRows(rows: ArrayLike<number>, size: number): number[] {
  return Array.from({ length: Math.max(size, rows.length) }, (_, i) => rows[i % rows.length]!);
}

/**
 * Batch-mean loss and accuracy over a dataset with the tuner's current weights
 * (in batches of the model's fixed batch size when it has one; the padding
 * rows of the last batch are not counted).
 */
export async function evaluate(tuner: Tuner, d: Dataset, batchSize = 256): Promise<EvalResult> {
  const size = tuner.fixedBatch ?? batchSize;
  let lossSum = 0, correct = 0;
  for (let start = 0; start < d.size; start += size) {
    const real = Array.from({ length: Math.min(size, d.size - start) }, (_, i) => start + i);
    const rows = tuner.fixedBatch ? padRows(real, size) : real;
    const batch = makeBatch(tuner, d, rows);
    const out = await tuner.predict(batch.feeds);
    const n = real.length;
    const k = out.length / rows.length;
    const y = out.subarray(0, n * k);
    const target = makeBatch(tuner, d, real).target;
    lossSum += computeLoss(tuner.options.loss, { dims: [n, k], data: y }, target).loss * n;
    correct += countCorrect(y, n, target);
  }
  return { loss: d.size ? lossSum / d.size : 0, accuracy: d.size ? correct / d.size : 0, size: d.size };
}

function configFingerprint(tuner: Tuner, d: Dataset, opts: FitOptions): string {
  return JSON.stringify({
    params: tuner.params.map((p) => p.name), data: d.name, size: d.size, batchSize: opts.batchSize ?? 32,
    shuffle: opts.shuffle ?? true, seed: opts.seed ?? 0, optimizer: tuner.options.optimizer ?? 'adam', loss: tuner.options.loss,
    ...(tuner.options.batchNorm === 'train' ? { batchNorm: 'train' } : {}),
  });
}

function snapshot(tuner: Tuner, epoch: number, batchInEpoch: number, rngState: number[], config: string): TrainingState {
  const running = tuner.engine.running;
  return { step: tuner.step, epoch, batchInEpoch, rngState, weights: tuner.weights, optimizer: tuner.states, config, ...(running.size > 0 ? { running: new Map([...running].map(([k, v]) => [k, v.slice()])) } : {}) };
}

export async function fit(tuner: Tuner, d: Dataset, opts: FitOptions = {}): Promise<FitResult> {
  const epochs = opts.epochs ?? 1;
  const batchSize = tuner.fixedBatch ?? opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
  if (d.size === 0) throw new InputError(`${d.name}: dataset is empty`);
  const stepsPerEpoch = Math.ceil(d.size / batchSize);
  const config = configFingerprint(tuner, d, opts);
  const dims = new Map(tuner.params.map((p) => [p.name, p.dims]));
  let rng = new Rng(opts.seed ?? 0);
  let epoch = 0, startBatch = 0;

  if (opts.resumeFrom) {
    const found = await opts.resumeFrom.latest(opts.onNotice);
    if (!found) throw new InputError(`no usable checkpoint in ${opts.resumeFrom.label}`);
    const s = found.state;
    if (s.config !== config) throw new InputError(`${found.label}: checkpoint was made with other options or data; resume with the same ones`);
    tuner.weights = s.weights;
    tuner.states = s.optimizer;
    tuner.step = s.step;
    for (const [k, v] of s.running ?? []) tuner.engine.running.get(k)?.set(v);
    epoch = s.epoch;
    startBatch = s.batchInEpoch;
    rng = Rng.fromState(s.rngState);
    opts.onNotice?.(`resumed from ${found.label} (step ${s.step}, epoch ${s.epoch + 1}, batch ${s.batchInEpoch})`);
  }

  const totalSteps = epochs * stepsPerEpoch;
  const started = Date.now();
  let stepsThisCall = 0, lastLoss = NaN, stopped = false;
  for (; epoch < epochs && !stopped; epoch++, startBatch = 0) {
    const epochRng = rng.getState();
    const order = opts.shuffle === false ? Int32Array.from({ length: d.size }, (_, i) => i) : rng.permutation(d.size);
    let seen = 0, correct = 0;
    for (let b = startBatch; b < stepsPerEpoch; b++) {
      let rows: ArrayLike<number> = order.subarray(b * batchSize, Math.min(d.size, (b + 1) * batchSize));
      // a fixed-batch model takes exactly its batch: a short last batch repeats its rows
      if (tuner.fixedBatch && rows.length < batchSize) rows = padRows(rows, batchSize);
      const info: StepInfo = await tuner.trainStep(makeBatch(tuner, d, rows));
      stepsThisCall++;
      lastLoss = info.loss;
      seen += info.size;
      correct += info.correct ?? 0;
      const done = epoch * stepsPerEpoch + b + 1;
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? (stepsThisCall * batchSize) / elapsed : 0;
      opts.onProgress?.({
        epoch, epochs, step: tuner.step, stepInEpoch: b + 1, stepsPerEpoch, totalSteps, loss: info.loss,
        accuracy: seen ? correct / seen : 0, imagesPerSecond: rate,
        etaSeconds: rate > 0 ? ((totalSteps - done) * batchSize) / rate : 0, skipped: info.skipped,
      });
      const finishedEpoch = b + 1 === stepsPerEpoch;
      const nextEpoch = finishedEpoch ? epoch + 1 : epoch;
      const nextBatch = finishedEpoch ? 0 : b + 1;
      const nextRng = finishedEpoch ? rng.getState() : epochRng;
      const stopNow = opts.stopAfterSteps !== undefined && stepsThisCall >= opts.stopAfterSteps;
      const last = done === totalSteps;
      if (opts.checkpoints && (last || stopNow || (opts.checkpointEvery && tuner.step % opts.checkpointEvery === 0))) {
        await tuner.sync();
        await opts.checkpoints.save(snapshot(tuner, nextEpoch, nextBatch, nextRng, config), dims);
      }
      if (stopNow && !last) { stopped = true; break; }
      if (finishedEpoch) await opts.onEpochEnd?.(epoch);
    }
  }
  return { steps: tuner.step, epochsDone: Math.min(epoch, epochs), lastLoss, stopped };
}
