/**
 * edgetune against PyTorch (bench/peers/torch.ts): the same models from the
 * same weights on the same batches, at 1 and 2 intra-op threads, the systems
 * alternating round by round in one run.
 *
 *   infer-b1-tN, infer-b64-tN                 LeNet-5 inference
 *   train-sgd-b{1,8,64,256}-tN                LeNet-5 SGD steps
 *   infer-resnet18-b32-tN, train-resnet18-b32-tN, train-resnet18-head-b32-tN
 *   infer-mobilenetv2-b32-tN, train-mobilenetv2-b32-tN
 *   memory-<model>-b<batch>                   peak RSS of a fresh process per system
 *
 * Systems: edgetune (ONNX Runtime sessions with intraOpNumThreads N),
 * onnxruntime-node (raw session, inference only, N threads), torch and
 * torch-openblas (torch.set_num_threads(N), the BLAS pool sized N). Before
 * timing, every torch output must be within 1e-4 (relative to the largest
 * |y|) of ONNX Runtime's, and every torch first-step loss within 1e-5
 * (relative) of edgetune's; a torch variant that is not is left out of the
 * workload with that error. The first step of each trainer is timed apart
 * (first_step_ms: edgetune builds its compiled step there) and never counted
 * in the steady rate. For LeNet-5 at batch 64 and ResNet-18 at batch 32 the
 * rounds also time a 1024³ float32 MatMul in onnxruntime-node at N threads,
 * the machine's peak the steps' GFLOP/s are compared with.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { FlopCount } from './chain.js';
import { graphFlops } from './flops.js';
import type { MemoryReport } from './memory-child.js';
import { EdgetuneInfer, edgetuneTuner, tunerBatch } from './peers/edgetune.js';
import { matmulFlops, matmulPeak, OrtPeer } from './peers/ort.js';
import { TORCH_VARIANTS, TorchWorker, torchAvailable, torchPython, type TorchVariant } from './peers/torch.js';
import { rateRows, row, type ResultRow, type SystemName } from './report.js';
import { abab, type AbabOptions, type Contender, type Measured } from './stats.js';
import { ensureExports, imageBatches, modelBytes, modelPath, TORCH_MODELS, type TorchModelKey, type TorchModelSpec } from './torch-models.js';
import { maxAbsDiff } from './workloads.js';
import { OnnxModel } from '../src/model.js';

export interface TorchMode {
  /** LeNet-5 workloads */
  timing: AbabOptions;
  /** ResNet-18 and MobileNetV2 (seconds per step) */
  heavy: AbabOptions;
  threads: number[];
  /** SGD steps of each memory run: LeNet-5, and the 64×64 models */
  memSteps: number;
  memHeavySteps: number;
}

export const TORCH_GROUPS = ['torch-lenet5', 'torch-resnet18', 'torch-resnet18-head', 'torch-mobilenetv2', 'torch-memory'] as const;
export type TorchGroup = (typeof TORCH_GROUPS)[number];

const LR = 0.01;
/** torch outputs against ONNX Runtime's: max |Δ| / max |y| */
const OUTPUT_AGREE = 1e-4;
/** torch first-step losses against edgetune's: |Δ| / |loss| (about 6 significant digits) */
const LOSS_AGREE = 1e-5;
const PEAK_N = 1024;

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

function relDiff(a: Float32Array, ref: Float32Array): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]!));
  return maxAbsDiff(a, ref) / Math.max(m, 1e-30);
}

/** The workload name: LeNet-5 keeps the bench's names, the others carry the model. */
function workloadName(kind: 'infer' | 'train', spec: TorchModelSpec, batch: number, threads: number): string {
  if (spec.key === 'lenet5') return `${kind === 'infer' ? 'infer' : 'train-sgd'}-b${batch}-t${threads}`;
  return `${kind}-${spec.key}-b${batch}-t${threads}`;
}

