/**
 * edgetune against its peers, side by side in one process:
 *
 *   node dist-bench/bench/run.js [--quick] [--only w1,w2] [--out dir]
 *
 * Every workload builds each system, checks that they compute the same thing
 * (outputs within 1e-4 of ONNX Runtime; first training losses within 1e-4 of
 * edgetune's), warms them up, then times them in alternating rounds and keeps
 * the medians. Results go to bench/results.json and bench/RESULTS.md (or to
 * --out). The memory workload forks memory-child.js once per system, so each
 * peak RSS is that of a process loading and doing nothing else. The PyTorch
 * comparison (torch-bench.ts: torch-lenet5, torch-resnet18,
 * torch-resnet18-head, torch-mobilenetv2, torch-memory) runs last, when
 * /usr/bin/python3 has torch; without it its rows say "torch: not installed".
 * When other workloads ran before it, it runs in a fresh process of its own
 * (this script with --torch-child), as torch's workers do: after the other
 * workloads, the mark-compact that ends each ResNet-18 step took 1.4–6.4 ms
 * plus up to 11 ms of incremental marking in this process, against 0.8–2.2
 * ms plus up to 6 ms in a fresh one.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { flopsOf } from './chain.js';
import { EdgetuneInfer, edgetuneTuner, tunerBatch } from './peers/edgetune.js';
import { matmulFlops, matmulPeak, OrtPeer } from './peers/ort.js';
import { checkWasmFilterGradShim, registerWasmFilterGradShim, TfNet, useTfBackend, wasmHasFilterGrad, wasmThreads, type TfBackendName, type TfOptimizerName } from './peers/tfjs.js';
import type { Tuner } from '../src/train/tuner.js';
import type { MemoryReport } from './memory-child.js';
import { machine, rateRows, renderMarkdown, row, type ResultRow, type RunInfo, type SystemName } from './report.js';
import { abab, type AbabOptions, type Contender, type Measured } from './stats.js';
import { measureStepTime } from './step-time.js';
import { headCacheRows } from './head-cache.js';
import { TORCH_GROUPS, TorchBench, type TorchGroup, type TorchMode } from './torch-bench.js';
import { cnn6c2s12c2s, correctOf, lenet5, maxAbsDiff, repoRoot, testBatches, trainBatches, wideLenet5, type BenchModel, type HostBatch } from './workloads.js';
import { isEntryPoint } from './entry.js';

interface Mode {
  name: 'quick' | 'full';
  timing: AbabOptions;
  /** rounds for the slow, large workloads (b256, width variants) */
  heavyRounds: number;
  /** tfjs-cpu trains seconds per step: its warm-up and rounds are capped */
  cpuRounds: number;
  /** TF.js cpu takes part in batch scaling at these sizes only */
  cpuScalingBatches: number[];
  /** images of the memory workload's epoch (edgetune, tfjs-wasm-shim) and tfjs-cpu's shorter run (0: none) */
  memImages: number;
  memCpuImages: number;
  /** Adam steps of the accuracy workload */
  accSteps: number;
  stepTimeRounds: number;
  /** the 6c-2s-12c-2s calibration workload */
  calibrate: boolean;
  /** the PyTorch comparison (torch-bench.ts) */
  torch: TorchMode;
}

const QUICK: Mode = {
  name: 'quick', timing: { warmup: 1, rounds: 3, minBlockMs: 200, maxSteps: 5000 }, heavyRounds: 2, cpuRounds: 1, cpuScalingBatches: [],
  memImages: 640, memCpuImages: 0, accSteps: 20, stepTimeRounds: 3, calibrate: false,
  torch: {
    timing: { warmup: 1, rounds: 3, minBlockMs: 200, maxSteps: 5000 }, heavy: { warmup: 1, rounds: 3, minBlockMs: 200, maxSteps: 50 },
    threads: [1, 2], memSteps: 10, memHeavySteps: 2,
  },
};
const FULL: Mode = {
  name: 'full', timing: { warmup: 2, rounds: 9, minBlockMs: 300, maxSteps: 5000 }, heavyRounds: 4, cpuRounds: 3, cpuScalingBatches: [1, 8],
  memImages: 8000, memCpuImages: 192, accSteps: 125, stepTimeRounds: 10, calibrate: true,
  torch: {
    timing: { warmup: 2, rounds: 9, minBlockMs: 300, maxSteps: 5000 }, heavy: { warmup: 1, rounds: 7, minBlockMs: 300, maxSteps: 50 },
    threads: [1, 2], memSteps: 125, memHeavySteps: 5,
  },
};

