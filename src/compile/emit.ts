/**
 * Emitting a rule's vector–Jacobian product as ONNX nodes. An emitter mirrors
 * its rule's TypeScript VJP line by line, but names values instead of holding
 * them: it reads the node's forward values and ∂L/∂outputs by name and returns
 * the names of ∂L/∂inputs. Shapes are static: the compiled graph is built for
 * one set of input shapes (recorded by one forward pass), so emitters may read
 * any forward value's dims.
 */
import { floatTensor, int64Tensor, node as makeNode, type AttrValue } from '../onnx/builder.js';
import type { ModelProto, NodeProto, TensorProto } from '../onnx/types.js';
import { isExternal, readTensor } from '../onnx/tensor-codec.js';
import { DataType } from '../onnx/dtypes.js';
import type { NodeView } from '../graph/graph.js';

export interface EmitContext {
  node: NodeView;
  /** names of the node's forward input values ('' for absent optional inputs) */
  inputs: readonly string[];
  /** names of the node's forward output values */
  outputs: readonly string[];
  /** names of ∂L/∂output values (undefined where no gradient flows back) */
  gradOutputs: readonly (string | undefined)[];
  /** which inputs need a gradient */
  needs: readonly boolean[];
  opset: number;
  /** static dims of a forward value or of a value this emitter created */
  dims(name: string): readonly number[];
  /**
   * the most inputs a Concat (or outputs a Split) the emitters write may have:
   * unlimited on the CPU; some GPU execution providers bind every operand as
   * a storage buffer and give wrong results past their limit
   */
  maxOperands: number;
  /**
   * whether the graph runs on a GPU execution provider (WebGPU, WebGL): forms
   * chosen for the CPU's thread pool are left out there (with the batch
   * split, ONNX Runtime's WebGPU grouped Conv in Chromium's software WebGPU
   * gave LeNet-5 steps 3e-3 away from wasm's)
   */
  gpu: boolean;
  /**
   * the channel block of ONNX Runtime's NCHWc CPU kernels (8 or 16, by the
   * CPU's vector width) when the graph runs on onnxruntime-node's CPU
   * provider, which lets emitters use the com.microsoft.nchwc ops
   * (emit-nchwc.ts); undefined elsewhere
   */
  nchwcBlock: number | undefined;
  /** add a node of the default domain; returns its output names (fresh, unique) */
  add(op: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, outputs?: number): string[];
  /** add a node of another domain with one output (its opset import joins the graph's: GraphEmitter.domains) */
  opIn(domain: string, op: string, inputs: readonly string[], attrs?: Record<string, AttrValue>): string;
  /** add a node with one output; returns its name */
  op(op: string, inputs: readonly string[], attrs?: Record<string, AttrValue>): string;
  /** record the dims of a value an emitter created (when later emitters need them) */
  setDims(name: string, dims: readonly number[]): void;
  /** an int64 constant initializer (shapes, axes, pads) */
  ints(values: readonly number[], dims?: readonly number[]): string;
  /** a float32 constant initializer */
  floats(values: readonly number[], dims?: readonly number[]): string;
  /**
   * The value `make` builds, built once per graph for `key` and shared by every
   * emitter that asks for the same key (the patch matrix a forward
   * convolution and its weight gradient both read).
   */
  memo(key: string, make: () => string): string;
  /**
   * The op type of the forward node on the gradient path that writes
   * `value`, prefixed by its domain outside the default one ('com.microsoft.Gelu');
   * undefined for inputs, parameters and values off the path.
   */
  producerOp(value: string): string | undefined;
  /**
   * Record that gradient `g` is zero wherever forward value `v` is not
   * positive: a Relu that writes `v` and receives `g` then passes it on as
   * it is (its mask would change nothing).
   */
  markZeroWhereNotPositive(g: string, v: string): void;
  /** Whether markZeroWhereNotPositive recorded `g` against `v`. */
  zeroWhereNotPositive(g: string, v: string): boolean;
  /**
   * The values of a model value fixed in the graph (an initializer or a
   * Constant node's tensor, not trained), as numbers; undefined for values
   * computed at run time, stored outside the model's bytes, or float16.
   */
  constantValues(name: string): readonly number[] | undefined;
  /**
   * The values the shape pass read for a value computed at run time, where
   * the node's rule asks for that input (GradRule.emitReads); undefined
   * otherwise. They are the first batch's: an emitter may use them only to
   * leave out work they show to be an identity, never as the values themselves.
   */
  recordedValues(name: string): readonly number[] | undefined;
}

export type Emitter = (ctx: EmitContext) => (string | undefined)[];

/** What a GraphEmitter's emitters may use: see EmitContext's fields of the same names. */
export interface EmitterOptions {
  maxOperands?: number;
  gpu?: boolean;
  nchwcBlock?: number;
  /** the model's tensor stored under a value name (initializer or Constant node), for EmitContext.constantValues */
  constant?: (name: string) => TensorProto | undefined;
  /** values the shape pass read (recordShapePass), for EmitContext.recordedValues */
  recorded?: ReadonlyMap<string, readonly number[]>;
}

