/**
 * Cached features for training a model's last layers. When every layer
 * before the trained ones is frozen (a new head on a frozen backbone), the
 * frozen layers compute the same values for an image in every epoch: they
 * run once per image (the prefix of a FeatureSplit, src/train/feature-split.ts),
 * their outputs are stored, and the trained layers (the suffix) train on the
 * stored values.
 */
import { InputError, UnsupportedError } from '../errors.js';
import { OnnxModel } from '../model.js';
import { encodeForRuntime } from '../onnx/model-io.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { Session } from '../runtime/session.js';
import { batchOf, type Dataset } from './data/dataset.js';
import { fit, isBatchSource, type BatchSource, type FitOptions, type FitResult, type TrainingData } from './fit.js';
import { Tuner, type Batch, type TunerOptions } from './tuner.js';

export { FeatureSplit, splitFrozenPrefix, splitForTuner, type NoSplit, type SplitOptions } from './feature-split.js';
import type { FeatureSplit } from './feature-split.js';

/** Where features beyond the memory limit go: bytes appended in row order, read back by range. */
export interface SpillFile {
  /** a path to show and to check removal by, when it is a file */
  readonly path?: string;
  append(data: Uint8Array): Promise<void>;
  /** `length` bytes from `offset`, in a new array */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** close and delete it */
  dispose(): Promise<void>;
}

export type SpillFactory = () => Promise<SpillFile>;

export interface FeatureCacheOptions {
  /** bytes of features held in memory (default 512 MiB); rows beyond go to the spill file */
  memoryLimit?: number;
  /** makes the spill file (in Node: tempFileSpill() from ./feature-spill.js); without it, features over the limit are refused */
  spill?: SpillFactory;
  /** rows per run of the frozen layers (default 64; a model with a fixed batch size runs its own) */
  batchSize?: number;
  /** execution providers for the frozen layers */
  providers?: readonly string[];
  /** after each run of the frozen layers */
  onProgress?: (rowsDone: number, rows: number) => void;
}

export const DEFAULT_MEMORY_LIMIT = 512 * 1024 * 1024;

const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * The frozen layers' outputs for every row of a dataset, computed once, with
 * the rows' labels or targets: a BatchSource fit() and evaluate() train and
 * evaluate the suffix on. Rows are held in memory up to the limit, the rest
 * in the spill file, read back by contiguous row ranges.
 */
export class FeatureCache implements BatchSource {
  readonly cachedFeatures = true;

  private constructor(
    readonly split: FeatureSplit,
    readonly name: string,
    readonly size: number,
    /** per-row dims of each cut value */
    readonly rowDims: ReadonlyMap<string, readonly number[]>,
    /** rows 0..memoryRows−1 are in memory, the rest in the spill file */
    readonly memoryRows: number,
    private readonly memory: Map<string, Float32Array>,
    private readonly spill: SpillFile | undefined,
    private readonly labels: Int32Array | undefined,
    private readonly targets: { data: Float32Array; width: number } | undefined,
    /** seconds the frozen layers took */
    readonly seconds: number,
  ) {}

  /** Run the split's frozen layers over `d` once and keep their outputs. */
  static async build(split: FeatureSplit, backend: Backend, d: Dataset, opts: FeatureCacheOptions = {}): Promise<FeatureCache> {
    if (d.size === 0) throw new InputError(`${d.name}: dataset is empty`);
    if (!d.labels && !d.targets) throw new InputError(`${d.name}: dataset has neither labels nor targets`);
    const limit = opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    if (!(limit >= 0)) throw new InputError(`feature cache: memory limit must be a non-negative number of bytes, got ${limit}`);
    const started = Date.now();
    const prefix = split.prefix;
    const first = prefix.inputs[0]!;
    const fixed = typeof first.dims?.[0] === 'number' && first.dims[0] > 0 ? first.dims[0] : undefined;
    const size = fixed ?? opts.batchSize ?? 64;
    if (!Number.isInteger(size) || size < 1) throw new InputError(`feature cache: batch size must be a positive integer, got ${size}`);
    const session = await Session.create(backend, encodeForRuntime(prefix.runtimeProto()), prefix.inputs, {
      label: prefix.file, ...(opts.providers ? { providers: opts.providers } : {}),
    });
    const rowDims = new Map<string, number[]>();
    const memory = new Map<string, Float32Array>();
    let memoryRows = 0, rowFloats = 0;
    let spill: SpillFile | undefined;
    try {
      for (let start = 0; start < d.size; start += size) {
        const real = Array.from({ length: Math.min(size, d.size - start) }, (_, i) => start + i);
        const rows = fixed ? Array.from({ length: fixed }, (_, i) => real[i % real.length]!) : real;
        const b = batchOf(d, rows);
        const out = await session.run({ [split.input]: { dims: b.dims, data: b.x } }, split.cut);
        const values = split.cut.map((name) => featureRows(out[name], name, rows.length, rowDims, prefix.file));
        if (start === 0) {
          rowFloats = split.cut.reduce((a, name) => a + prod(rowDims.get(name)!), 0);
          memoryRows = Math.min(d.size, Math.floor(limit / (rowFloats * 4)));
          for (const name of split.cut) memory.set(name, new Float32Array(memoryRows * prod(rowDims.get(name)!)));
          if (memoryRows < d.size) {
            if (!opts.spill) {
              throw new InputError(`${d.name}: the cached features need ${mb(d.size * rowFloats * 4)} MB, over the memory limit of ${mb(limit)} MB, and no spill file was given`);
            }
            spill = await opts.spill();
          }
        }
        const n = real.length;
        const inMemory = Math.max(0, Math.min(n, memoryRows - start));
        if (inMemory > 0) {
          split.cut.forEach((name, c) => {
            const per = prod(rowDims.get(name)!);
            memory.get(name)!.set(values[c]!.subarray(0, inMemory * per), start * per);
          });
        }
        if (inMemory < n) await spill!.append(interleave(values, split.cut.map((name) => prod(rowDims.get(name)!)), inMemory, n));
        opts.onProgress?.(start + n, d.size);
      }
    } catch (e) {
      await spill?.dispose();
      throw e;
    } finally {
      await session.dispose();
    }
    const targets = d.targets ? { data: d.targets.slice(), width: d.targetWidth ?? d.targets.length / d.size } : undefined;
    return new FeatureCache(split, d.name, d.size, rowDims, memoryRows, memory, spill, d.labels?.slice(), targets, (Date.now() - started) / 1000);
  }

