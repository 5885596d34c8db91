/**
 * The training loop over an in-memory dataset (or any other source of
 * batches, such as cached features): epochs of batches (shuffled by a seeded
 * RNG, or rows in order), progress callbacks, evaluation, and checkpoints
 * from which a resumed run continues bit for bit: the saved state holds the
 * weights, the optimizer slots, the step, the epoch, the batch within it and
 * the RNG state the epoch's order was drawn from.
 *
 * Model choice: with a validation set every epoch ends with its loss and
 * accuracy; the weights (and BatchNormalization running statistics) of the
 * epoch with the lowest validation loss are restored at the end (`keep`),
 * and `earlyStopping` ends a run that has not improved for that many epochs.
 * A run whose training loss rises far above its start (or, when asked, one
 * the Tuner stops for non-finite steps) is stopped with the last good
 * weights restored and a one-line reason.
 */
import { InputError, NumericalError } from '../errors.js';
import { computeLoss } from '../grad/losses.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import type { TrainingState } from './training-state.js';
import { isBatchSource, type BatchPosition, type TrainingData } from './batch-source.js';
import { batchOf, type Dataset } from './data/dataset.js';
import { confusionFromPredictions, type Confusion } from './metrics.js';
import { Rng } from './rng.js';
import { argmaxRows, countCorrect, type Batch, type StepInfo, type Tuner } from './tuner.js';

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
  /** the batches are features cached from the model's frozen layers, which do not run in these steps */
  cachedFeatures?: boolean;
}

export { isBatchSource, type BatchPosition, type BatchSource, type TrainingData } from './batch-source.js';

/**
 * When a run counts as diverging (fit's `divergence` option): the mean loss
 * of its last `window` steps rises above `factor` × its start loss, the mean
 * loss of the starting weights on the run's first `window` batches (forward
 * passes only, before the first step; one batch's loss alone is too noisy a
 * start for a model that already fits most rows).
 */
export interface DivergenceOptions {
  /** default 10 */
  factor?: number;
  /** batches in the start loss and steps in the running mean (default 8; fewer at the start of a run) */
  window?: number;
  /**
   * A run the Tuner stops for non-finite steps (its NumericalError after
   * `maxBadSteps` in a row): 'throw' (default) passes the error on with the
   * weights of the last good step; 'stop' ends the run like a rising loss,
   * with the last good weights restored.
   */
  nonFinite?: 'stop' | 'throw';
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
  /** called after each finished epoch (e.g. to report), with its losses */
  onEpochEnd?: (epoch: number, record: EpochRecord) => Promise<void> | void;
  /** messages such as skipped damaged checkpoints */
  onNotice?: (msg: string) => void;
  /** evaluated after every epoch; its loss chooses the weights kept and drives early stopping */
  validation?: TrainingData;
  /** batch size of the validation passes (default 256; a fixed-batch model uses its own) */
  validationBatchSize?: number;
  /** stop after this many epochs in a row without a lower validation loss (needs `validation`) */
  earlyStopping?: number;
  /**
   * 'best' (the default with a validation set): at the end the weights and
   * BatchNormalization running statistics of the epoch with the lowest
   * validation loss are restored; 'last': the last step's are kept.
   */
  keep?: 'best' | 'last';
  /** stop a diverging run and restore the last good weights (on by default; false turns the loss-rise check off) */
  divergence?: DivergenceOptions | false;
}

/** Somewhere to keep checkpoints (a folder in Node, memory or IndexedDB in a browser). */
export interface CheckpointStore {
  readonly label: string;
  save(state: TrainingState, dims: Map<string, number[]>): Promise<void>;
  /** the newest usable checkpoint, or undefined */
  latest(notice?: (msg: string) => void): Promise<{ label: string; state: TrainingState } | undefined>;
}

/** One finished epoch. */
export interface EpochRecord {
  /** 0-based */
  epoch: number;
  /** row-weighted mean loss of the epoch's accepted steps (in this call) */
  trainLoss: number;
  /** accuracy of the epoch's steps on their batches, as the steps saw them */
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
}

export type StopReason = 'max-steps' | 'early-stopping' | 'diverged';