const WORKLOADS = [
  'infer-b1', 'infer-b64', 'train-sgd-b64', 'train-adam-b64', 'train-sgd-b1', 'train-sgd-b8', 'train-sgd-b256',
  'train-sgd-b64-w2', 'train-sgd-b64-w4', 'step-time', 'memory-1epoch', 'peak', 'accuracy', 'calibrate-cnn6c-sgd-b50',
  'head-cache', ...TORCH_GROUPS,
] as const;
type Workload = (typeof WORKLOADS)[number];

const LR: Record<TfOptimizerName, number> = { sgd: 0.01, adam: 1e-3 };
const AGREE = 1e-4;

interface Trainers {
  contenders: Contender[];
  firstLoss: Map<SystemName, number>;
  /** the backward path each edgetune system took (edgetune, edgetune-ts) */
  paths: Map<SystemName, () => string>;
  dispose: () => Promise<void>;
}

class BenchError extends Error {
  override name = 'BenchError';
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

const started = performance.now();
function log(msg: string): void {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
}

/** The wasm backend without the shim: one training step, expected to fail. */
async function probeWasmTraining(m: BenchModel, b: HostBatch): Promise<string | undefined> {
  if (wasmHasFilterGrad()) return undefined;
  const net = await TfNet.create(m.chain, m.model, 'wasm');
  try {
    net.setOptimizer('sgd', LR.sgd);
    net.trainStep(b.x, b.labels, m.loss);
    return undefined;
  } catch (e) {
    return message(e);
  } finally {
    net.dispose();
  }
}

class Bench {
  readonly rows: ResultRow[] = [];
  readonly notes: string[] = [];
  /** training measurements by workload, for the scaling and peak rows */
  private readonly trained = new Map<string, { model: BenchModel; batch: number; measured: Measured[] }>();
  private wasmTrainError: string | undefined;

  constructor(readonly mode: Mode) {}

  async setup(): Promise<void> {
    const m = lenet5();
    this.wasmTrainError = await probeWasmTraining(m, trainBatches(1, 1)[0]!);
    registerWasmFilterGradShim();
    const shimError = await checkWasmFilterGradShim();
    if (!(shimError <= AGREE)) throw new BenchError(`the wasm filter-gradient shim differs from TF.js cpu's kernel by ${shimError}`);
    this.notes.push(`the shim's filter gradients match TF.js cpu's Conv2DBackpropFilter within ${shimError.toExponential(1)} (strided, padded and valid cases)`);
    this.notes.push(`threads: onnxruntime-node (edgetune and the raw peer) uses its default intra-op pool on ${os.cpus().length} cores; TF.js wasm runs on ${wasmThreads()} thread (TF.js disables wasm threads in Node); TF.js cpu is single-threaded JS`);
    this.notes.push('TF.js peers are the same architecture with the same initial weights: Conv as tf.fused.conv2d (NHWC, kernels [kh,kw,in,out]), Subsample as avgPool·n²·β + b, TableConv as a conv with a masked kernel, Gemm as tf.fused.matMul; losses tf.losses.softmaxCrossEntropy / ½Σ(y−t)²/N, optimizers tf.train.sgd / tf.train.adam(β1 0.9, β2 0.999, ε 1e-8)');
    this.notes.push('tfjs-wasm-shim is TF.js wasm with the missing Conv2DBackpropFilter kernel registered by the bench (im2col in JS + the backend\'s XNNPACK BatchMatMul)');
  }

