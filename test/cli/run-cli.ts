/**
 * Running the edgetune CLI from tests, and the fixtures the CLI tests share:
 *
 * - `runCli(argv)` calls `main(argv)` in this process with stdout and stderr
 *   captured; `spawnCli(argv)` runs the built binary `node dist/src/cli/bin.js`
 *   as a real process (call `buildCli()` first, the build may be stale).
 * - small models built in memory, .npy and .onnx files in a temporary folder;
 * - references computed directly on onnxruntime-node (not through edgetune):
 *   plain runs, and runs with chosen initializers turned into graph inputs so
 *   a test can perturb weights for central differences.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli/main.js';
import { encodeNpy, type NpyArray } from '../../src/io/npy.js';
import { floatTensor, graph, int64Tensor, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { ModelProto, TensorProto } from '../../src/onnx/types.js';
import { randomFloats, seeded } from '../helpers/random.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LENET5 = path.join(REPO_ROOT, 'models', 'lenet5.onnx');
/**
 * The binary the spawn tests run: a private build beside dist/ (a direct child
 * of the repository, so the CLI finds package.json and node_modules as from
 * dist/), so that no other build can rewrite it while a test runs.
 */
const BUILD = path.join(REPO_ROOT, `.test-build-${process.pid}`);
export const BIN = path.join(BUILD, 'src', 'cli', 'bin.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

function capture(sink: string[]): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
    const cb = rest.find((r): r is () => void => typeof r === 'function');
    cb?.();
    return true;
  }) as Write;
}

/**
 * Run `edgetune <argv>` in this process through `main`, with stdout and
 * stderr captured. A rejection of `main` is reported as the binary would:
 * exit code 1 and one line on stderr.
 */