export interface FitResult {
  steps: number;
  epochsDone: number;
  lastLoss: number;
  /** the run ended before its last epoch: `stopAfterSteps`, early stopping or divergence (stopReason says which) */
  stopped: boolean;
  stopReason?: StopReason;
  /** one line saying why the run stopped early and which weights it kept */
  reason?: string;
  /** the epochs finished in this call */
  history: EpochRecord[];
  /** the epoch (0-based) with the lowest validation loss */
  bestEpoch?: number;
  /**
   * set when the tuner holds restored weights rather than the last step's:
   * those at the end of this epoch (0-based), or -1 for the ones the run
   * started from
   */
  restoredEpoch?: number;
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

async function batchFor(tuner: Tuner, d: TrainingData, rows: ArrayLike<number>, at?: BatchPosition): Promise<Batch> {
  return isBatchSource(d) ? d.batch(rows, at) : makeBatch(tuner, d, rows);
}

/** `rows` completed to `size` rows by repeating them from the start (a model whose batch size is fixed). */
function padRows(rows: ArrayLike<number>, size: number): number[] {
  return Array.from({ length: Math.max(size, rows.length) }, (_, i) => rows[i % rows.length]!);
}

/** The first n rows of a target (labels [N] or targets [N, K]). */
function firstRows(t: HostTensor, n: number): HostTensor {
  const rows = t.dims[0] ?? 0;
  if (rows === n) return t;
  const per = rows > 0 ? t.data.length / rows : 0;
  return { dims: [n, ...t.dims.slice(1)], data: t.data.subarray(0, n * per) };
}

/**
 * The model output for every row of `d` with the tuner's current weights, a
 * batch at a time (in batches of the model's fixed batch size when it has
 * one; the padding rows of the last batch are cut off): `y` is [n, k] and
 * `target` the batch's n targets.
 */
async function forEachOutput(tuner: Tuner, d: TrainingData, batchSize: number, visit: (y: Float32Array, n: number, k: number, target: HostTensor) => void): Promise<void> {
  const size = tuner.fixedBatch ?? batchSize;
  if (!Number.isInteger(size) || size < 1) throw new InputError(`batch size must be a positive integer, got ${size}`);
  for (let start = 0; start < d.size; start += size) {
    const real = Array.from({ length: Math.min(size, d.size - start) }, (_, i) => start + i);
    const rows = tuner.fixedBatch ? padRows(real, size) : real;
    const batch = await batchFor(tuner, d, rows);
    const out = await tuner.predict(batch.feeds);
    const n = real.length;
    const k = out.length / rows.length;
    visit(out.subarray(0, n * k), n, k, firstRows(batch.target, n));
  }
}

/**
 * Batch-mean loss and accuracy over a dataset with the tuner's current weights
 * (in batches of the model's fixed batch size when it has one; the padding
 * rows of the last batch are not counted).
 */
export async function evaluate(tuner: Tuner, d: TrainingData, batchSize = 256): Promise<EvalResult> {
  let lossSum = 0, correct = 0;
  await forEachOutput(tuner, d, batchSize, (y, n, k, target) => {
    lossSum += computeLoss(tuner.options.loss, { dims: [n, k], data: y }, target).loss * n;
    correct += countCorrect(y, n, target);
  });
  return { loss: d.size ? lossSum / d.size : 0, accuracy: d.size ? correct / d.size : 0, size: d.size };
}

/** The true class of each row of a target: the label, or the argmax of a float target row. */
function trueClasses(target: HostTensor, n: number): Int32Array {
  const t = target.data;
  if (t instanceof BigInt64Array || t instanceof Int32Array) return Int32Array.from({ length: n }, (_, i) => Number(t[i]));
  return argmaxRows(t as Float32Array, n);
}

/**
 * Per-class accuracy and the K×K confusion matrix (rows: true class, columns:
 * the predicted one, the argmax of the output) over a dataset with the
 * tuner's current weights; K is the model's output width.
 */
export async function confusionMatrix(tuner: Tuner, d: TrainingData, batchSize = 256): Promise<Confusion> {
  const pred: number[] = [], truth: number[] = [];
  let classes = 0;
  await forEachOutput(tuner, d, batchSize, (y, n, k, target) => {
    classes = k;
    pred.push(...argmaxRows(y, n));
    truth.push(...trueClasses(target, n));
  });
  return confusionFromPredictions(pred, truth, classes, d.name);
}

function configFingerprint(tuner: Tuner, d: TrainingData, opts: FitOptions): string {
  return JSON.stringify({
    params: tuner.params.map((p) => p.name), data: d.name, size: d.size, ...(isBatchSource(d) && d.config !== undefined ? { source: d.config } : {}), batchSize: opts.batchSize ?? 32,
    shuffle: opts.shuffle ?? true, seed: opts.seed ?? 0, optimizer: tuner.options.optimizer ?? 'adam', loss: tuner.options.loss,
    ...(tuner.options.batchNorm === 'train' ? { batchNorm: 'train' } : {}),
  });
}

function snapshot(tuner: Tuner, epoch: number, batchInEpoch: number, rngState: number[], config: string): TrainingState {
  const running = tuner.engine.running;
  return { step: tuner.step, epoch, batchInEpoch, rngState, weights: tuner.weights, optimizer: tuner.states, config, ...(running.size > 0 ? { running: new Map([...running].map(([k, v]) => [k, v.slice()])) } : {}) };
}

/** Weights and running statistics as they were at the end of an epoch (-1: the start of the run). */
interface Kept {
  epoch: number;
  weights: Map<string, Float32Array>;
  running: Map<string, Float32Array>;
}

const copyMap = (m: ReadonlyMap<string, Float32Array>) => new Map([...m].map(([k, v]) => [k, v.slice()]));

async function keepNow(tuner: Tuner, epoch: number): Promise<Kept> {
  await tuner.sync();
  return { epoch, weights: copyMap(tuner.weights), running: copyMap(tuner.engine.running) };
}

function restore(tuner: Tuner, k: Kept): void {
  tuner.weights = copyMap(k.weights);
  for (const [name, v] of k.running) tuner.engine.running.get(name)?.set(v);
}

const whose = (k: Kept) => (k.epoch < 0 ? 'the weights the run started from' : `the weights of epoch ${k.epoch + 1}`);

/** The loss-rise check: the mean of the last `window` finite step losses against factor × the start loss. */
class RiseWatch {
  /** the start loss; undefined until measured (no check while it is not a positive number) */
  start: number | undefined;
  private readonly recent: number[] = [];