  /** The spill file's path, when rows were spilled to a file. */
  get spillPath(): string | undefined {
    return this.spill?.path;
  }

  /** Rows kept in the spill file. */
  get spilledRows(): number {
    return this.size - this.memoryRows;
  }

  /** The suffix model whose inputs these features feed. */
  suffixModel(): OnnxModel {
    return this.split.suffix(this.rowDims);
  }

  /** The features and targets of these rows, in this order. */
  async batch(rows: ArrayLike<number>): Promise<Batch> {
    const n = rows.length;
    const cut = this.split.cut;
    const per = cut.map((name) => prod(this.rowDims.get(name)!));
    const out = per.map((p) => new Float32Array(n * p));
    const spilled: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      if (!Number.isInteger(r) || r < 0 || r >= this.size) throw new InputError(`${this.name}: row ${r} is outside the ${this.size} cached rows`);
      if (r < this.memoryRows) cut.forEach((name, c) => out[c]!.set(this.memory.get(name)!.subarray(r * per[c]!, (r + 1) * per[c]!), i * per[c]!));
      else spilled.push([r, i]);
    }
    if (spilled.length > 0) await this.readSpilled(spilled, per, out);
    const feeds: Record<string, HostTensor> = {};
    cut.forEach((name, c) => { feeds[name] = { dims: [n, ...this.rowDims.get(name)!], data: out[c]! }; });
    return { feeds, target: this.target(rows) };
  }

  /** Spilled rows ([row, position in the batch]) read as runs of consecutive rows. */
  private async readSpilled(spilled: [number, number][], per: number[], out: Float32Array[]): Promise<void> {
    spilled.sort((a, b) => a[0] - b[0]);
    const rowFloats = per.reduce((a, b) => a + b, 0);
    for (let s = 0; s < spilled.length;) {
      let e = s + 1;
      while (e < spilled.length && spilled[e]![0] - spilled[e - 1]![0] <= 1) e++;
      const first = spilled[s]![0], last = spilled[e - 1]![0];
      const bytes = await this.spill!.read((first - this.memoryRows) * rowFloats * 4, (last - first + 1) * rowFloats * 4);
      const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      for (let k = s; k < e; k++) {
        const [r, i] = spilled[k]!;
        let off = (r - first) * rowFloats;
        per.forEach((p, c) => {
          out[c]!.set(floats.subarray(off, off + p), i * p);
          off += p;
        });
      }
      s = e;
    }
  }

  private target(rows: ArrayLike<number>): HostTensor {
    const n = rows.length;
    if (this.labels) return { dims: [n], data: BigInt64Array.from({ length: n }, (_, i) => BigInt(this.labels![rows[i]!]!)) };
    const { data, width } = this.targets!;
    const t = new Float32Array(n * width);
    for (let i = 0; i < n; i++) t.set(data.subarray(rows[i]! * width, (rows[i]! + 1) * width), i * width);
    return { dims: [n, width], data: t };
  }

  /** Free the features and delete the spill file. */
  async dispose(): Promise<void> {
    this.memory.clear();
    await this.spill?.dispose();
  }
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** A cut value's batch as float32 rows; the first batch fixes each value's row dims, later ones must agree. */
function featureRows(t: HostTensor | undefined, name: string, rows: number, rowDims: Map<string, number[]>, file: string): Float32Array {
  if (!t) throw new UnsupportedError(`${file}: the frozen layers did not return '${name}'`);
  if (!(t.data instanceof Float32Array)) throw new UnsupportedError(`${file}: cut value '${name}' is ${t.data.constructor.name}, not float32; cached features hold float32 activations`);
  if (t.dims[0] !== rows) {
    throw new UnsupportedError(`${file}: cut value '${name}' has shape [${t.dims.join(',')}] for a batch of ${rows}: cached features need the batch as the first axis`);
  }
  const dims = t.dims.slice(1);
  const known = rowDims.get(name);
  if (!known) rowDims.set(name, dims);
  else if (known.length !== dims.length || known.some((d, i) => d !== dims[i])) {
    throw new UnsupportedError(`${file}: cut value '${name}' changes shape between batches ([${known.join(',')}] then [${dims.join(',')}] per row)`);
  }
  return t.data;
}

