/**
 * Cached features for training a model's last layers. When every layer
 * before the trained ones is frozen (a new head on a frozen backbone), the
 * frozen layers compute the same values for an image in every epoch: they
 * run once per image, their outputs are stored, and the trained layers train
 * on the stored values.
 *
 * The split: a node depends on the trained parameters when one of its inputs
 * (or a value its subgraphs read) does. The suffix is every node the loss
 * output needs that does; the cut is the set of values the suffix reads that
 * come from the model inputs without passing through a trained parameter
 * (the frozen prefix's outputs). Nodes the suffix needs that read no model
 * input (constants) or only the shape of a prefix value (Shape/Size and
 * arithmetic on their results, as exporters write flattening) are computed
 * in the suffix too, so every cut value is an activation with the batch as
 * its first axis. The prefix computes the cut values from the model inputs;
 * the suffix reads them as graph inputs. Both keep every value name, so the
 * trained parameters have the same names in the suffix as in the model and
 * are written back by name.
 */
import { InputError, UnsupportedError } from '../errors.js';
import { GraphView } from '../graph/graph.js';
import { outerReferences } from '../graph/constant-tensors.js';
import { trainingModel } from '../graph/passes/training-model.js';
import { OnnxModel } from '../model.js';
import { DataType } from '../onnx/dtypes.js';
import { encodeModel } from '../onnx/model-io.js';
import type { GraphProto, ModelProto, NodeProto, ValueInfo } from '../onnx/types.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { Session } from '../runtime/session.js';
import { batchOf, type Dataset } from './data/dataset.js';
import { fit, isBatchSource, type BatchSource, type FitOptions, type FitResult, type TrainingData } from './fit.js';
import { Tuner, type Batch, type TunerOptions } from './tuner.js';

/** Ops whose output is the shape (or size) of their input, not its values. */
const SHAPE_OPS = new Set(['Shape', 'Size']);

export interface SplitOptions {
  /** the output the loss reads (default: the model's first) */
  output?: string;
  /** 'train': BatchNormalization normalises with batch statistics, so no frozen layer may hold one */
  batchNorm?: 'frozen' | 'train';
}

/** Why a model cannot train on cached features. */
export interface NoSplit {
  reason: string;
}

/** A model cut between its frozen prefix and its trained suffix (see the file comment). */
export class FeatureSplit {
  constructor(
    /** the training copy the split was made on (functions inlined, Constant weights promoted, batch freed where possible) */
    readonly source: OnnxModel,
    /** the model input the dataset feeds */
    readonly input: string,
    /** the values the suffix reads from the prefix, in the order the prefix computes them */
    readonly cut: readonly string[],
    /** the trained parameters */
    readonly trained: readonly string[],
    /** the output the loss reads */
    readonly output: string,
    /** computes the cut values (its outputs) from the model input */
    readonly prefix: OnnxModel,
    private readonly suffixNodes: readonly NodeProto[],
    /** nodes in the prefix and in the suffix */
    readonly counts: { prefix: number; suffix: number },
  ) {}

  /**
   * The trained layers as a model whose inputs are the cut values, each
   * [batch, ...rowDims.get(name)], and whose output is the loss output.
   * Initializers are shared with `source`, not copied.
   */
  suffix(rowDims: ReadonlyMap<string, readonly number[]>): OnnxModel {
    const g = this.source.graph;
    const batch = batchDimOf(g.input.find((v) => v.name === this.input));
    const inputs: ValueInfo[] = this.cut.map((name) => {
      const dims = rowDims.get(name);
      if (!dims) throw new InputError(`${this.source.file}: no row shape given for cut value '${name}'`);
      return {
        name, metadata_props: [],
        type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [batch, ...dims.map((d) => ({ dim_value: d }))] } } },
      } as ValueInfo;
    });
    const cut = new Set(this.cut);
    const reads = readsOf(this.suffixNodes);
    const produced = new Set(this.suffixNodes.flatMap((n) => n.output));
    const output = g.output.filter((v) => v.name === this.output);
    const proto = part(this.source.proto, {
      node: [...this.suffixNodes],
      initializer: g.initializer.filter((t) => reads.has(t.name ?? '') && !cut.has(t.name ?? '')),
      input: [...inputs, ...storedInputs(g, reads)],
      output,
      value_info: g.value_info.filter((v) => produced.has(v.name ?? '') && !cut.has(v.name ?? '')),
    });
    return new OnnxModel(proto, `${this.source.file} (trained layers)`, this.source.external);
  }
}

/** The batch dimension of a model input as a TensorShapeProto dim (symbolic when unknown). */
function batchDimOf(v: ValueInfo | undefined): { dim_value: number } | { dim_param: string } {
  const d = v?.type?.tensor_type?.shape?.dim[0];
  if (d && Object.prototype.hasOwnProperty.call(d, 'dim_value') && Number(d.dim_value) > 0) return { dim_value: Number(d.dim_value) };
  return { dim_param: d?.dim_param || 'edgetune_batch' };
}

/** Every value the nodes read, their subgraphs' outer references included. */
function readsOf(nodes: readonly NodeProto[]): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) {
    for (const v of n.input) if (v !== '') out.add(v);
    for (const v of outerReferences(n)) out.add(v);
  }
  return out;
}

/** Graph inputs that are initializers read by a part (models before IR version 4 list every initializer as an input). */
function storedInputs(g: GraphProto, reads: ReadonlySet<string>): ValueInfo[] {
  const stored = new Set(g.initializer.map((t) => t.name ?? ''));
  return g.input.filter((v) => stored.has(v.name ?? '') && reads.has(v.name ?? ''));
}