  private tfContender(system: SystemName, backend: TfBackendName, images: number, step: () => unknown, caps: Partial<Contender> = {}): Contender {
    return { system, images, before: () => useTfBackend(backend), step, ...caps };
  }

  async infer(workload: Workload, batch: number): Promise<void> {
    const m = lenet5();
    const data = trainBatches(batch, 4, 3);
    const et = await EdgetuneInfer.create(m.bytes, m.name);
    const ort = await OrtPeer.create(m.bytes);
    const cpu = await TfNet.create(m.chain, m.model, 'cpu');
    const wasm = await TfNet.create(m.chain, m.model, 'wasm');
    try {
      const b0 = data[0]!;
      const ref = await ort.run(b0.x, b0.dims);
      const outs: [SystemName, Float32Array][] = [
        ['edgetune', await et.run(b0.x, b0.dims)],
        ['tfjs-cpu', (await useTfBackend('cpu'), cpu.predict(b0.x, batch))],
        ['tfjs-wasm', (await useTfBackend('wasm'), wasm.predict(b0.x, batch))],
      ];
      const bad = outs.map(([s, y]) => [s, maxAbsDiff(y, ref)] as const).filter(([, d]) => !(d <= AGREE));
      if (bad.length > 0) {
        const msg = `outputs differ from ONNX Runtime: ${bad.map(([s, d]) => `${s} max |Δ| ${d.toExponential(2)}`).join(', ')} (limit ${AGREE})`;
        log(`${workload}: aborted: ${msg}`);
        for (const s of ['edgetune', 'onnxruntime-node', 'tfjs-cpu', 'tfjs-wasm'] as const) this.rows.push(row(workload, s, 'images_per_s', null, 'images/s', 0, { error: `aborted: ${msg}` }));
        return;
      }
      let i = 0, j = 0, k = 0, l = 0;
      const next = (n: number) => data[n % data.length]!;
      const measured = await abab([
        { system: 'edgetune', images: batch, step: () => { const b = next(i++); return et.run(b.x, b.dims); } },
        { system: 'onnxruntime-node', images: batch, step: () => { const b = next(j++); return ort.run(b.x, b.dims); } },
        this.tfContender('tfjs-cpu', 'cpu', batch, () => cpu.predict(next(k++).x, batch)),
        this.tfContender('tfjs-wasm', 'wasm', batch, () => wasm.predict(next(l++).x, batch)),
      ], this.mode.timing);
      const rows = rateRows(workload, measured);
      const diffs = new Map(outs.map(([s, y]) => [s, maxAbsDiff(y, ref)]));
      for (const r of rows) if (diffs.has(r.system)) r.note = `max |Δ| to ONNX Runtime ${diffs.get(r.system)!.toExponential(1)}`;
      this.rows.push(...rows);
    } finally {
      await et.dispose();
      await ort.dispose();
      cpu.dispose();
      wasm.dispose();
    }
  }