/** Rows from..to−1 of every value, each row's values one after the other, as bytes. */
function interleave(values: Float32Array[], per: number[], from: number, to: number): Uint8Array {
  const rowFloats = per.reduce((a, b) => a + b, 0);
  const out = new Float32Array((to - from) * rowFloats);
  for (let r = from; r < to; r++) {
    let off = (r - from) * rowFloats;
    values.forEach((v, c) => {
      out.set(v.subarray(r * per[c]!, (r + 1) * per[c]!), off);
      off += per[c]!;
    });
  }
  return new Uint8Array(out.buffer);
}

export interface CachedFitOptions extends Omit<FitOptions, 'validation'> {
  /** evaluated after every epoch on its cached features (a Dataset is cached with the same options) */
  validation?: Dataset | BatchSource;
  cache?: FeatureCacheOptions;
}

export interface CachedFitResult extends FitResult {
  /** the frozen layers' outputs the head trained on */
  cut: readonly string[];
  /** seconds the frozen layers took over the training (and validation) rows */
  cacheSeconds: number;
  /** training rows held in memory and in the spill file */
  memoryRows: number;
  spilledRows: number;
}

/** The Tuner options for the trained layers alone: the same training, the same parameters, nothing to freeze. */
function headOptions(tuner: Tuner): TunerOptions {
  const { frozen: _frozen, trainAfter: _after, ...rest } = tuner.options;
  return { ...rest, trainable: tuner.params.map((p) => p.name) };
}

function copyInto(from: Tuner, to: Tuner): void {
  to.weights = new Map([...from.weights].map(([k, v]) => [k, v.slice()]));
  to.states = from.states;
  to.step = from.step;
  for (const [k, v] of from.engine.running) to.engine.running.get(k)?.set(v);
}

/**
 * fit() on cached features: the split's frozen layers run once over `d` (and
 * the validation set), a Tuner on the trained layers alone (the same options
 * and parameters as `tuner`) takes over `tuner`'s weights, optimizer state and
 * step, trains on the stored features with the same batches in the same
 * order as fit(tuner, d, opts) would, and its weights, optimizer state, step
 * and running statistics are written back into `tuner` — also when fit
 * throws. Checkpoints are the same as uncached ones (same parameters, data
 * name and size), so either kind of run resumes the other's.
 */
export async function fitCached(tuner: Tuner, backend: Backend, d: Dataset, split: FeatureSplit, opts: CachedFitOptions = {}): Promise<CachedFitResult> {
  const { cache: cacheOpts = {}, validation, ...fitOpts } = opts;
  const cacheOptions: FeatureCacheOptions = { ...cacheOpts, ...(cacheOpts.providers || !tuner.options.providers ? {} : { providers: tuner.options.providers }) };
  const train = await FeatureCache.build(split, backend, d, cacheOptions);
  let val: FeatureCache | undefined;
  try {
    let valSource: TrainingData | undefined;
    if (validation) valSource = isBatchSource(validation) ? validation : (val = await FeatureCache.build(split, backend, validation, cacheOptions));
    const head = await Tuner.create(train.suffixModel(), backend, headOptions(tuner));
    try {
      const want = tuner.params.map((p) => `${p.name}[${p.dims.join(',')}]`).join(' ');
      const got = head.params.map((p) => `${p.name}[${p.dims.join(',')}]`).join(' ');
      if (want !== got) throw new InputError(`${tuner.model.file}: the trained layers alone train other parameters (${got}) than the whole model (${want})`);
      await tuner.sync();
      copyInto(tuner, head);
      let result: FitResult;
      try {
        result = await fit(head, train, { ...fitOpts, ...(valSource ? { validation: valSource } : {}) });
      } finally {
        await head.sync();
        copyInto(head, tuner);
      }
      return { ...result, cut: split.cut, cacheSeconds: train.seconds + (val?.seconds ?? 0), memoryRows: train.memoryRows, spilledRows: train.spilledRows };
    } finally {
      await head.dispose();
    }
  } finally {
    await train.dispose();
    await val?.dispose();
  }
}