  constructor(private readonly factor: number, readonly window: number) {}

  /** A one-line description when the run has diverged, else undefined. */
  add(loss: number): string | undefined {
    if (!Number.isFinite(loss)) return undefined;
    this.recent.push(loss);
    if (this.recent.length > this.window) this.recent.shift();
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    if (this.start === undefined || !(this.start > 0) || !(mean > this.factor * this.start)) return undefined;
    return `the mean loss of the last ${this.recent.length} step(s), ${mean.toPrecision(3)}, is over ${this.factor}× the start loss ${this.start.toPrecision(3)}`;
  }
}

/** Row-weighted mean training loss of the tuner's current weights on the given batches (forward only). */
async function startLoss(tuner: Tuner, d: TrainingData, batches: { rows: ArrayLike<number>; at: BatchPosition }[]): Promise<number> {
  await tuner.sync();
  let sum = 0, rows = 0;
  for (const { rows: r, at } of batches) {
    const b = await batchFor(tuner, d, r, at);
    const n = b.target.dims[0] ?? r.length;
    sum += (await tuner.engine.lossOnly(b.feeds, b.target, tuner.weights)) * n;
    rows += n;
  }
  return rows > 0 ? sum / rows : NaN;
}

function checkOptions(opts: FitOptions): void {
  if (opts.keep === 'best' && !opts.validation) throw new InputError(`keep 'best' needs a validation set to choose the best epoch`);
  if (opts.earlyStopping !== undefined) {
    if (!opts.validation) throw new InputError('early stopping needs a validation set');
    if (!Number.isInteger(opts.earlyStopping) || opts.earlyStopping < 1) throw new InputError(`early stopping patience must be a positive integer of epochs, got ${opts.earlyStopping}`);
  }
  const div = opts.divergence;
  if (div) {
    if (div.factor !== undefined && !(Number.isFinite(div.factor) && div.factor > 1)) throw new InputError(`divergence factor must be a finite number above 1, got ${div.factor}`);
    if (div.window !== undefined && !(Number.isInteger(div.window) && div.window >= 1)) throw new InputError(`divergence window must be a positive integer of steps, got ${div.window}`);
  }
  if (opts.validation && opts.validation.size === 0) throw new InputError(`${opts.validation.name}: validation set is empty`);
}

export async function fit(tuner: Tuner, d: TrainingData, opts: FitOptions = {}): Promise<FitResult> {
  const epochs = opts.epochs ?? 1;
  const batchSize = tuner.fixedBatch ?? opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`batch size must be a positive integer, got ${batchSize}`);
  if (d.size === 0) throw new InputError(`${d.name}: dataset is empty`);
  checkOptions(opts);
  const keep = opts.keep ?? (opts.validation ? 'best' : 'last');
  const div = opts.divergence === false ? undefined : opts.divergence ?? {};
  const stepsPerEpoch = Math.ceil(d.size / batchSize);
  const config = configFingerprint(tuner, d, opts);
  const dims = new Map(tuner.params.map((p) => [p.name, p.dims]));
  const cachedFeatures = isBatchSource(d) && d.cachedFeatures === true;
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

  // the last good weights a diverging run goes back to: the start, then the end of each epoch it got through
  let good = div ? await keepNow(tuner, -1) : undefined;
  let best: Kept | undefined;
  let bestLoss = Infinity, bestEpoch: number | undefined, sinceBest = 0, stepsAfterBest = false;
  const rise = div ? new RiseWatch(div.factor ?? 10, div.window ?? 8) : undefined;
  const history: EpochRecord[] = [];
  let stopReason: StopReason | undefined, reason: string | undefined, restoredEpoch: number | undefined;

