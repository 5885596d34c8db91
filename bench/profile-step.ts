/**
 * Where the compiled training step spends its time, on any model with one
 * image-like input: the inference forward pass and the whole compiled step
 * (Tuner.trainStep on the default path) timed in alternating rounds, their
 * medians, the step's achieved GFLOP/s (Conv, ConvTranspose, Gemm and MatMul
 * counted analytically from the recorded shapes: forward, plus the weight
 * gradient and the input gradient wherever the plan asks for them), and,
 * with --profile, ONNX Runtime's own per-node timings of the step grouped by
 * op type and by node.
 *
 *   node [--expose-gc] dist-bench/bench/profile-step.js [--model models/lenet5.onnx] [--batch 64] [--threads 0]
 *        [--rounds 20] [--warmup 3] [--optimizer sgd|momentum|adam|adamw] [--clip 1] [--profile] [--top 25]
 *        [--size 64] (the input's spatial size where the file leaves it open) [--op Slice] (slowest nodes of one op type, with shapes;
 *        '!Gemm,Conv': of every type but those) [--trainable fc.weight,fc.bias] (only those parameters trained)
 *        [--scaling] (instead: the step's per-node kernel times at one thread and at two, the nodes that scale worst first)
 *
 * --threads 0 keeps ONNX Runtime's default (one per core). Labels are drawn
 * from the output's class count, inputs from a seeded sine; the data does not
 * change the work done, only the values.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OnnxModel } from '../src/model.js';
import { nodeBackend } from '../src/node/backend.js';
import { Model } from '../src/node/model.js';
import type { Backend } from '../src/runtime/backend.js';
import { recordShapes } from '../src/compile/shapes.js';
import { Tuner, type Batch } from '../src/train/tuner.js';
import type { OptimizerName } from '../src/train/optimizers/index.js';
import { isEntryPoint } from './entry.js';

interface Args {
  model: string;
  batch: number;
  threads: number;
  rounds: number;
  warmup: number;
  optimizer: OptimizerName;
  clip: number | undefined;
  profile: boolean;
  /** profile at one thread and at two and compare node by node */
  scaling: boolean;
  top: number;
  size: number;
  /** list only this op type's nodes among the slowest ('!A,B': all but A and B) */
  op: string | undefined;
  /** the trained parameters (comma-separated names; every float parameter when absent) */
  trainable: string[] | undefined;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number) => (get(name) === undefined ? dflt : Number(get(name)));
  return {
    model: get('--model') ?? 'models/lenet5.onnx',
    batch: num('--batch', 64),
    threads: num('--threads', 0),
    rounds: num('--rounds', 20),
    warmup: num('--warmup', 3),
    optimizer: (get('--optimizer') ?? 'sgd') as OptimizerName,
    clip: get('--clip') === undefined ? undefined : Number(get('--clip')),
    profile: argv.includes('--profile'),
    scaling: argv.includes('--scaling'),
    top: num('--top', 25),
    size: num('--size', 64),
    op: get('--op'),
    trainable: get('--trainable')?.split(',').filter((t) => t !== ''),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function backendWith(threads: number, profileDir: string | undefined): Backend {
  return {
    ...nodeBackend,
    sessionOptions: (p) => ({
      ...nodeBackend.sessionOptions?.(p),
      ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
      ...(profileDir ? { enableProfiling: true, profileFilePrefix: path.join(profileDir, 'ort') } : {}),
    }),
  };
}

function inputBatch(model: OnnxModel, n: number, size: number, classes: number): Batch {
  const input = model.inputs[0]!;
  const dims = (input.dims ?? []).map((d, i) => (i === 0 ? n : typeof d === 'number' && d > 0 ? d : size));
  const count = dims.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const labels = BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7) % classes));
  return { feeds: { [input.name]: { dims, data: x } }, target: { dims: [n], data: labels } };
}

const prod = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** Forward and training FLOPs of the Conv-like and matrix nodes on the gradient path and off it. */
async function flopsOf(tuner: Tuner, batch: Batch, backend: Backend): Promise<{ forward: number; train: number }> {
  const engine = tuner.engine;
  const shapes = await recordShapes(engine.work, backend, engine.plan, batch.feeds, tuner.weights);
  let forward = 0, backward = 0;
  for (const s of engine.plan.steps) {
    const n = s.node;
    const dims = (v: string) => shapes.get(v) ?? [];
    let f = 0;
    if (n.opType === 'Conv') {
      const w = dims(n.inputs[1]!);
      f = 2 * prod(dims(n.outputs[0]!)) * prod(w.slice(1));
    } else if (n.opType === 'ConvTranspose') {
      const w = dims(n.inputs[1]!);
      f = 2 * prod(dims(n.inputs[0]!)) * prod(w.slice(1));
    } else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const a = dims(n.inputs[0]!);
      const transA = n.opType === 'Gemm' && n.attrs.int('transA', 0) === 1;
      f = 2 * prod(dims(n.outputs[0]!)) * (transA ? a[a.length - 2]! : a[a.length - 1]!);
    } else continue;
    forward += f;
    if (s.needs[0]) backward += f;
    if (s.needs[1]) backward += f;
  }
  return { forward, train: forward + backward };
}