export class TorchBench {
  readonly rows: ResultRow[] = [];
  readonly notes: string[] = [];
  private readonly workers = new Map<TorchVariant, TorchWorker>();
  /** why a variant does not take part */
  private readonly missing = new Map<TorchVariant, string>();
  /** why no workload runs at all (torch absent, exports not generated) */
  private off: string | undefined;
  private readonly exportsMissing = new Map<TorchModelKey, string>();

  constructor(readonly mode: TorchMode, private readonly log: (msg: string) => void) {}

  /** Start one worker per variant (those that can start), generate the exports if needed. */
  async start(groups: ReadonlySet<TorchGroup>): Promise<void> {
    const check = torchAvailable();
    if (!check.ok) {
      this.off = `torch: not installed (${check.reason}; npm run bench:setup installs it)`;
      this.notes.push(`PyTorch comparison: ${this.off}`);
      return;
    }
    const specs = Object.values(TORCH_MODELS).filter((s) => groups.has(`torch-${s.key}` as TorchGroup) || groups.has('torch-memory'));
    const why = ensureExports(specs, torchPython(), this.log);
    if (why) for (const s of specs) if (s.export) this.exportsMissing.set(s.key, why);
    const max = Math.max(...this.mode.threads);
    for (const v of TORCH_VARIANTS) {
      try {
        const w = await TorchWorker.start(v, max);
        this.workers.set(v, w);
        const rt = await w.roundTripMs();
        this.notes.push(`${v}: Python ${w.hello.python}, torch ${w.hello.torch} (BLAS_INFO=${w.hello.blasInfo}, oneDNN ${w.hello.mkldnn ? 'on' : 'off'}), BLAS in use: ${w.describeBlas()}; a long-lived worker (scripts/bench-torch/worker.py) times its own loops; an empty request's round trip is ${rt.toFixed(2)} ms`);
      } catch (e) {
        this.missing.set(v, message(e));
        this.notes.push(`${v}: ${message(e)}`);
      }
    }
    if (this.workers.size === 0) this.off = [...this.missing.values()].join('; ');
  }

  async close(): Promise<void> {
    for (const w of this.workers.values()) await w.close();
    this.workers.clear();
  }

  /** The error rows of a workload that cannot run. */
  private skipped(workload: string, metric: string, unit: string, threads: number | undefined, why: string, systems: readonly SystemName[]): void {
    for (const s of systems) this.rows.push(row(workload, s, metric, null, unit, 0, { error: why, group: 'torch', ...(threads ? { threads } : {}) }));
  }

  /** Why the workload on `spec` cannot run at all, if so. */
  private blocked(spec: TorchModelSpec): string | undefined {
    return this.off ?? this.exportsMissing.get(spec.key);
  }

  /** The systems whose rows carry that reason: only the torch ones when torch is missing (edgetune has nothing to be compared with then). */
  private blockedSystems(all: readonly SystemName[]): SystemName[] {
    return this.off ? [...TORCH_VARIANTS] : [...all];
  }

  private extra(threads: number): Partial<ResultRow> {
    return { group: 'torch', threads };
  }

  /** Rows for the variants that did not start. */
  private missingRows(workload: string, metric: string, unit: string, threads: number | undefined): void {
    for (const [v, why] of this.missing) this.rows.push(row(workload, v, metric, null, unit, 0, { error: why, group: 'torch', ...(threads ? { threads } : {}) }));
  }

  /** The workers loaded with `spec` at `threads`, fed `data`; failures become the variant's error. */
  private async prepareWorkers(spec: TorchModelSpec, threads: number, data: Parameters<TorchWorker['setData']>[0], errors: Map<TorchVariant, string>): Promise<Map<TorchVariant, TorchWorker>> {
    const ready = new Map<TorchVariant, TorchWorker>();
    for (const [v, w] of this.workers) {
      try {
        const got = await w.setThreads(threads);
        if (got !== threads) throw new Error(`torch.get_num_threads() is ${got} after set_num_threads(${threads})`);
        await w.load({ arch: spec.arch, onnx: modelPath(spec), lr: LR, ...(spec.trainable ? { trainable: spec.trainable } : {}) });
        await w.setData(data);
        ready.set(v, w);
      } catch (e) {
        errors.set(v, message(e));
      }
    }
    return ready;
  }