/** Collects the nodes and constants emitted for one graph, with unique names and known dims. */
export class GraphEmitter {
  readonly nodes: NodeProto[] = [];
  readonly constants: TensorProto[] = [];
  private readonly shapes: Map<string, readonly number[]>;
  private counter = 0;
  private readonly constCache = new Map<string, string>();
  private readonly memos = new Map<string, string>();
  private readonly forwardOps = new Map<string, string>();
  private readonly zeroWhereNotPositive = new Set<string>();

  /** see EmitContext.maxOperands */
  readonly maxOperands: number;
  /** see EmitContext.gpu */
  readonly gpu: boolean;
  /** see EmitContext.nchwcBlock */
  readonly nchwcBlock: number | undefined;
  /** the domains other than the default one that emitted nodes use (each at version 1) */
  readonly domains = new Set<string>();

  private readonly constant: ((name: string) => TensorProto | undefined) | undefined;
  private readonly recorded: ReadonlyMap<string, readonly number[]> | undefined;

  constructor(shapes: Map<string, readonly number[]>, private readonly prefix = 'grad', opts: EmitterOptions = {}) {
    this.shapes = new Map(shapes);
    this.maxOperands = opts.maxOperands ?? Infinity;
    this.gpu = opts.gpu ?? false;
    this.nchwcBlock = opts.nchwcBlock;
    this.constant = opts.constant;
    this.recorded = opts.recorded;
  }

  /** see EmitContext.constantValues */
  constantValues(name: string): readonly number[] | undefined {
    const t = name ? this.constant?.(name) : undefined;
    // float16 and bfloat16 decode to bit patterns, not values
    if (!t || isExternal(t) || t.data_type === DataType.FLOAT16 || t.data_type === DataType.BFLOAT16) return undefined;
    const { data } = readTensor(t);
    return Array.from(data as ArrayLike<number | bigint>, Number);
  }

  fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.counter++}`;
  }

  dims(name: string): readonly number[] {
    const d = this.shapes.get(name);
    if (!d) throw new Error(`no static shape recorded for '${name}'`);
    return d;
  }

  /** the dims of `name` when recorded, else undefined */
  knownDims(name: string): readonly number[] | undefined {
    return this.shapes.get(name);
  }

  setDims(name: string, dims: readonly number[]): void {
    this.shapes.set(name, [...dims]);
  }

  add(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs = 1, domain = ''): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(op));
    this.nodes.push(makeNode(op, [...inputs], outs, attrs, { name: this.fresh(`${op}_node`), ...(domain ? { domain } : {}) }));
    if (domain) this.domains.add(domain);
    return outs;
  }

  /** The model's opset imports with one for each domain the emitted nodes use (version 1) that it lacks. */
  importDomains(proto: ModelProto): void {
    for (const domain of this.domains) {
      if (!proto.opset_import.some((o) => o.domain === domain)) proto.opset_import.push({ domain, version: 1 });
    }
  }

  ints(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i:${dims.join(',')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('const_i64');
    this.constants.push(int64Tensor(name, [...dims], values));
    this.constCache.set(key, name);
    this.shapes.set(name, [...dims]);
    return name;
  }

  floats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `f:${dims.join(',')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('const_f32');
    this.constants.push(floatTensor(name, [...dims], values));
    this.constCache.set(key, name);
    this.shapes.set(name, [...dims]);
    return name;
  }

  memo(key: string, make: () => string): string {
    const hit = this.memos.get(key);
    if (hit !== undefined) return hit;
    const v = make();
    this.memos.set(key, v);
    return v;
  }

  /** Note the forward nodes on the gradient path, for EmitContext.producerOp. */
  recordForward(nodes: readonly NodeView[]): void {
    for (const n of nodes) {
      const op = n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}.${n.opType}`;
      for (const o of n.outputs) if (o) this.forwardOps.set(o, op);
    }
  }

  /** The EmitContext for one node of the forward graph. */
  context(base: Omit<EmitContext, 'dims' | 'add' | 'op' | 'opIn' | 'setDims' | 'ints' | 'floats' | 'memo' | 'maxOperands' | 'gpu' | 'nchwcBlock'
    | 'producerOp' | 'markZeroWhereNotPositive' | 'zeroWhereNotPositive' | 'constantValues' | 'recordedValues'>): EmitContext {
    const fact = (g: string, v: string) => `${g}\u0000${v}`;
    return {
      ...base,
      maxOperands: this.maxOperands,
      gpu: this.gpu,
      nchwcBlock: this.nchwcBlock,
      dims: (n) => this.dims(n),
      add: (op, inputs, attrs, outputs) => this.add(op, inputs, attrs, outputs),
      op: (op, inputs, attrs) => this.add(op, inputs, attrs, 1)[0]!,
      opIn: (domain, op, inputs, attrs) => this.add(op, inputs, attrs, 1, domain)[0]!,
      setDims: (n, d) => this.setDims(n, d),
      ints: (v, d) => this.ints(v, d),
      floats: (v, d) => this.floats(v, d),
      memo: (k, make) => this.memo(k, make),
      producerOp: (v) => this.forwardOps.get(v),
      markZeroWhereNotPositive: (g, v) => { this.zeroWhereNotPositive.add(fact(g, v)); },
      zeroWhereNotPositive: (g, v) => this.zeroWhereNotPositive.has(fact(g, v)),
      constantValues: (n) => this.constantValues(n),
      recordedValues: (n) => (n ? this.recorded?.get(n) : undefined),
    };
  }
}
