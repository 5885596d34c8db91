/**
 * Test helper: build a small ONNX graph, train every float parameter in it, and
 * compare the rules' gradients with central differences through ONNX Runtime.
 */
import { expect } from 'vitest';
import { graph, model, opset, rawTensor, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import type { NodeProto, TensorProto } from '../../src/onnx/types.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { gradcheck, type GradcheckOptions, type GradcheckReport } from '../../src/grad/gradcheck.js';
import type { LossName } from '../../src/grad/losses.js';
import type { HostTensor } from '../../src/runtime/host-tensor.js';
import { Rng } from '../../src/train/rng.js';

export interface GraphSpec {
  nodes: NodeProto[];
  /** trained float parameters: name → dims (values random in [-1, 1) unless given) */
  params: Record<string, { dims: number[]; data?: ArrayLike<number> }>;
  /** fixed initializers (shapes, indices, frozen weights) */
  constants?: TensorProto[];
  /** graph inputs fed at run time */
  feeds?: Record<string, HostTensor>;
  output: string;
  loss?: LossName;
  /** target for the loss; default a random float target shaped like the output */
  target?: HostTensor;
  opsetVersion?: number;
  seed?: number;
}

export function randomArray(n: number, rng: Rng, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.next();
  return a;
}

export function buildSpecModel(spec: GraphSpec): OnnxModel {
  const rng = new Rng(spec.seed ?? 7);
  const inits: TensorProto[] = Object.entries(spec.params).map(([name, p]) => {
    const n = p.dims.reduce((a, b) => a * b, 1);
    return rawTensor(name, DataType.FLOAT, p.dims, p.data ? Float32Array.from(p.data) : randomArray(n, rng));
  });
  const inputs = Object.entries(spec.feeds ?? {}).map(([name, t]) => valueInfo(name, DataType.FLOAT, [...t.dims]));
  const g = graph('check', spec.nodes, inputs, [{ name: spec.output, metadata_props: [] }], [...inits, ...(spec.constants ?? [])]);
  const m = model(g, { opsets: [opset('', spec.opsetVersion ?? 17)] });
  return new OnnxModel(m, 'check.onnx');
}

/** Run gradcheck on the spec; returns the report (and the engine's gradients for further checks). */
export async function checkGradients(spec: GraphSpec, opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const onnx = buildSpecModel(spec);
  const engine = await GradientEngine.create(onnx, nodeBackend, { loss: spec.loss ?? 'mse', output: spec.output, trainable: Object.keys(spec.params) });
  try {
    const feeds = spec.feeds ?? {};
    let target = spec.target;
    if (!target) {
      const { output } = await engine.forward(feeds, engine.currentWeights());
      target = { dims: output.dims, data: randomArray(output.data.length, new Rng(spec.seed ?? 11)) };
    }
    return await gradcheck(engine, feeds, target, { samples: 16, ...opts });
  } finally {
    await engine.dispose();
  }
}

/** Assert that every parameter's gradient matches central differences. */
export async function expectGradientsMatch(spec: GraphSpec, opts: GradcheckOptions = {}): Promise<GradcheckReport> {
  const report = await checkGradients(spec, opts);
  const summary = report.params.map((p) => `${p.name}: ${p.maxError.toExponential(2)} (a=${p.worst.analytic}, n=${p.worst.numeric})`).join('; ');
  expect(report.params.length, 'parameters checked').toBe(Object.keys(spec.params).length);
  for (const p of report.params) expect(p.checked).toBeGreaterThan(0);
  expect(report.ok, summary).toBe(true);
  return report;
}
