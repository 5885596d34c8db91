/**
 * The PyTorch fixtures in test/fixtures/torch/ (written by
 * scripts/torch-fixtures/make_fixtures.py): their manifests, inputs, labels and
 * torch's float64 reference gradients, and the comparison of edgetune's
 * gradients with those references.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/io/npy.js';
import type { OnnxModel } from '../../src/model.js';
import { loadModelFile } from '../../src/node/model-file.js';
import type { HostTensor } from '../../src/runtime/host-tensor.js';

export const TORCH_DIR = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));

/** One torch parameter as it appears in one export. */
export interface TorchParam {
  /** initializer name in the .onnx */
  onnx: string;
  /** name in model.named_parameters() */
  torch: string;
  /** dims of the initializer */
  dims: number[];
  /** dims of the torch parameter (the reference gradient's layout) */
  torchDims: number[];
  /** where the parameter's gradient starts in the concatenated reference */
  offset: number;
  size: number;
  /** 'transpose': the initializer holds the transpose of the 2-D torch parameter */
  transform: 'none' | 'transpose';
}

export interface TorchExport {
  opset: number;
  onnx: string;
  batch: 'dynamic' | 'fixed';
  batchNormNodes: number;
  ops: string[];
  params: TorchParam[];
  unmatched: { torch: string; reason: string }[];
}

export interface TorchManifest {
  model: string;
  input: string;
  output: string;
  inputShape: number[];
  classes: number;
  x: string;
  labels: string;
  grads: string;
  loss: number;
  lossDefinition: string;
  finetune: { optimizer: 'sgd'; lr: number; steps: number; losses: number[] } | null;
  exports: TorchExport[];
}

export interface TorchFixture {
  /** `<model>-opset<N>`, the test's name */
  name: string;
  manifest: TorchManifest;
  export: TorchExport;
}

/** Every (model, opset) export described by the manifests, in file order. */
export function torchFixtures(): TorchFixture[] {
  const files = readdirSync(TORCH_DIR).filter((f) => f.endsWith('.json')).sort();
  return files.flatMap((f) => {
    const manifest = JSON.parse(readFileSync(join(TORCH_DIR, f), 'utf8')) as TorchManifest;
    return manifest.exports.map((e) => ({ name: e.onnx.replace(/\.onnx$/, ''), manifest, export: e }));
  });
}

export interface LoadedFixture {
  model: OnnxModel;
  feeds: Record<string, HostTensor>;
  target: HostTensor;
  /** torch's gradients, every parameter flattened and concatenated (torch layout) */
  grads: Float32Array;
}

export async function loadFixture(fx: TorchFixture): Promise<LoadedFixture> {
  const m = fx.manifest;
  const [x, labels, grads] = await Promise.all([m.x, m.labels, m.grads].map((f) => readNpy(join(TORCH_DIR, f))));
  if (!(x!.data instanceof Float32Array) || !(labels!.data instanceof BigInt64Array) || !(grads!.data instanceof Float32Array)) {
    throw new Error(`${m.model}: fixture arrays have unexpected dtypes (${x!.dtype}, ${labels!.dtype}, ${grads!.dtype})`);
  }
  return {
    model: await loadModelFile(join(TORCH_DIR, fx.export.onnx)),
    feeds: { [m.input]: { dims: x!.shape, data: x!.data } },
    target: { dims: labels!.shape, data: labels!.data },
    grads: grads!.data,
  };
}

/** The reference gradient of one parameter in the initializer's layout. */
export function referenceGradient(p: TorchParam, grads: Float32Array): Float32Array {
  const ref = grads.subarray(p.offset, p.offset + p.size);
  if (p.transform === 'none') return ref;
  const [a, b] = p.torchDims as [number, number];
  const out = new Float32Array(p.size);
  for (let j = 0; j < a; j++) for (let i = 0; i < b; i++) out[i * a + j] = ref[j * b + i]!;
  return out;
}

export interface ParamError {
  name: string;
  /** max|g − ref| / max(max|ref|, floor) */
  error: number;
  maxRef: number;
}

/**
 * Each parameter's worst deviation from torch, scaled by the size of its own
 * reference gradient (or by `floor`, a fraction of the largest reference
 * gradient in the model, where a parameter's gradient is nearly zero), worst
 * first; and the parameters torch trains that edgetune gave no gradient for.
 */
export function compareGradients(params: readonly TorchParam[], got: Map<string, Float32Array>, grads: Float32Array, floorFraction: number): { errors: ParamError[]; missing: string[] } {
  const refs = params.map((p) => ({ p, ref: referenceGradient(p, grads) }));
  const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const floor = floorFraction * Math.max(...refs.map(({ ref }) => maxAbs(ref)));
  const errors: ParamError[] = [];
  const missing: string[] = [];
  for (const { p, ref } of refs) {
    const g = got.get(p.onnx);
    if (!g || g.length !== ref.length) { missing.push(p.onnx); continue; }
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(g[i]! - ref[i]!));
    const maxRef = maxAbs(ref);
    errors.push({ name: p.onnx, error: worst / Math.max(maxRef, floor), maxRef });
  }
  errors.sort((a, b) => b.error - a.error);
  return { errors, missing };
}

/** |a − b| / |b|. */
export function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** The first line of an error's message, for the status summary. */
export function firstLine(e: unknown): string {
  return (e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)).split('\n')[0]!;
}