  /**
   * edgetune's Tuner (and, with `ts`, a second Tuner on the TypeScript
   * backward path) and the TF.js nets on `m` from the same weights, each
   * having taken its first step on the same batch (the check that they train
   * the same thing: first losses within 1e-4 of edgetune's), as contenders
   * that go on through the same batches.
   */
  private async trainers(m: BenchModel, opt: TfOptimizerName, batch: number, cpu: boolean, ts: boolean): Promise<Trainers> {
    const data = trainBatches(batch, 4, 5);
    const tuners: [SystemName, Tuner][] = [];
    const nets: [SystemName, TfNet][] = [];
    const dispose = async () => { for (const [, t] of tuners) await t.dispose(); for (const [, n] of nets) n.dispose(); };
    try {
      tuners.push(['edgetune', await edgetuneTuner(m.bytes, m.name, { optimizer: opt, lr: LR[opt], loss: m.loss })]);
      if (ts) tuners.push(['edgetune-ts', await edgetuneTuner(m.bytes, m.name, { optimizer: opt, lr: LR[opt], loss: m.loss, backward: 'typescript' })]);
      if (cpu) nets.push(['tfjs-cpu', await TfNet.create(m.chain, m.model, 'cpu')]);
      nets.push(['tfjs-wasm-shim', await TfNet.create(m.chain, m.model, 'wasm')]);
      const firstLoss = new Map<SystemName, number>();
      const contenders: Contender[] = [];
      for (const [s, tuner] of tuners) {
        const tb = data.map((b) => tunerBatch(tuner, b));
        firstLoss.set(s, (await tuner.trainStep(tb[0]!)).loss);
        let i = 1;
        contenders.push({ system: s, images: batch, step: () => tuner.trainStep(tb[i++ % tb.length]!) });
      }
      const first = firstLoss.get('edgetune')!;
      for (const [s, net] of nets) {
        await useTfBackend(net.backend);
        net.setOptimizer(opt, LR[opt]);
        firstLoss.set(s, net.trainStep(data[0]!.x, data[0]!.labels, m.loss));
      }
      const off = [...firstLoss].filter(([, v]) => !(Math.abs(v - first) <= AGREE));
      if (off.length > 0) throw new BenchError(`first-step losses differ from edgetune's ${first}: ${off.map(([s, v]) => `${s} ${v}`).join(', ')}`);
      for (const [s, net] of nets) {
        let k = 1;
        const caps = s === 'tfjs-cpu' ? { warmup: 0, maxRounds: this.mode.cpuRounds } : {};
        contenders.push(this.tfContender(s, net.backend, batch, () => { const b = data[k++ % data.length]!; return net.trainStep(b.x, b.labels, m.loss); }, caps));
      }
      return { contenders, firstLoss, paths: new Map(tuners.map(([s, t]) => [s, () => t.backwardPath])), dispose };
    } catch (e) {
      await dispose();
      throw e;
    }
  }

  /**
   * Whole training steps (forward, backward, update) of `m` at `batch`:
   * edgetune's Tuner.trainStep (and, with `peers.ts`, the same Tuner on the
   * TypeScript backward path as edgetune-ts) against TF.js optimizer.minimize
   * on the same batches from the same initial weights.
   */
  async train(workload: string, m: BenchModel, opt: TfOptimizerName, batch: number, peers: { cpu: boolean; ts: boolean; heavy?: boolean; note?: string }): Promise<Measured[]> {
    let t: Trainers | undefined;
    try {
      t = await this.trainers(m, opt, batch, peers.cpu, peers.ts);
      const timing = peers.heavy ? { ...this.mode.timing, rounds: this.mode.heavyRounds, warmup: 1 } : this.mode.timing;
      const measured = await abab(t.contenders, timing);
      const rows = rateRows(workload, measured);
      for (const r of rows) {
        r.note = `${opt} lr ${LR[opt]}, ${m.name}, first-step loss ${t.firstLoss.get(r.system)?.toFixed(6)}${t.paths.has(r.system) ? `, backward path: ${t.paths.get(r.system)!()}` : ''}${peers.note ? `; ${peers.note}` : ''}`;
      }
      this.rows.push(...rows);
      if (this.wasmTrainError !== undefined) {
        this.rows.push(row(workload, 'tfjs-wasm', 'images_per_s', null, 'images/s', 0, { error: `${this.wasmTrainError} (TF.js wasm has no filter-gradient kernel; see tfjs-wasm-shim)` }));
      }
      this.trained.set(workload, { model: m, batch, measured });
      return measured;
    } catch (e) {
      log(`${workload}: aborted: ${message(e)}`);
      for (const s of ['edgetune', ...(peers.ts ? ['edgetune-ts'] : []), 'tfjs-wasm-shim', ...(peers.cpu ? ['tfjs-cpu'] : [])] as SystemName[]) {
        this.rows.push(row(workload, s, 'images_per_s', null, 'images/s', 0, { error: `aborted: ${message(e)}` }));
      }
      return [];
    } finally {
      await t?.dispose();
    }
  }

