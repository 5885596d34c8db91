/**
 * The models of the PyTorch comparison and their data:
 *
 *   lenet5          models/lenet5.onnx on MNIST batches (torch rebuilds the
 *                   chain: TableConv as a conv with a masked kernel, Subsample
 *                   as β·sum-pool + b)
 *   resnet18        torchvision ResNet-18, 10 classes, 3×64×64 inputs, every
 *                   parameter trained (BatchNorm in inference form: its affine
 *                   parameters train, the running statistics stay)
 *   resnet18-head   the same export, only the classifier (fc) trained
 *   mobilenetv2     torchvision MobileNetV2, 10 classes, 3×64×64, every
 *                   parameter trained
 *
 * The full-size exports are not committed (ResNet-18 is about 45 MB):
 * scripts/bench-torch/export.py writes them to bench/models/cache/
 * (git-ignored), which `npm run bench:setup` runs, and the bench runs it
 * itself when they are missing and torch is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../src/train/rng.js';
import { repoRoot, trainBatches, type HostBatch } from './workloads.js';

export const TORCH_MODEL_KEYS = ['lenet5', 'resnet18', 'resnet18-head', 'mobilenetv2'] as const;
export type TorchModelKey = (typeof TORCH_MODEL_KEYS)[number];

export interface TorchModelSpec {
  key: TorchModelKey;
  /** in row notes */
  label: string;
  /** the .onnx, relative to the repository root */
  file: string;
  /** what the torch worker builds */
  arch: 'chain' | 'resnet18' | 'mobilenet_v2';
  /** trained parameter names (every float parameter when undefined) */
  trainable?: string[];
  /** per-sample input shape */
  inputShape: number[];
  /** the export script's model name, for the files it generates */
  export?: string;
  /** `count` batches of `size` (MNIST for LeNet-5, seeded random images otherwise) */
  batches(size: number, count: number, seed: number): HostBatch[];
  /** seconds per step rather than milliseconds: fewer rounds */
  heavy: boolean;
}

export const CACHE_DIR = 'bench/models/cache';

/**
 * `count` batches of `size` seeded random images of `shape` (standard
 * normal values) with labels uniform over 10 classes.
 */
export function imageBatches(size: number, count: number, seed: number, shape: readonly number[]): HostBatch[] {
  const rng = new Rng(seed);
  const per = shape.reduce((a, b) => a * b, 1);
  const out: HostBatch[] = [];
  for (let b = 0; b < count; b++) {
    const x = new Float32Array(size * per);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    const labels = Int32Array.from({ length: size }, () => Math.floor(rng.next() * 10));
    out.push({ n: size, dims: [size, ...shape], x, labels, labels64: BigInt64Array.from(labels, (v) => BigInt(v)) });
  }
  return out;
}

const IMAGE = [3, 64, 64];

export const TORCH_MODELS: Record<TorchModelKey, TorchModelSpec> = {
  lenet5: {
    key: 'lenet5', label: 'LeNet-5 (models/lenet5.onnx)', file: 'models/lenet5.onnx', arch: 'chain', inputShape: [1, 28, 28],
    batches: (size, count, seed) => trainBatches(size, count, seed), heavy: false,
  },
  resnet18: {
    key: 'resnet18', label: 'torchvision ResNet-18 (10 classes, 64×64, random init)', file: `${CACHE_DIR}/resnet18.onnx`, arch: 'resnet18',
    inputShape: IMAGE, export: 'resnet18', batches: (size, count, seed) => imageBatches(size, count, seed, IMAGE), heavy: true,
  },
  'resnet18-head': {
    key: 'resnet18-head', label: 'torchvision ResNet-18 (10 classes, 64×64, random init), only fc trained', file: `${CACHE_DIR}/resnet18.onnx`, arch: 'resnet18',
    trainable: ['fc.weight', 'fc.bias'], inputShape: IMAGE, export: 'resnet18', batches: (size, count, seed) => imageBatches(size, count, seed, IMAGE), heavy: true,
  },
  mobilenetv2: {
    key: 'mobilenetv2', label: 'torchvision MobileNetV2 (10 classes, 64×64, random init)', file: `${CACHE_DIR}/mobilenet_v2.onnx`, arch: 'mobilenet_v2',
    inputShape: IMAGE, export: 'mobilenet_v2', batches: (size, count, seed) => imageBatches(size, count, seed, IMAGE), heavy: true,
  },
};

export function modelPath(spec: TorchModelSpec): string {
  return path.join(repoRoot(), spec.file);
}

export function modelBytes(spec: TorchModelSpec): Uint8Array {
  return new Uint8Array(readFileSync(modelPath(spec)));
}

/**
 * Make sure the full-size exports exist: when one is missing, run
 * scripts/bench-torch/export.py for it with `python`. Returns why not, or
 * undefined when every file is there.
 */
export function ensureExports(specs: readonly TorchModelSpec[], python: string, log: (msg: string) => void): string | undefined {
  const missing = [...new Set(specs.filter((s) => s.export && !existsSync(modelPath(s))).map((s) => s.export!))];
  if (missing.length === 0) return undefined;
  log(`generating ${missing.map((m) => `${CACHE_DIR}/${m}.onnx`).join(', ')} with scripts/bench-torch/export.py …`);
  const r = spawnSync(python, [path.join('scripts', 'bench-torch', 'export.py'), ...missing], { cwd: repoRoot(), encoding: 'utf8', timeout: 600_000 });
  if (r.error || r.status !== 0) {
    return `scripts/bench-torch/export.py failed: ${r.error?.message ?? (r.stderr ?? '').trim().split('\n').at(-1) ?? `exit ${r.status}`}`;
  }
  const still = specs.filter((s) => !existsSync(modelPath(s)));
  return still.length > 0 ? `${still.map((s) => s.file).join(', ')} still missing after export.py` : undefined;
}