  /** Inference at `batch`: edgetune's Model.run, a raw ONNX Runtime session and torch's forward, all at `threads`. */
  async infer(spec: TorchModelSpec, batch: number, threads: number): Promise<void> {
    const workload = workloadName('infer', spec, batch, threads);
    const blocked = this.blocked(spec);
    if (blocked) return this.skipped(workload, 'images_per_s', 'images/s', threads, blocked, this.blockedSystems(['edgetune', 'onnxruntime-node', ...TORCH_VARIANTS]));
    const data = spec.batches(batch, 4, 3);
    const bytes = modelBytes(spec);
    const et = await EdgetuneInfer.create(bytes, spec.file, threads);
    const ort = await OrtPeer.create(bytes, threads);
    const errors = new Map<TorchVariant, string>();
    try {
      const workers = await this.prepareWorkers(spec, threads, data, errors);
      const b0 = data[0]!;
      const ref = await ort.run(b0.x, b0.dims);
      const etDiff = relDiff(await et.run(b0.x, b0.dims), ref);
      const diffs = new Map<SystemName, number>([['edgetune', etDiff]]);
      for (const [v, w] of [...workers]) {
        const d = relDiff(await w.predict(0), ref);
        diffs.set(v, d);
        if (!(d <= OUTPUT_AGREE)) {
          errors.set(v, `outputs differ from ONNX Runtime's: max |Δ| / max |y| = ${d.toExponential(2)} (limit ${OUTPUT_AGREE})`);
          workers.delete(v);
        }
      }
      let i = 0, j = 0;
      const next = (n: number) => data[n % data.length]!;
      const contenders: Contender[] = [
        { system: 'edgetune', images: batch, step: () => { const b = next(i++); return et.run(b.x, b.dims); } },
        { system: 'onnxruntime-node', images: batch, step: () => { const b = next(j++); return ort.run(b.x, b.dims); } },
        ...[...workers].map(([v, w]): Contender => ({ system: v, images: batch, step: () => w.inferBlock(1), block: (n) => w.inferBlock(n), cooldownMs: w.cooldownMs })),
      ];
      const measured = await abab(contenders, spec.heavy ? this.mode.heavy : this.mode.timing);
      const rows = rateRows(workload, measured, this.extra(threads));
      for (const r of rows) {
        const d = diffs.get(r.system);
        r.note = `${spec.label}, batch ${batch}, ${threads} thread(s)${d !== undefined ? `; max |Δ| / max |y| to ONNX Runtime ${d.toExponential(1)}` : ''}${r.system.startsWith('torch') ? ' (forward under torch.inference_mode)' : ''}`;
      }
      this.rows.push(...rows);
      for (const [v, why] of errors) this.rows.push(row(workload, v, 'images_per_s', null, 'images/s', 0, { error: why, ...this.extra(threads) }));
      this.missingRows(workload, 'images_per_s', 'images/s', threads);
    } finally {
      await et.dispose();
      await ort.dispose();
    }
  }