  /** Cost per FLOP of every scaling workload relative to train-sgd-b64, per system. */
  scalingRows(): void {
    const base = this.trained.get('train-sgd-b64');
    if (!base) return;
    const baseFlops = flopsOf(base.model.chain, base.batch);
    const baseWork = baseFlops.forward + baseFlops.backward;
    for (const [w, t] of this.trained) {
      if (!/^train-sgd-b\d+(-w\d+)?$/.test(w)) continue;
      const f = flopsOf(t.model.chain, t.batch);
      const work = (f.forward + f.backward) / baseWork;
      for (const m of t.measured) {
        const b = base.measured.find((x) => x.system === m.system);
        if (!b || m.error || b.error) continue;
        const ratio = (m.msPerStep / b.msPerStep) / work;
        this.rows.push(row(w, m.system as SystemName, 'cost_ratio', ratio, '×', m.samples.length, { note: `${work >= 10 ? work.toFixed(1) : work.toFixed(3)}×` }));
      }
    }
  }

  async stepTime(): Promise<void> {
    const t = await measureStepTime({ batch: 64, rounds: this.mode.stepTimeRounds, warmup: 1 });
    const w = 'step-time';
    this.rows.push(row(w, 'edgetune', 'forward_ms', t.forwardMs, 'ms', t.rounds, { note: `lenet5.onnx batch 64: ONNX Runtime running the training view; backward/forward = ${t.ratio.toFixed(2)}` }));
    this.rows.push(row(w, 'edgetune', 'backward_ms', t.backwardMs, 'ms', t.rounds, { note: 'the TypeScript rules\' reverse walk' }));
    this.rows.push(row(w, 'edgetune', 'step_ms_rules', t.stepRulesMs, 'ms', t.rounds, { note: 'whole Tuner.trainStep with backward: \'typescript\' (SGD)' }));
    this.rows.push(row(w, 'edgetune', 'step_ms_default', t.stepDefaultMs, 'ms', t.rounds, { note: `whole Tuner.trainStep on the default path, which took: ${t.defaultPath}` }));
  }

  async memory(): Promise<void> {
    const runs: [SystemName, number][] = [['edgetune', this.mode.memImages], ['tfjs-wasm-shim', this.mode.memImages]];
    if (this.mode.memCpuImages > 0) runs.push(['tfjs-cpu', this.mode.memCpuImages]);
    for (const [system, images] of runs) {
      try {
        const r = await forkMemoryChild(system, images, 64);
        this.rows.push(row('memory-1epoch', system, 'peak_rss_mb', r.peakRssMb, 'MB', 1, {
          ...(images < this.mode.memImages ? { partial: true } : {}),
          note: `${r.images} images in ${r.steps} SGD steps of 64 (${(r.images / r.seconds).toFixed(0)} images/s${r.path ? `, backward path ${r.path}` : ''}); RSS ${r.rssBeforeMb.toFixed(0)} MB before the first step${images < this.mode.memImages ? ' (shorter run: TF.js cpu trains at a few images/s)' : ''}`,
        }));
      } catch (e) {
        this.rows.push(row('memory-1epoch', system, 'peak_rss_mb', null, 'MB', 0, { error: message(e) }));
      }
      log(`memory-1epoch ${system} done`);
    }
  }