export async function runCli(argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write, debug: process.env.EDGETUNE_DEBUG };
  delete process.env.EDGETUNE_DEBUG;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  let code: number;
  try {
    code = await main(argv);
  } catch (e) {
    err.push(`edgetune: internal error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
    code = 1;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    if (saved.debug !== undefined) process.env.EDGETUNE_DEBUG = saved.debug;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Compile the project into a private folder so `spawnCli` runs the current sources; type errors elsewhere do not stop the emit. */
export function buildCli(): void {
  spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', REPO_ROOT, '--outDir', BUILD], { cwd: REPO_ROOT, stdio: 'ignore', timeout: 120_000 });
  if (!existsSync(BIN)) throw new Error(`the build did not produce ${BIN}`);
}

/** Remove the private build. */
export function removeCliBuild(): void {
  rmSync(BUILD, { recursive: true, force: true });
}

/** Run the built binary `node dist/src/cli/bin.js <argv>` as a child process. */
export function spawnCli(argv: string[], cwd = REPO_ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.EDGETUNE_DEBUG;
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({
      code: code ?? (signal ? 128 : 1),
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    }));
  });
}

/** The non-empty lines of a stream's text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

// ---- temporary files

/** A fresh temporary folder; `remove()` deletes it with everything inside. */
export function tempFolder(prefix = 'edgetune-cli-'): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeNpyFile(file: string, arr: NpyArray): string {
  writeFileSync(file, encodeNpy(arr));
  return file;
}

export function writeModelFile(file: string, m: ModelProto | Uint8Array): string {
  writeFileSync(file, m instanceof Uint8Array ? m : encodeModel(m));
  return file;
}

export function f32(shape: number[], data: ArrayLike<number>): NpyArray {
  return { dtype: 'float32', shape, data: Float32Array.from(data) };
}

export function i64(shape: number[], data: ArrayLike<number>): NpyArray {
  return { dtype: 'int64', shape, data: BigInt64Array.from(Array.from(data, (v) => BigInt(v))) };
}

/** n seeded floats uniform in [lo, hi). */
export function floats(seed: number, n: number, lo = -1, hi = 1): Float32Array {
  return randomFloats(seeded(seed), n, lo, hi);
}

// ---- small models

/** Float values of the initializers a builder put in, by name. */
export type Weights = Map<string, { dims: number[]; data: Float32Array }>;

function put(weights: Weights, name: string, dims: number[], data: Float32Array): TensorProto {
  weights.set(name, { dims, data });
  return floatTensor(name, dims, data);
}

export interface SmallCnnOptions {
  irVersion?: number;
  opsetVersion?: number;
  /** Reshape with an int64 shape initializer instead of Flatten */
  reshape?: boolean;
  /** Clip the logits with float min/max initializers (not differentiable) */
  clip?: boolean;
  seed?: number;
}

/**
 * X [N,1,5,5] → Conv C1 (2 maps, 3×3) → Relu → Flatten (or Reshape [0,-1])
 * → Gemm F (18→3, transB) [→ Clip(min, max)] → logits [N,3].
 */
export function smallCnn(opts: SmallCnnOptions = {}): { proto: ModelProto; weights: Weights } {
  const seed = opts.seed ?? 11;
  const weights: Weights = new Map();
  const inits = [
    put(weights, 'C1.weight', [2, 1, 3, 3], floats(seed, 18, -0.6, 0.6)),
    put(weights, 'C1.bias', [2], floats(seed + 1, 2, 0.05, 0.2)),
    put(weights, 'F.weight', [3, 18], floats(seed + 2, 54, -0.4, 0.4)),
    put(weights, 'F.bias', [3], floats(seed + 3, 3, -0.1, 0.1)),
  ];
  const nodes = [
    node('Conv', ['X', 'C1.weight', 'C1.bias'], ['c1'], { kernel_shape: [3, 3] }, { name: 'C1' }),
    node('Relu', ['c1'], ['a1'], {}, { name: 'relu' }),
  ];
  if (opts.reshape) {
    inits.push(int64Tensor('reshape.shape', [2], [0, -1]));
    nodes.push(node('Reshape', ['a1', 'reshape.shape'], ['flat'], {}, { name: 'reshape' }));
  } else {
    nodes.push(node('Flatten', ['a1'], ['flat'], { axis: 1 }, { name: 'flatten' }));
  }
  if (opts.clip) {
    inits.push(floatTensor('clip.min', [], [-50]), floatTensor('clip.max', [], [50]));
    nodes.push(node('Gemm', ['flat', 'F.weight', 'F.bias'], ['pre'], { transB: 1 }, { name: 'F' }));
    nodes.push(node('Clip', ['pre', 'clip.min', 'clip.max'], ['logits'], {}, { name: 'clip' }));
  } else {
    nodes.push(node('Gemm', ['flat', 'F.weight', 'F.bias'], ['logits'], { transB: 1 }, { name: 'F' }));
  }
  const g = graph('small-cnn', nodes, [valueInfo('X', DataType.FLOAT, ['N', 1, 5, 5])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], inits);
  const proto = model(g, { irVersion: opts.irVersion ?? 8, opsets: [opset('', opts.opsetVersion ?? 17)] });
  return { proto, weights };
}

/**
 * X [N,4] → Gemm T (4→5) → Relu → h; `first` = Gemm A(h) [N,3], `second` =
 * Gemm B(h) [N,2]. A trunk shared by two heads.
 */
export function twoHeads(seed = 21): { proto: ModelProto; weights: Weights } {
  const weights: Weights = new Map();
  const inits = [
    put(weights, 'T.weight', [5, 4], floats(seed, 20, -0.8, 0.8)),
    put(weights, 'T.bias', [5], floats(seed + 1, 5, 0.1, 0.3)),
    put(weights, 'A.weight', [3, 5], floats(seed + 2, 15, -0.8, 0.8)),
    put(weights, 'A.bias', [3], floats(seed + 3, 3, -0.1, 0.1)),
    put(weights, 'B.weight', [2, 5], floats(seed + 4, 10, -0.8, 0.8)),
    put(weights, 'B.bias', [2], floats(seed + 5, 2, -0.1, 0.1)),
  ];
  const nodes = [
    node('Gemm', ['X', 'T.weight', 'T.bias'], ['t'], { transB: 1 }, { name: 'T' }),
    node('Relu', ['t'], ['h'], {}, { name: 'relu' }),
    node('Gemm', ['h', 'A.weight', 'A.bias'], ['first'], { transB: 1 }, { name: 'A' }),
    node('Gemm', ['h', 'B.weight', 'B.bias'], ['second'], { transB: 1 }, { name: 'B' }),
  ];
  const g = graph('two-heads', nodes, [valueInfo('X', DataType.FLOAT, ['N', 4])],
    [valueInfo('first', DataType.FLOAT, ['N', 3]), valueInfo('second', DataType.FLOAT, ['N', 2])], inits);
  return { proto: model(g), weights };
}

/** Initializer names that need making safe for file names; the first and third give the same safe name. */
export const AWKWARD_NAMES = ['layer/1:weight', 'layer 1/bias', 'layer:1/weight'] as const;

/** X [N,4] → Gemm(X, 'layer/1:weight', 'layer 1/bias') → Mul('layer:1/weight') → y [N,3]. */
export function awkwardNames(seed = 31): { proto: ModelProto; weights: Weights } {
  const [w, b, s] = AWKWARD_NAMES;
  const weights: Weights = new Map();
  const inits = [
    put(weights, w, [3, 4], floats(seed, 12, -1, 1)),
    put(weights, b, [3], floats(seed + 1, 3, -0.5, 0.5)),
    put(weights, s, [3], floats(seed + 2, 3, 0.5, 1.5)),
  ];
  const nodes = [
    node('Gemm', ['X', w, b], ['fc'], { transB: 1 }, { name: 'fc' }),
    node('Mul', ['fc', s], ['y'], {}, { name: 'scale' }),
  ];
  const g = graph('awkward', nodes, [valueInfo('X', DataType.FLOAT, ['N', 4])], [valueInfo('y', DataType.FLOAT, ['N', 3])], inits);
  return { proto: model(g), weights };
}

/**
 * X [N,C,H,W] → edgetune.Subsample (size 2) → Y, with the opset import
 * edgetune 1 and NO function definition in the file.
 */
export function bareSubsample(c: number, beta: Float32Array, bias: Float32Array): ModelProto {
  const n = node('Subsample', ['X', 'beta', 'bias'], ['Y'], { size: 2 }, { domain: 'edgetune', name: 'S' });
  const g = graph('subsample', [n], [valueInfo('X', DataType.FLOAT, ['N', c, 'H', 'W'])], [valueInfo('Y', DataType.FLOAT)],
    [floatTensor('beta', [c], beta), floatTensor('bias', [c], bias)]);
  return model(g, { opsets: [opset('', 17), opset('edgetune', 1)], functions: [] });
}

// ---- references on onnxruntime-node

export type OrtFeeds = Record<string, { dims: number[]; data: Float32Array | BigInt64Array | Int32Array }>;

function ortFeeds(feeds: OrtFeeds): Record<string, ort.Tensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.data, v.dims)]));
}

/** Run model bytes (or a file) directly on onnxruntime-node; every output as float32 data with dims. */
export async function ortRun(source: Uint8Array | string, feeds: OrtFeeds): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const session = typeof source === 'string' ? await ort.InferenceSession.create(source) : await ort.InferenceSession.create(source);
  try {
    const out = await session.run(ortFeeds(feeds));
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dims: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

/**
 * The model with the named initializers made graph inputs, on one
 * onnxruntime-node session: `run(feeds, weights)` evaluates it for any values
 * of those weights.
 */
export class OpenModel {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(proto: ModelProto, names: readonly string[]): Promise<OpenModel> {
    const g = proto.graph!;
    const opened = g.initializer.filter((t) => names.includes(t.name ?? ''));
    const copy: ModelProto = {
      ...proto,
      graph: {
        ...g,
        initializer: g.initializer.filter((t) => !names.includes(t.name ?? '')),
        input: [...g.input, ...opened.map((t) => valueInfo(t.name ?? '', DataType.FLOAT, t.dims.map(Number)))],
      },
    };
    return new OpenModel(await ort.InferenceSession.create(encodeModel(copy)));
  }

  async run(feeds: OrtFeeds, weights: Weights): Promise<Record<string, Float32Array>> {
    const all: OrtFeeds = { ...feeds };
    for (const [k, v] of weights) all[k] = v;
    const out = await this.session.run(ortFeeds(all));
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Row-wise argmax of an [N,K] matrix. */
export function argmax(data: ArrayLike<number>, n: number, k: number): number[] {
  return Array.from({ length: n }, (_, r) => {
    let best = 0;
    for (let c = 1; c < k; c++) if (data[r * k + c]! > data[r * k + best]!) best = c;
    return best;
  });
}