  /**
   * SGD steps (lr 0.01, mean cross-entropy) at `batch`: edgetune's
   * Tuner.trainStep against torch's loop (zero_grad, forward, loss,
   * backward, optimizer.step, loss.item()), at `threads`. With `peak`, an
   * ONNX Runtime 1024³ MatMul is timed in the same rounds and GFLOP/s rows
   * are added.
   */
  async train(spec: TorchModelSpec, batch: number, threads: number, peak = false): Promise<void> {
    const workload = workloadName('train', spec, batch, threads);
    const blocked = this.blocked(spec);
    if (blocked) return this.skipped(workload, 'images_per_s', 'images/s', threads, blocked, this.blockedSystems(['edgetune', ...TORCH_VARIANTS]));
    const data = spec.batches(batch, 4, 5);
    const bytes = modelBytes(spec);
    const t0 = performance.now();
    const tuner = await edgetuneTuner(bytes, spec.file, { optimizer: 'sgd', lr: LR, loss: 'cross-entropy', threads, ...(spec.trainable ? { trainable: spec.trainable } : {}) });
    const createMs = performance.now() - t0;
    const mm = peak ? await matmulPeak(PEAK_N, threads) : undefined;
    const errors = new Map<TorchVariant, string>();
    try {
      const tb = data.map((b) => tunerBatch(tuner, b));
      const t1 = performance.now();
      const etLoss0 = (await tuner.trainStep(tb[0]!)).loss;
      const etFirstMs = performance.now() - t1;
      const etLoss1 = (await tuner.trainStep(tb[1]!)).loss;
      const losses = new Map<SystemName, [number, number]>([['edgetune', [etLoss0, etLoss1]]]);
      const firstMs = new Map<SystemName, number>([['edgetune', etFirstMs]]);
      const workers = await this.prepareWorkers(spec, threads, data, errors);
      for (const [v, w] of [...workers]) {
        try {
          const s0 = await w.step(0);
          const s1 = await w.step(1);
          losses.set(v, [s0.loss, s1.loss]);
          firstMs.set(v, s0.ms);
          const rel = Math.abs(s0.loss - etLoss0) / Math.abs(etLoss0);
          if (!(rel <= LOSS_AGREE)) throw new Error(`first-step loss ${s0.loss} differs from edgetune's ${etLoss0} (relative ${rel.toExponential(1)}, limit ${LOSS_AGREE})`);
        } catch (e) {
          errors.set(v, message(e));
          workers.delete(v);
        }
      }
      let i = 2;
      const contenders: Contender[] = [
        { system: 'edgetune', images: batch, step: () => tuner.trainStep(tb[i++ % tb.length]!) },
        ...[...workers].map(([v, w]): Contender => ({ system: v, images: batch, step: () => w.trainBlock(1), block: (n) => w.trainBlock(n), cooldownMs: w.cooldownMs })),
      ];
      if (mm) contenders.push({ system: 'onnxruntime-node', images: 1, step: mm.run });
      const measured = await abab(contenders, spec.heavy ? this.mode.heavy : this.mode.timing);
      const steps = measured.filter((m) => !(mm && m.system === 'onnxruntime-node'));
      const rows = rateRows(workload, steps, this.extra(threads));
      const f = (x: number) => x.toPrecision(7);
      for (const r of rows) {
        const l = losses.get(r.system);
        const vs = r.system === 'edgetune' ? '' : l ? ` (edgetune ${f(etLoss0)}, ${f(etLoss1)}; relative |Δ| ${(Math.abs(l[0] - etLoss0) / Math.abs(etLoss0)).toExponential(1)}, ${(Math.abs(l[1] - etLoss1) / Math.abs(etLoss1)).toExponential(1)})` : '';
        r.note = `${spec.label}, SGD lr ${LR}, batch ${batch}, ${threads} thread(s)${l ? `; first two step losses ${f(l[0])}, ${f(l[1])}${vs}` : ''}${r.system === 'edgetune' ? `; backward path ${tuner.backwardPath}` : ''}`;
      }
      this.rows.push(...rows);
      // the first step apart from the steady rate: edgetune builds its compiled step graph and session there
      for (const m of steps) {
        const first = firstMs.get(m.system as SystemName);
        if (first === undefined || m.error) continue;
        const steady = m.msPerStep;
        this.rows.push(row(workload, m.system as SystemName, 'first_step_ms', first, 'ms', 1, {
          ...this.extra(threads),
          note: m.system === 'edgetune'
            ? `first Tuner.trainStep (builds the ${tuner.backwardPath} step: ${tuner.backwardPath === 'compiled' ? 'the step graph and its ONNX Runtime session' : 'the training view\'s session'}); Tuner.create took ${createMs.toFixed(0)} ms before it; steady step ${steady.toFixed(1)} ms, so ${first > steady ? `the one-off cost is about ${(first - steady).toFixed(0)} ms` : 'no one-off cost stands out of the noise'}`
            : `first step in the worker (torch's lazy initialisation: oneDNN primitives, allocator); steady step ${steady.toFixed(1)} ms`,
        }));
      }
      for (const [v, why] of errors) this.rows.push(row(workload, v, 'images_per_s', null, 'images/s', 0, { error: why, ...this.extra(threads) }));
      this.missingRows(workload, 'images_per_s', 'images/s', threads);
      if (mm) this.peakRows(workload, spec, batch, threads, measured, new Set(tuner.params.map((p) => p.name)));
    } finally {
      await tuner.dispose();
      await mm?.dispose();
    }
  }