  /**
   * Achieved GFLOP/s of the training step (analytic FLOPs of train-sgd-b64 over
   * its median step time) against the machine's peak: a 1024³ float32 MatMul
   * in onnxruntime-node, timed in the same alternating rounds as the steps.
   */
  async peak(): Promise<void> {
    const n = 1024;
    const m = lenet5();
    const f = flopsOf(m.chain, 64);
    const work = f.forward + f.backward;
    const mm = await matmulPeak(n);
    let t: Trainers | undefined;
    try {
      t = await this.trainers(m, 'sgd', 64, false, false);
      const measured = await abab([{ system: 'onnxruntime-node', images: 1, step: mm.run }, ...t.contenders], this.mode.timing);
      const ref = measured[0]!;
      const peak = matmulFlops(n) / (ref.msPerStep / 1000) / 1e9;
      this.rows.push(row('peak', 'onnxruntime-node', 'gflops', ref.error ? null : peak, 'GFLOP/s', ref.samples.length, {
        reference: true, note: `machine peak: ${n}×${n}×${n} float32 MatMul in onnxruntime-node (2·n³ FLOPs), best round ${(matmulFlops(n) * Math.max(...ref.samples) / 1e9).toFixed(1)} GFLOP/s`,
        samples: ref.samples.map((r) => Math.round((matmulFlops(n) * r) / 1e7) / 100), ...(ref.error ? { error: ref.error } : {}),
      }));
      const gflops = (x: Measured) => work / (x.msPerStep / 1000) / 1e9;
      for (const x of measured.slice(1)) {
        const g = gflops(x);
        this.rows.push(row('peak', x.system as SystemName, 'gflops', x.error ? null : g, 'GFLOP/s', x.samples.length, {
          note: `SGD training step of LeNet-5 at batch 64: ${(work / 1e6).toFixed(1)} MFLOP (forward ${(f.forward / 1e6).toFixed(1)}, backward ${(f.backward / 1e6).toFixed(1)}) = ${((g / peak) * 100).toFixed(1)}% of the MatMul peak`,
          samples: x.samples.map((r) => Math.round(((work / 64) * r) / 1e7) / 100), ...(x.error ? { error: x.error } : {}),
        }));
      }
      const cpu = this.trained.get('train-sgd-b64')?.measured.find((x) => x.system === 'tfjs-cpu' && !x.error);
      if (cpu) {
        const g = gflops(cpu);
        this.rows.push(row('peak', 'tfjs-cpu', 'gflops', g, 'GFLOP/s', cpu.samples.length, {
          note: `from the train-sgd-b64 rounds (not interleaved with the MatMul) = ${((g / peak) * 100).toFixed(2)}% of the MatMul peak`,
        }));
      }
    } finally {
      await t?.dispose();
      await mm.dispose();
    }
  }