/** Whether --op lets a node of type `op` into the list: every type without it, one type, or ('!A,B') all but some. */
function listed(op: string, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  return filter.startsWith('!') ? !filter.slice(1).split(',').includes(op) : op === filter;
}

interface ProfileEvent { cat?: string; name?: string; dur?: number; args?: { op_name?: string; output_type_shape?: unknown } }

interface NodeTime { name: string; op: string; us: number; shape: string }

/**
 * Per-node kernel times from the profile with the most node events in `dir`:
 * each node's median over the runs (robust to warm-up and to load), and
 * ONNX Runtime's own run times (its model_run events), microseconds.
 */
function loadProfile(dir: string): { nodes: NodeTime[]; runs: number[] } {
  let best: ProfileEvent[] = [];
  let runs: number[] = [];
  for (const f of readdirSync(dir)) {
    const all = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ProfileEvent[];
    const events = all.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time'));
    if (events.length <= best.length) continue;
    best = events;
    runs = all.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur ?? 0);
  }
  const byNode = new Map<string, { us: number[]; op: string; shape: string }>();
  for (const e of best) {
    const node = e.name!.replace(/_kernel_time$/, '');
    const nd = byNode.get(node) ?? { us: [], op: e.args?.op_name ?? '?', shape: JSON.stringify(e.args?.output_type_shape ?? '').replace(/"float":|[{}"]/g, '') };
    nd.us.push(e.dur ?? 0);
    byNode.set(node, nd);
  }
  return { nodes: [...byNode].map(([name, n]) => ({ name, op: n.op, us: median(n.us), shape: n.shape })), runs };
}

/**
 * Per-op-type and per-node kernel times from the profile in `dir`, summed per
 * op type. Returns the median of ONNX Runtime's own run times, milliseconds.
 */
function readProfile(dir: string, top: number, opFilter: string | undefined): number {
  const { nodes, runs } = loadProfile(dir);
  const byOp = new Map<string, { us: number; count: number }>();
  for (const n of nodes) {
    const o = byOp.get(n.op) ?? { us: 0, count: 0 };
    o.us += n.us;
    o.count++;
    byOp.set(n.op, o);
  }
  const total = nodes.reduce((a, b) => a + b.us, 0);
  console.log(`profile: ${nodes.length} nodes run, ${(total / 1000).toFixed(2)} ms of kernel time per step (sum of per-node medians); session.run ${(median(runs) / 1000).toFixed(2)} ms (median of ${runs.length})`);
  for (const [op, o] of [...byOp].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
    console.log(`  ${op.padEnd(22)} ${(o.us / 1000).toFixed(3).padStart(8)} ms  ${(100 * o.us / total).toFixed(1).padStart(5)}%  ${String(o.count).padStart(4)} nodes`);
  }
  console.log('slowest nodes:');
  for (const n of nodes.sort((a, b) => b.us - a.us).filter((n) => listed(n.op, opFilter)).slice(0, top)) {
    console.log(`  ${(n.us / 1000).toFixed(3).padStart(8)} ms  ${n.op.padEnd(16)} ${n.name}  ${n.shape}`);
  }
  return median(runs) / 1000;
}

/** The step's per-node kernel times at `threads` intra-op threads (warm-up and rounds as in `a`). */
async function profiledNodes(a: Args, threads: number): Promise<NodeTime[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgetune-profile-'));
  try {
    const tuner = await Tuner.create(OnnxModel.fromBytes(new Uint8Array(readFileSync(a.model)), path.basename(a.model)), backendWith(threads, dir), {
      loss: 'cross-entropy', optimizer: a.optimizer, lr: 1e-3, ...(a.clip !== undefined ? { maxGradNorm: a.clip } : {}),
      ...(a.trainable ? { trainable: a.trainable } : {}),
    });
    try {
      const outDims = tuner.engine.work.outputs.find((o) => o.name === tuner.engine.plan.output)?.dims ?? [];
      const batch = inputBatch(tuner.engine.work, a.batch, a.size, typeof outDims[1] === 'number' && outDims[1] > 0 ? outDims[1] : 10);
      for (let r = -a.warmup; r < a.rounds; r++) await tuner.trainStep(batch);
    } finally {
      await tuner.dispose();
    }
    return loadProfile(dir).nodes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * --scaling: the step profiled at one thread and at two, node by node: each
 * node's two-thread time, its speed-up, and its excess over half its
 * one-thread time (what keeps the step from scaling), the largest first.
 */
export async function profileScaling(a: Args): Promise<void> {
  const one = await profiledNodes(a, 1);
  const two = new Map((await profiledNodes(a, 2)).map((n) => [n.name, n]));
  const rows = one.filter((n) => two.has(n.name) && listed(n.op, a.op))
    .map((n) => ({ ...n, us2: two.get(n.name)!.us, excess: two.get(n.name)!.us - n.us / 2 }))
    .sort((p, q) => q.excess - p.excess);
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((acc, r) => acc + f(r), 0) / 1000;
  console.log(`kernel time per step: ${sum((r) => r.us).toFixed(2)} ms at one thread, ${sum((r) => r.us2).toFixed(2)} ms at two `
    + `(${(sum((r) => r.us) / sum((r) => r.us2)).toFixed(2)}×); ${sum((r) => r.excess).toFixed(2)} ms over perfect scaling`);
  for (const r of rows.slice(0, a.top)) {
    console.log(`  ${(r.us / 1000).toFixed(3).padStart(8)} → ${(r.us2 / 1000).toFixed(3).padStart(8)} ms  ${(r.us / r.us2).toFixed(2).padStart(5)}×  `
      + `excess ${(r.excess / 1000).toFixed(3).padStart(7)} ms  ${r.op.padEnd(16)} ${r.name}  ${r.shape}`);
  }
}

export async function profileStep(a: Args): Promise<void> {
  const profileDir = a.profile ? mkdtempSync(path.join(tmpdir(), 'edgetune-profile-')) : undefined;
  const backend = backendWith(a.threads, profileDir);
  const bytes = new Uint8Array(readFileSync(a.model));
  const tuner = await Tuner.create(OnnxModel.fromBytes(bytes, path.basename(a.model)), backend, {
    loss: 'cross-entropy', optimizer: a.optimizer, lr: 1e-3, ...(a.clip !== undefined ? { maxGradNorm: a.clip } : {}),
    ...(a.trainable ? { trainable: a.trainable } : {}),
  });
  const outDims = tuner.engine.work.outputs.find((o) => o.name === tuner.engine.plan.output)?.dims ?? [];
  const classes = typeof outDims[1] === 'number' && outDims[1] > 0 ? outDims[1] : 10;
  const batch = inputBatch(tuner.engine.work, a.batch, a.size, classes);
  const infer = new Model(OnnxModel.fromBytes(bytes, path.basename(a.model)), { ortOptions: a.threads > 0 ? { intraOpNumThreads: a.threads } : {} });
  const inName = Object.keys(batch.feeds)[0]!;
  const flops = await flopsOf(tuner, batch, nodeBackend);
  const fwd: number[] = [], step: number[] = [];
  let lastLoss = NaN;
  const gc = (globalThis as { gc?: () => void }).gc;
  const pause = () => { gc?.(); return new Promise((r) => setTimeout(r, 20)); };
  try {
    for (let r = -a.warmup; r < a.rounds; r++) {
      await pause();
      const t0 = performance.now();
      await infer.run(batch.feeds, undefined);
      const t1 = performance.now();
      await pause();
      const t2 = performance.now();
      const info = await tuner.trainStep(batch);
      const t3 = performance.now();
      lastLoss = info.loss;
      if (r < 0) continue;
      fwd.push(t1 - t0);
      step.push(t3 - t2);
    }
  } finally {
    await tuner.dispose();
    await infer.dispose();
  }
  const f = median(fwd), s = median(step);
  const res = {
    model: path.basename(a.model), batch: a.batch, threads: a.threads, optimizer: a.optimizer, rounds: a.rounds, input: inName,
    ...(a.trainable ? { trainable: a.trainable.length } : {}),
    forwardMs: +f.toFixed(3), stepMs: +s.toFixed(3), stepImagesPerS: +(1000 * a.batch / s).toFixed(1),
    forwardGflops: +(flops.forward / f / 1e6).toFixed(2), stepGflops: +(flops.train / s / 1e6).toFixed(2), lastLoss,
  };
  console.log(JSON.stringify(res));
  if (profileDir) {
    const runMs = readProfile(profileDir, a.top, a.op);
    // onnxruntime-node copies every output (the new weights too) into a new array after the run: bench/output-copy.ts
    console.log(`the whole step took ${(s - runMs).toFixed(2)} ms more than ONNX Runtime's run (median step ${s.toFixed(2)} ms): feeding, the binding's copies of the outputs, the update's bookkeeping`);
    rmSync(profileDir, { recursive: true, force: true });
  }
}

if (isEntryPoint(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2));
  (args.scaling ? profileScaling(args) : profileStep(args)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exitCode = 1;
  });
}