  /** GFLOP/s of each system's steps against the MatMul timed in the same rounds. */
  private peakRows(workload: string, spec: TorchModelSpec, batch: number, threads: number, measured: readonly Measured[], trained: ReadonlySet<string>): void {
    const ref = measured.find((m) => m.system === 'onnxruntime-node');
    if (!ref) return;
    const model = OnnxModel.fromBytes(modelBytes(spec), spec.file);
    const flops: FlopCount = graphFlops(model, spec.inputShape, batch, trained);
    const total = flops.forward + flops.backward;
    const peak = matmulFlops(PEAK_N) / (ref.msPerStep / 1000) / 1e9;
    const w = `gflops-${spec.key}-b${batch}-t${threads}`;
    this.rows.push(row(w, 'onnxruntime-node', 'gflops', ref.error ? null : peak, 'GFLOP/s', ref.samples.length, {
      ...this.extra(threads), reference: true, samples: ref.samples.map((r) => Math.round((matmulFlops(PEAK_N) * r) / 1e7) / 100),
      note: `machine peak at ${threads} thread(s): ${PEAK_N}³ float32 MatMul in onnxruntime-node (2·n³ FLOPs), timed in the ${workload} rounds`,
      ...(ref.error ? { error: ref.error } : {}),
    }));
    for (const m of measured) {
      if (m === ref) continue;
      const g = total / (m.msPerStep / 1000) / 1e9;
      this.rows.push(row(w, m.system as SystemName, 'gflops', m.error ? null : g, 'GFLOP/s', m.samples.length, {
        ...this.extra(threads), samples: m.samples.map((r) => Math.round(((total / batch) * r) / 1e7) / 100),
        note: `${spec.label} SGD step at batch ${batch}: ${(total / 1e9).toFixed(3)} GFLOP (forward ${(flops.forward / 1e9).toFixed(3)}, backward ${(flops.backward / 1e9).toFixed(3)}; bench/flops.ts) = ${((g / peak) * 100).toFixed(1)}% of the MatMul peak`,
        ...(m.error ? { error: m.error } : {}),
      }));
    }
  }