  /**
   * The same Adam steps on the same batches from the same weights, then the
   * accuracy on the 2,000 MNIST test digits: edgetune against TF.js wasm with
   * the shim (the faster TF.js trainer here).
   */
  async accuracy(): Promise<void> {
    const m = lenet5();
    const steps = this.mode.accSteps;
    const data = trainBatches(64, steps, 11);
    const test = testBatches(500);
    const total = test.reduce((a, b) => a + b.n, 0);
    const tuner = await edgetuneTuner(m.bytes, m.name, { optimizer: 'adam', lr: LR.adam, loss: m.loss });
    const net = await TfNet.create(m.chain, m.model, 'wasm');
    try {
      const etAcc = async () => { let c = 0; for (const b of test) c += correctOf(await tuner.predict(tunerBatch(tuner, b).feeds), b.labels); return c / total; };
      const tfAcc = () => { let c = 0; for (const b of test) c += correctOf(net.predict(b.x, b.n), b.labels); return c / total; };
      await useTfBackend('wasm');
      const start = await etAcc();
      const startTf = tfAcc();
      net.setOptimizer('adam', LR.adam);
      let etLoss = NaN, tfLoss = NaN;
      for (const b of data) {
        etLoss = (await tuner.trainStep(tunerBatch(tuner, b))).loss;
        tfLoss = net.trainStep(b.x, b.labels, m.loss);
      }
      const [etFinal, tfFinal] = [await etAcc(), tfAcc()];
      const tw = net.weights();
      let dw = 0;
      for (const [name, w] of tuner.weights) dw = Math.max(dw, maxAbsDiff(w, tw.get(name) ?? new Float32Array()));
      const note = `${steps} Adam steps (lr ${LR.adam}, batch 64, the same batches in the same order) from the same weights, edgetune backward path ${tuner.backwardPath}; accuracy before ${(start * 100).toFixed(1)}% / ${(startTf * 100).toFixed(1)}%; last-batch loss edgetune ${etLoss.toFixed(4)}, TF.js ${tfLoss.toFixed(4)}; max |Δw| after training ${dw.toExponential(1)}`;
      this.rows.push(row('accuracy', 'edgetune', 'test_accuracy', etFinal, 'fraction', 1, { note }));
      this.rows.push(row('accuracy', 'tfjs-wasm-shim', 'test_accuracy', tfFinal, 'fraction', 1));
    } finally {
      await tuner.dispose();
      net.dispose();
    }
  }
}

function forkMemoryChild(system: SystemName, images: number, batch: number): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./memory-child.js', import.meta.url)), [system, String(images), String(batch)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let report: MemoryReport | undefined;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('message', (msg) => { report = msg as MemoryReport; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (report) resolve(report);
      else reject(new BenchError(`memory child for ${system} exited with code ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}

/** The PyTorch groups in this process: their rows and notes. */
async function torchRows(mode: Mode, groups: ReadonlySet<TorchGroup>): Promise<{ rows: ResultRow[]; notes: string[] }> {
  const tb = new TorchBench(mode.torch, log);
  try {
    await tb.start(groups);
    await tb.run(groups);
  } finally {
    await tb.close();
  }
  return { rows: tb.rows, notes: tb.notes };
}

/** The PyTorch groups in a fresh node process (this script with --torch-child), their rows and notes sent back. */
function torchRowsInChild(quick: boolean, groups: ReadonlySet<TorchGroup>): Promise<{ rows: ResultRow[]; notes: string[] }> {
  return new Promise((resolve, reject) => {
    const args = ['--torch-child', [...groups].join(','), ...(quick ? ['--quick'] : [])];
    const child = fork(fileURLToPath(import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    let result: { rows: ResultRow[]; notes: string[] } | undefined;
    child.on('message', (m) => { result = m as { rows: ResultRow[]; notes: string[] }; });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new BenchError(`the PyTorch comparison's process exited with code ${code} before reporting`))));
  });
}

function parseArgs(argv: string[]): { quick: boolean; only: Set<Workload> | undefined; out: string } {
  let quick = false, only: Set<Workload> | undefined, out = path.join(repoRoot(), 'bench');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--only') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((n) => !(WORKLOADS as readonly string[]).includes(n));
      if (unknown.length > 0 || names.length === 0) throw new BenchError(`--only: unknown workload '${unknown.join(',')}'; known: ${WORKLOADS.join(', ')}`);
      only = new Set(names as Workload[]);
    } else if (a === '--out') out = path.resolve(argv[++i] ?? '.');
    else throw new BenchError(`unknown argument '${a}' (use --quick, --only w1,w2, --out dir)`);
  }
  return { quick, only, out };
}