  const totalSteps = epochs * stepsPerEpoch;
  const started = Date.now();
  let stepsThisCall = 0, lastLoss = NaN, stopped = false;
  for (; epoch < epochs && !stopped; epoch++, startBatch = 0) {
    const epochRng = rng.getState();
    const order = opts.shuffle === false ? Int32Array.from({ length: d.size }, (_, i) => i) : rng.permutation(d.size);
    const rowsOf = (b: number): ArrayLike<number> => {
      const rows = order.subarray(b * batchSize, Math.min(d.size, (b + 1) * batchSize));
      // a fixed-batch model takes exactly its batch: a short last batch repeats its rows
      return tuner.fixedBatch && rows.length < batchSize ? padRows(rows, batchSize) : rows;
    };
    if (rise && rise.start === undefined) {
      const first = Array.from({ length: Math.min(rise.window, stepsPerEpoch - startBatch) }, (_, k) => ({ rows: rowsOf(startBatch + k), at: { epoch, batchInEpoch: startBatch + k } }));
      rise.start = await startLoss(tuner, d, first);
    }
    let seen = 0, correct = 0, lossSum = 0, lossRows = 0;
    for (let b = startBatch; b < stepsPerEpoch; b++) {
      const rows = rowsOf(b);
      let info: StepInfo;
      try {
        info = await tuner.trainStep(await batchFor(tuner, d, rows, { epoch, batchInEpoch: b }));
      } catch (e) {
        if (!(e instanceof NumericalError) || div?.nonFinite !== 'stop') throw e;
        reason = e.message.split('\n')[0]!;
        stopReason = 'diverged';
        break;
      }
      stepsThisCall++;
      lastLoss = info.loss;
      seen += info.size;
      correct += info.correct ?? 0;
      if (!info.skipped && Number.isFinite(info.loss)) {
        lossSum += info.loss * info.size;
        lossRows += info.size;
        stepsAfterBest = true;
        const rising = rise?.add(info.loss);
        if (rising) {
          reason = `training diverged at step ${tuner.step} (epoch ${epoch + 1}): ${rising}`;
          stopReason = 'diverged';
          break;
        }
      }
      const done = epoch * stepsPerEpoch + b + 1;
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? (stepsThisCall * batchSize) / elapsed : 0;
      opts.onProgress?.({
        epoch, epochs, step: tuner.step, stepInEpoch: b + 1, stepsPerEpoch, totalSteps, loss: info.loss,
        accuracy: seen ? correct / seen : 0, imagesPerSecond: rate,
        etaSeconds: rate > 0 ? ((totalSteps - done) * batchSize) / rate : 0, skipped: info.skipped,
        ...(cachedFeatures ? { cachedFeatures } : {}),
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
      if (finishedEpoch) {
        const record: EpochRecord = { epoch, trainLoss: lossRows ? lossSum / lossRows : NaN, trainAccuracy: seen ? correct / seen : 0 };
        if (opts.validation) {
          const v = await evaluate(tuner, opts.validation, opts.validationBatchSize ?? 256);
          record.valLoss = v.loss;
          record.valAccuracy = v.accuracy;
          if (v.loss < bestLoss) {
            bestLoss = v.loss;
            bestEpoch = epoch;
            sinceBest = 0;
            stepsAfterBest = false;
            if (keep === 'best') best = await keepNow(tuner, epoch);
          } else {
            sinceBest++;
          }
        }
        if (div) good = best?.epoch === epoch ? best : await keepNow(tuner, epoch);
        history.push(record);
        await opts.onEpochEnd?.(epoch, record);
        if (opts.earlyStopping !== undefined && sinceBest >= opts.earlyStopping && !last) {
          stopReason = 'early-stopping';
          reason = `stopped early after epoch ${epoch + 1}: no lower validation loss for ${sinceBest} epoch(s)`;
          stopped = true;
          break;
        }
      }
      if (stopNow && !last) {
        stopReason = 'max-steps';
        stopped = true;
        break;
      }
    }
    if (stopReason === 'diverged') {
      stopped = true;
      const back = keep === 'best' && best ? best : good!;
      restore(tuner, back);
      restoredEpoch = back.epoch;
      reason = `${reason}; kept ${whose(back)}`;
      break;
    }
  }
  if (stopReason !== 'diverged' && keep === 'best' && best && stepsAfterBest) {
    restore(tuner, best);
    restoredEpoch = best.epoch;
  }
  if (stopReason === 'early-stopping' && best) reason = `${reason}; kept ${whose(best)} (validation loss ${bestLoss.toPrecision(4)})`;
  return {
    steps: tuner.step, epochsDone: Math.min(epoch, epochs), lastLoss, stopped, history,
    ...(stopReason ? { stopReason } : {}), ...(reason ? { reason } : {}),
    ...(bestEpoch !== undefined ? { bestEpoch } : {}), ...(restoredEpoch !== undefined ? { restoredEpoch } : {}),
  };
}