  /**
   * Peak RSS of a fresh process per system training `steps` SGD steps on
   * `spec` at `batch` and `threads`: edgetune in a forked memory-child.js,
   * torch in a fresh worker; both report VmHWM (their own address space's
   * peak; getrusage's maxRSS would include the bench's RSS at the fork).
   */
  async memory(spec: TorchModelSpec, batch: number, threads: number, steps: number): Promise<void> {
    const workload = `memory-${spec.key}-b${batch}`;
    const blocked = this.blocked(spec);
    if (blocked) return this.skipped(workload, 'peak_rss_mb', 'MB', threads, blocked, this.blockedSystems(['edgetune', ...TORCH_VARIANTS]));
    const what = `${spec.label}: ${steps} SGD steps of ${batch} on 4 seeded random batches, ${threads} thread(s), a fresh process`;
    try {
      const r = await forkMemoryChild(spec.key, steps, batch, threads);
      this.rows.push(row(workload, 'edgetune', 'peak_rss_mb', r.peakRssMb, 'MB', 1, {
        ...this.extra(threads), note: `${what} (forked bench/memory-child.js, VmHWM); RSS ${r.rssBeforeMb.toFixed(0)} MB before the first step; ${(r.images / r.seconds).toFixed(1)} images/s, backward path ${r.path}`,
      }));
    } catch (e) {
      this.rows.push(row(workload, 'edgetune', 'peak_rss_mb', null, 'MB', 0, { ...this.extra(threads), error: message(e) }));
    }
    for (const v of TORCH_VARIANTS) {
      if (this.missing.has(v)) continue;
      let w: TorchWorker | undefined;
      try {
        w = await TorchWorker.start(v, threads);
        await w.setThreads(threads);
        await w.load({ arch: spec.arch, onnx: modelPath(spec), lr: LR, ...(spec.trainable ? { trainable: spec.trainable } : {}) });
        await w.setData(imageBatches(batch, 4, 21, spec.inputShape));
        const before = await w.rss();
        const t0 = performance.now();
        await w.trainBlock(steps);
        const seconds = (performance.now() - t0) / 1000;
        const after = await w.rss();
        this.rows.push(row(workload, v, 'peak_rss_mb', after.peakRssMb, 'MB', 1, {
          ...this.extra(threads), note: `${what} (a fresh worker, VmHWM, Python and torch included); RSS ${before.rssMb.toFixed(0)} MB before the first step; ${((steps * batch) / seconds).toFixed(1)} images/s`,
        }));
      } catch (e) {
        this.rows.push(row(workload, v, 'peak_rss_mb', null, 'MB', 0, { ...this.extra(threads), error: message(e) }));
      } finally {
        await w?.close();
      }
    }
    this.missingRows(workload, 'peak_rss_mb', 'MB', undefined);
    this.log(`${workload} done`);
  }

  /** Every workload of the chosen groups. */
  async run(groups: ReadonlySet<TorchGroup>): Promise<void> {
    const step = async (name: string, f: () => Promise<void>) => {
      this.log(`${name} …`);
      try {
        await f();
      } catch (e) {
        this.log(`${name} failed: ${message(e)}`);
        this.notes.push(`${name} failed: ${message(e)}`);
      }
    };
    for (const t of this.mode.threads) {
      if (groups.has('torch-lenet5')) {
        const m = TORCH_MODELS.lenet5;
        for (const b of [1, 64]) await step(workloadName('infer', m, b, t), () => this.infer(m, b, t));
        for (const b of [1, 8, 64, 256]) await step(workloadName('train', m, b, t), () => this.train(m, b, t, b === 64));
      }
      if (groups.has('torch-resnet18')) {
        const m = TORCH_MODELS.resnet18;
        await step(workloadName('infer', m, 32, t), () => this.infer(m, 32, t));
        await step(workloadName('train', m, 32, t), () => this.train(m, 32, t, true));
      }
      if (groups.has('torch-resnet18-head')) {
        const m = TORCH_MODELS['resnet18-head'];
        await step(workloadName('train', m, 32, t), () => this.train(m, 32, t));
      }
      if (groups.has('torch-mobilenetv2')) {
        const m = TORCH_MODELS.mobilenetv2;
        await step(workloadName('infer', m, 32, t), () => this.infer(m, 32, t));
        await step(workloadName('train', m, 32, t), () => this.train(m, 32, t));
      }
    }
    if (groups.has('torch-memory')) {
      const t = Math.max(...this.mode.threads);
      await step('memory-lenet5-b64', () => this.memory(TORCH_MODELS.lenet5, 64, t, this.mode.memSteps));
      for (const k of ['resnet18', 'resnet18-head', 'mobilenetv2'] as const) {
        await step(`memory-${k}-b32`, () => this.memory(TORCH_MODELS[k], 32, t, this.mode.memHeavySteps));
      }
    }
  }
}

function forkMemoryChild(model: TorchModelKey, steps: number, batch: number, threads: number): Promise<MemoryReport> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./memory-child.js', import.meta.url)), ['edgetune', String(steps), String(batch), model, String(threads)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let report: MemoryReport | undefined;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('message', (msg) => { report = msg as MemoryReport; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (report) resolve(report);
      else reject(new Error(`memory child for edgetune on ${model} exited with code ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}