async function main(argv: string[]): Promise<void> {
  const child = argv.indexOf('--torch-child');
  if (child >= 0) {
    const groups = new Set((argv[child + 1] ?? '').split(',').filter((g): g is TorchGroup => (TORCH_GROUPS as readonly string[]).includes(g)));
    process.send!(await torchRows(argv.includes('--quick') ? QUICK : FULL, groups));
    return;
  }
  const { quick, only, out } = parseArgs(argv);
  const mode = quick ? QUICK : FULL;
  const want = (w: Workload) => (only ? only.has(w) : w !== 'calibrate-cnn6c-sgd-b50' || mode.calibrate);
  const loadBefore = os.loadavg();
  log(`mode ${mode.name}; load average ${loadBefore.map((l) => l.toFixed(2)).join(', ')}`);
  const bench = new Bench(mode);
  await bench.setup();
  const steps: [Workload, () => Promise<unknown>][] = [
    ['infer-b1', () => bench.infer('infer-b1', 1)],
    ['infer-b64', () => bench.infer('infer-b64', 64)],
    ['train-sgd-b64', () => bench.train('train-sgd-b64', lenet5(), 'sgd', 64, { cpu: true, ts: true })],
    ['train-adam-b64', () => bench.train('train-adam-b64', lenet5(), 'adam', 64, { cpu: !quick, ts: true })],
    ['train-sgd-b1', () => bench.train('train-sgd-b1', lenet5(), 'sgd', 1, { cpu: mode.cpuScalingBatches.includes(1), ts: true })],
    ['train-sgd-b8', () => bench.train('train-sgd-b8', lenet5(), 'sgd', 8, { cpu: mode.cpuScalingBatches.includes(8), ts: true })],
    ['train-sgd-b256', () => bench.train('train-sgd-b256', lenet5(), 'sgd', 256, { cpu: false, ts: true, heavy: true })],
    ['train-sgd-b64-w2', () => bench.train('train-sgd-b64-w2', wideLenet5(2), 'sgd', 64, { cpu: false, ts: true, heavy: true })],
    ['train-sgd-b64-w4', () => bench.train('train-sgd-b64-w4', wideLenet5(4), 'sgd', 64, { cpu: false, ts: true, heavy: true })],
    ['step-time', () => bench.stepTime()],
    ['peak', () => bench.peak()],
    ['accuracy', () => bench.accuracy()],
    ['calibrate-cnn6c-sgd-b50', () => bench.train('calibrate-cnn6c-sgd-b50', cnn6c2s12c2s(), 'sgd', 50, {
      cpu: true, ts: false, note: 'reference figures measured on this machine beforehand for this net at batch 50: TF.js cpu ≈ 30 images/s, shimmed TF.js wasm ≈ 2,800 images/s',
    })],
    ['memory-1epoch', () => bench.memory()],
    ['head-cache', async () => { bench.rows.push(...await headCacheRows(quick)); }],
  ];
  let ranHere = false;
  for (const [w, run] of steps) {
    if (!want(w)) continue;
    ranHere = true;
    log(`${w} …`);
    try {
      await run();
    } catch (e) {
      log(`${w} failed: ${message(e)}`);
      bench.notes.push(`${w} failed: ${message(e)}`);
    }
  }
  const torchGroups = new Set(TORCH_GROUPS.filter((g) => want(g)));
  if (torchGroups.size > 0) {
    const groups = torchGroups as ReadonlySet<TorchGroup>;
    const t = ranHere ? await torchRowsInChild(quick, groups) : await torchRows(mode, groups);
    bench.rows.push(...t.rows);
    bench.notes.push(...t.notes);
    if (ranHere) bench.notes.push('the PyTorch comparison ran in a fresh node process of its own, after the other workloads');
  }
  bench.scalingRows();
  if (!quick) bench.notes.push('TF.js cpu is left out of b256 and the width variants (tens of seconds per step); in the memory workload it trains fewer images');
  else bench.notes.push('--quick: TF.js cpu takes part only in train-sgd-b64 (one timed round) and not in the memory workload; the memory epoch is 640 images; the calibration workload is skipped');
  const { cpu, cores } = machine();
  const info: RunInfo = {
    date: new Date().toISOString(), mode: mode.name, cpu, cores, node: process.version,
    loadBefore, loadAfter: os.loadavg(), seconds: (performance.now() - started) / 1000, notes: bench.notes,
  };
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(bench.rows, null, 1)}\n`);
  writeFileSync(path.join(out, 'RESULTS.md'), renderMarkdown(bench.rows, info));
  log(`wrote ${path.join(out, 'results.json')} and RESULTS.md`);
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => { console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e)); process.exitCode = 1; });
}