/** A model with the source's header and the given graph fields (tensors and nodes shared, not copied). */
function part(src: ModelProto, fields: Pick<ModelProto['graph'] & object, 'node' | 'initializer' | 'input' | 'output' | 'value_info'>): ModelProto {
  const g = src.graph!;
  return {
    ...src,
    opset_import: [...src.opset_import], metadata_props: [...src.metadata_props], training_info: [], functions: [...src.functions],
    graph: { ...g, ...fields, quantization_annotation: [], sparse_initializer: [...g.sparse_initializer], metadata_props: [...g.metadata_props] },
  };
}

type Kind = 'trained' | 'data' | 'shape' | 'constant';

/**
 * Split a model for cached-feature training of the given parameters, or say
 * why it cannot be: the loss output does not depend on them, the first layer
 * is trained (nothing frozen to cache), or a frozen layer normalises with
 * batch statistics.
 */
export function splitFrozenPrefix(model: OnnxModel, trained: readonly string[], opts: SplitOptions = {}): FeatureSplit | NoSplit {
  const work = trainingModel(model).model;
  const view = new GraphView(work.graph, model.file);
  const output = opts.output ?? view.outputs[0];
  if (output === undefined) throw new InputError(`${model.file}: the model has no outputs`);
  const input = work.inputs[0]?.name;
  if (input === undefined) return { reason: 'the model has no input' };
  if (work.inputs.length > 1) return { reason: `the model has ${work.inputs.length} inputs; cached features take one` };

  const valueKind = new Map<string, Kind>();
  for (const p of trained) valueKind.set(p, 'trained');
  valueKind.set(input, 'data');
  const nodeKind: Kind[] = new Array<Kind>(view.nodes.length);
  for (const i of view.order) {
    const n = view.node(i);
    const reads = [...n.inputs.filter((v) => v !== ''), ...outerReferences(n.proto)].map((v) => valueKind.get(v) ?? 'constant');
    let k: Kind;
    if (reads.includes('trained')) k = 'trained';
    else if (n.domain === '' && SHAPE_OPS.has(n.opType) && reads.some((r) => r === 'data' || r === 'shape')) k = 'shape';
    else if (reads.includes('data')) k = 'data';
    else if (reads.includes('shape')) k = 'shape';
    else k = 'constant';
    nodeKind[i] = k;
    for (const o of n.outputs) if (o !== '') valueKind.set(o, k);
  }
  if (valueKind.get(output) !== 'trained') return { reason: `output '${output}' does not depend on a trained parameter` };

  // the suffix: trained nodes the output needs, and the constant and shape nodes they read
  const needed = view.upstream([output]);
  const inSuffix = new Set<number>();
  const cut = new Set<string>();
  const stack = view.nodes.filter((n) => nodeKind[n.index] === 'trained' && n.outputs.some((o) => needed.has(o))).map((n) => n.index);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (inSuffix.has(i)) continue;
    inSuffix.add(i);
    const n = view.node(i);
    for (const v of [...n.inputs.filter((x) => x !== ''), ...outerReferences(n.proto)]) {
      const p = view.producer.get(v);
      const k = valueKind.get(v);
      if (p === undefined) {
        if (k === 'data') cut.add(v);
      } else if (k === 'data') {
        cut.add(v);
      } else if (!inSuffix.has(p)) {
        stack.push(p);
      }
    }
  }
  if ([...cut].every((v) => v === input)) return { reason: 'a layer reading the model input is trained: there are no frozen layers to cache' };

  const prefixValues = view.upstream(cut);
  const prefixIdx = view.order.filter((i) => view.node(i).outputs.some((o) => prefixValues.has(o)));
  if (opts.batchNorm === 'train') {
    const bn = prefixIdx.map((i) => view.node(i)).find((n) => n.opType === 'BatchNormalization' && n.domain === '');
    if (bn) return { reason: `BatchNormalization '${bn.name}' among the frozen layers normalises with batch statistics (batchNorm 'train')` };
  }
  const order = new Map(view.order.map((i, k) => [i, k]));
  const cutOrder = [...cut].sort((a, b) => (view.producer.has(a) ? order.get(view.producer.get(a)!)! + 1 : 0) - (view.producer.has(b) ? order.get(view.producer.get(b)!)! + 1 : 0));
  const g = work.graph;
  const prefixNodes = prefixIdx.map((i) => view.node(i).proto);
  const prefixReads = readsOf(prefixNodes);
  const prefixProduced = new Set(prefixNodes.flatMap((n) => n.output));
  const prefix = new OnnxModel(part(work.proto, {
    node: prefixNodes,
    initializer: g.initializer.filter((t) => prefixReads.has(t.name ?? '')),
    input: [...g.input.filter((v) => v.name === input), ...storedInputs(g, prefixReads)],
    output: cutOrder.map((name) => ({ name, metadata_props: [] }) as ValueInfo),
    value_info: g.value_info.filter((v) => prefixProduced.has(v.name ?? '')),
  }), `${model.file} (frozen layers)`, work.external);
  const suffixNodes = view.order.filter((i) => inSuffix.has(i)).map((i) => view.node(i).proto);
  return new FeatureSplit(work, input, cutOrder, [...trained], output, prefix, suffixNodes, { prefix: prefixNodes.length, suffix: suffixNodes.length });
}

/** The split for a Tuner's trained parameters, loss output and BatchNormalization mode. */
export function splitForTuner(tuner: Tuner): FeatureSplit | NoSplit {
  return splitFrozenPrefix(tuner.model, tuner.params.map((p) => p.name), {
    output: tuner.engine.plan.output, ...(tuner.options.batchNorm ? { batchNorm: tuner.options.batchNorm } : {}),
  });
}

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
    const session = await Session.create(backend, encodeModel(prefix.runtimeProto()), prefix.inputs, {
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
