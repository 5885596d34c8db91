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

/** Every touched value's dims for these feeds; `opts.standIns: false` runs every Conv as it is (the reference the stand-ins are tested against). */
export async function recordShapes(
  model: OnnxModel, backend: Backend, plan: BackwardPlan, feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>,
  providers?: readonly string[], opts: { standIns?: boolean } = {},
): Promise<Map<string, readonly number[]>> {
  const initDims = new Map(model.initializers.map((t) => [t.name ?? '', t.dims.map(Number)]));
  const initTypes = new Map(model.initializers.map((t) => [t.name ?? '', t.data_type ?? 0]));
  const all = valuesTouched(plan);
  const produced = all.filter((v) => !initDims.has(v) && !(v in feeds));
  const view = trainingView(model, plan.params, []);
  // each value's dims as a small int64 output of a Shape node: the values themselves stay inside ONNX Runtime,
  // freed as the pass goes on, instead of all being copied out
  const shapeOf = (v: string) => `edgetune.shape::${v}`;
  const g = view.graph!;
  if (opts.standIns !== false) {
    replaceConvsByStandIns(g, defaultOpset(view), (w) => (initDims.has(w) ? { dims: initDims.get(w)!, dataType: initTypes.get(w)! } : undefined));
  }
  produced.forEach((v, i) => g.node.push(node('Shape', [v], [shapeOf(v)], {}, { name: `edgetune.shape/${i}` })));
  g.output = produced.map((v) => ({ name: shapeOf(v), metadata_props: [] }));
  // unoptimised: a Shape node is then read off the value the kernel made, never folded from ONNX's shape inference
  // (which disagrees with the kernels on, e.g., a ceil_mode pooling window that would start in the padding)
  const session = await Session.create(backend, encodeForRuntime(view), model.inputs, {
    label: model.file, ...(providers ? { providers } : {}), ortOptions: { graphOptimizationLevel: 'disabled' },
  });
  try {
    const full: Record<string, HostTensor> = { ...feeds };
    for (const p of plan.params) full[p] = { dims: initDims.get(p)!, data: weights.get(p)! };
    const out = await session.run(full, produced.map(shapeOf));
    const shapes = new Map<string, readonly number[]>();
    for (const [k, d] of initDims) shapes.set(k, d);
    for (const [k, v] of Object.entries(feeds)) shapes.set(k, [...v.dims]);
    for (const v of produced) shapes.set(v, Array.from(out[shapeOf(v)]!.data as BigInt64Array, Number));
    return shapes;
  } finally {
    await session.dispose();
  }
}
