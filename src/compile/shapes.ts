/**
 * Static shapes for compilation: one forward pass of the training view with
 * the Shape of every value the backward pass touches made an output, its
 * Convs replaced by stand-ins of the same geometry where no value they make
 * can set a shape (shape-stand-ins.ts).
 */
import type { BackwardPlan } from '../grad/plan.js';
import type { OnnxModel } from '../model.js';
import { node } from '../onnx/builder.js';
import { defaultOpset, encodeForRuntime } from '../onnx/model-io.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { Session } from '../runtime/session.js';
import { trainingView } from '../runtime/training-view.js';
import { replaceConvsByStandIns } from './shape-stand-ins.js';

export function valuesTouched(plan: BackwardPlan): string[] {
  const names = new Set<string>();
  for (const s of plan.steps) for (const v of [...s.node.inputs, ...s.node.outputs]) if (v) names.add(v);
  names.add(plan.output);
  return [...names];
}

/** What the shape pass gives the compiler: every touched value's dims, and the run-time values rules asked for (GradRule.emitReads). */
export interface ShapePass {
  shapes: Map<string, readonly number[]>;
  values: Map<string, readonly number[]>;
}

/** The largest tensor whose values the shape pass reads for a rule. */
const MAX_READ = 64;

/** Values produced in the graph whose contents the plan's rules ask for (inputs named by GradRule.emitReads). */
export function valuesRead(plan: BackwardPlan, opset: number, fixed: (v: string) => boolean): string[] {
  const names = new Set<string>();
  for (const s of plan.steps) {
    for (const k of s.rule.emitReads?.(s.node, opset) ?? []) {
      const v = s.node.inputs[k];
      if (v && !fixed(v)) names.add(v);
    }
  }
  return [...names];
}

/** Every touched value's dims for these feeds; `opts.standIns: false` runs every Conv as it is (the reference the stand-ins are tested against). */
export async function recordShapes(
  model: OnnxModel, backend: Backend, plan: BackwardPlan, feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>,
  providers?: readonly string[], opts: { standIns?: boolean } = {},
): Promise<Map<string, readonly number[]>> {
  return (await recordShapePass(model, backend, plan, feeds, weights, providers, opts)).shapes;
}

/**
 * recordShapes, and the values of the small run-time inputs the plan's rules
 * read (GradRule.emitReads; at most 64 values each, float or integer).
 */
export async function recordShapePass(
  model: OnnxModel, backend: Backend, plan: BackwardPlan, feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>,
  providers?: readonly string[], opts: { standIns?: boolean } = {},
): Promise<ShapePass> {
  const initDims = new Map(model.initializers.map((t) => [t.name ?? '', t.dims.map(Number)]));
  const initTypes = new Map(model.initializers.map((t) => [t.name ?? '', t.data_type ?? 0]));
  const all = valuesTouched(plan);
  const produced = all.filter((v) => !initDims.has(v) && !(v in feeds));
  const view = trainingView(model, plan.params, []);
  const constants = new Set(view.graph!.node.filter((n) => n.op_type === 'Constant').flatMap((n) => n.output));
  const read = valuesRead(plan, defaultOpset(view), (v) => initDims.has(v) || v in feeds || constants.has(v));
  // each value's dims as a small int64 output of a Shape node: the values themselves stay inside ONNX Runtime,
  // freed as the pass goes on, instead of all being copied out
  const shapeOf = (v: string) => `edgetune.shape::${v}`;
  const g = view.graph!;
  if (opts.standIns !== false) {
    replaceConvsByStandIns(g, defaultOpset(view), (w) => (initDims.has(w) ? { dims: initDims.get(w)!, dataType: initTypes.get(w)! } : undefined));
  }
  produced.forEach((v, i) => g.node.push(node('Shape', [v], [shapeOf(v)], {}, { name: `edgetune.shape/${i}` })));
  g.output = [...produced.map(shapeOf), ...read].map((name) => ({ name, metadata_props: [] }));
  // unoptimised: a Shape node is then read off the value the kernel made, never folded from ONNX's shape inference
  // (which disagrees with the kernels on, e.g., a ceil_mode pooling window that would start in the padding)
  const session = await Session.create(backend, encodeForRuntime(view), model.inputs, {
    label: model.file, ...(providers ? { providers } : {}), ortOptions: { graphOptimizationLevel: 'disabled' },
  });
  try {
    const full: Record<string, HostTensor> = { ...feeds };
    for (const p of plan.params) full[p] = { dims: initDims.get(p)!, data: weights.get(p)! };
    const out = await session.run(full, [...produced.map(shapeOf), ...read]);
    const shapes = new Map<string, readonly number[]>();
    for (const [k, d] of initDims) shapes.set(k, d);
    for (const [k, v] of Object.entries(feeds)) shapes.set(k, [...v.dims]);
    for (const v of produced) shapes.set(v, Array.from(out[shapeOf(v)]!.data as BigInt64Array, Number));
    const values = new Map<string, readonly number[]>();
    for (const v of read) {
      const t = out[v]!;
      const numeric = t.data instanceof Float32Array || t.data instanceof Float64Array || t.data instanceof BigInt64Array || t.data instanceof Int32Array;
      if (numeric && t.data.length <= MAX_READ) values.set(v, Array.from(t.data as ArrayLike<number | bigint>, Number));
    }
    return { shapes, values };
  } finally {
    await session.dispose();
  }
}
