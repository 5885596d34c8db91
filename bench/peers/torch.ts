/**
 * PyTorch as a benchmarked system: scripts/bench-torch/worker.py, a
 * long-lived Python process driven over stdin/stdout with one JSON request
 * and one JSON reply per line. Starting Python and importing torch happen
 * once, before anything is timed; the timed blocks are loops inside the
 * worker, timed there (Contender.block), so the pipe's round trip is not
 * charged to torch.
 *
 * Two variants run the same worker on different BLAS libraries, picked per
 * process by LD_LIBRARY_PATH (the system's libblas.so.3 alternative is left
 * as it is):
 *
 *   torch            Debian's reference BLAS (/usr/lib/<triplet>/blas), what
 *                    python3-torch uses out of the box
 *   torch-openblas   OpenBLAS (/usr/lib/<triplet>/openblas-pthread, package
 *                    libopenblas0-pthread)
 *
 * Convolutions in Debian's torch 1.13 run on oneDNN (MKL-DNN) whatever the
 * BLAS; matrix products (Linear) and any convolution oneDNN declines go
 * through BLAS. Each worker reports the libraries it actually mapped.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot, type HostBatch } from '../workloads.js';

export const TORCH_VARIANTS = ['torch', 'torch-openblas'] as const;
export type TorchVariant = (typeof TORCH_VARIANTS)[number];

/** The Python that has torch: $EDGETUNE_BENCH_PYTHON, else Debian's /usr/bin/python3. */
export function torchPython(): string {
  return process.env.EDGETUNE_BENCH_PYTHON || '/usr/bin/python3';
}

export interface TorchCheck {
  ok: boolean;
  /** why not, in one line */
  reason?: string;
}

let checked: TorchCheck | undefined;

/** Whether `python -c "import torch, torchvision, onnx"` works (checked once). */
export function torchAvailable(): TorchCheck {
  if (checked) return checked;
  const py = torchPython();
  const r = spawnSync(py, ['-c', 'import torch, torchvision, onnx'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) checked = { ok: false, reason: `${py}: ${r.error.message}` };
  else if (r.status !== 0) checked = { ok: false, reason: `${py} -c "import torch, torchvision, onnx" failed: ${(r.stderr ?? '').trim().split('\n').at(-1) ?? ''}` };
  else checked = { ok: true };
  return checked;
}

/** /usr/lib/<triplet>/<sub> holding libblas.so.3, if any. */
function libDir(sub: string): string | undefined {
  let entries: string[] = [];
  try {
    entries = readdirSync('/usr/lib');
  } catch {
    return undefined;
  }
  for (const e of entries.filter((d) => d.endsWith('-linux-gnu'))) {
    const dir = path.join('/usr/lib', e, sub);
    if (existsSync(path.join(dir, 'libblas.so.3'))) return dir;
  }
  return undefined;
}

/** LD_LIBRARY_PATH entries that make the worker load the variant's BLAS and LAPACK. */
export function variantLibraryPath(variant: TorchVariant): string[] | { missing: string } {
  if (variant === 'torch-openblas') {
    const dir = libDir('openblas-pthread');
    return dir ? [dir] : { missing: 'OpenBLAS is not installed (Debian package libopenblas0-pthread; npm run bench:setup installs it)' };
  }
  const blas = libDir('blas');
  if (!blas) return { missing: 'the reference BLAS directory /usr/lib/<triplet>/blas is missing (Debian package libblas3)' };
  const lapack = path.join(path.dirname(blas), 'lapack');
  return existsSync(path.join(lapack, 'liblapack.so.3')) ? [blas, lapack] : [blas];
}

export interface TorchHello {
  python: string;
  torch: string;
  threads: number;
  interop: number;
  mkldnn: boolean;
  /** BLAS_INFO from torch.__config__.show() */
  blasInfo: string;
  /** BLAS/LAPACK shared objects mapped into the worker */
  blas: string[];
  /** threadpoolctl's view (null without threadpoolctl) */
  pools: { internal_api: string; filepath: string; version: string | null; num_threads: number; threading_layer?: string }[] | null;
  pid: number;
}

export interface TorchLoadSpec {
  /** 'chain' for the LeNet-style ONNX chains, else a torchvision architecture */
  arch: 'chain' | 'resnet18' | 'mobilenet_v2';
  /** the .onnx whose initializers become the torch weights */
  onnx: string;
  /** parameter names to train (all when undefined) */
  trainable?: readonly string[];
  lr: number;
}

interface Reply {
  ok: boolean;
  error?: string;
  [k: string]: unknown;
}

export class TorchWorkerError extends Error {
  override name = 'TorchWorkerError';
}

function b64(a: Float32Array | BigInt64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** One worker process of one variant. Requests are answered in order. */
export class TorchWorker {
  private buffer = '';
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';
  private exited: string | undefined;

  private constructor(readonly variant: TorchVariant, private readonly child: ChildProcessWithoutNullStreams, readonly hello: TorchHello) {}

  /**
   * Start a worker of `variant` whose thread pools can grow to `maxThreads`
   * (OMP_NUM_THREADS and OPENBLAS_NUM_THREADS; `setThreads` picks the count
   * for each workload).
   */
  static async start(variant: TorchVariant, maxThreads: number): Promise<TorchWorker> {
    const check = torchAvailable();
    if (!check.ok) throw new TorchWorkerError(`torch: not installed (${check.reason})`);
    const libs = variantLibraryPath(variant);
    if (!Array.isArray(libs)) throw new TorchWorkerError(`${variant}: ${libs.missing}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LD_LIBRARY_PATH: [...libs, ...(process.env.LD_LIBRARY_PATH ? [process.env.LD_LIBRARY_PATH] : [])].join(':'),
      OMP_NUM_THREADS: String(maxThreads), OPENBLAS_NUM_THREADS: String(maxThreads), MKL_NUM_THREADS: String(maxThreads),
      PYTHONUNBUFFERED: '1',
    };
    const child = spawn(torchPython(), [path.join(repoRoot(), 'scripts', 'bench-torch', 'worker.py')], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const w = new TorchWorker(variant, child, undefined as unknown as TorchHello);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => w.onData(d));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { w.stderr = (w.stderr + d).slice(-4000); });
    const fail = (why: string) => {
      w.exited = why;
      for (const p of w.waiting.splice(0)) p.reject(new TorchWorkerError(`${variant} worker ${why}${w.lastError()}`));
    };
    child.on('error', (e) => fail(`could not start: ${e.message}`));
    child.on('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`})`));
    const hello = await w.request('hello') as unknown as TorchHello;
    (w as { hello: TorchHello }).hello = hello;
    return w;
  }

  private lastError(): string {
    const line = this.stderr.trim().split('\n').at(-1);
    return line ? `: ${line.slice(0, 300)}` : '';
  }

  private onData(d: string): void {
    this.buffer += d;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const p = this.waiting.shift();
      if (!p) continue;
      try {
        p.resolve(JSON.parse(line) as Reply);
      } catch {
        p.reject(new TorchWorkerError(`${this.variant} worker: not a JSON reply: ${line.slice(0, 200)}`));
      }
    }
  }

  /** Send one request; resolves with its reply, rejects with the worker's error. */
  async request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.exited) throw new TorchWorkerError(`${this.variant} worker ${this.exited}${this.lastError()}`);
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
    });
    if (!reply.ok) throw new TorchWorkerError(`${this.variant}: ${reply.error ?? 'failed'}`);
    return reply;
  }

  /** torch.set_num_threads(n) and the BLAS pool's size; returns torch.get_num_threads(). */
  async setThreads(n: number): Promise<number> {
    return (await this.request('threads', { n })).threads as number;
  }

  async load(spec: TorchLoadSpec): Promise<{ params: number; trained: number; values: number }> {
    const r = await this.request('load', { arch: spec.arch, onnx: spec.onnx, trainable: spec.trainable ?? null, lr: spec.lr });
    return r as unknown as { params: number; trained: number; values: number };
  }

  /** The batches, sent once as base64 float32 images and int64 labels. */
  async setData(batches: readonly HostBatch[]): Promise<void> {
    await this.request('data', { batches: batches.map((b) => ({ x: b64(b.x), dims: b.dims, labels: b64(b.labels64) })) });
  }

  /** One SGD step on batch i: its loss (before the update) and the milliseconds the worker took. */
  async step(i: number): Promise<{ loss: number; ms: number }> {
    const r = await this.request('step', { batch: i });
    return { loss: r.loss as number, ms: r.ms as number };
  }

  /** The model's output for batch i, under torch.inference_mode. */
  async predict(i: number): Promise<Float32Array> {
    const r = await this.request('predict', { batch: i });
    const bytes = Buffer.from(r.y as string, 'base64');
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  }

  /** `steps` SGD steps through the batches in turn; milliseconds timed by the worker. */
  async trainBlock(steps: number): Promise<number> {
    return (await this.request('train', { steps })).ms as number;
  }

  /** `steps` forward passes through the batches in turn; milliseconds timed by the worker. */
  async inferBlock(steps: number): Promise<number> {
    return (await this.request('infer', { steps })).ms as number;
  }

  /** `steps` float32 n×n torch.mm products; milliseconds timed by the worker. */
  async matmulBlock(n: number, steps: number): Promise<number> {
    return (await this.request('matmul', { n, steps })).ms as number;
  }

  /** The worker's peak RSS (VmHWM) and current RSS (VmRSS), MiB. */
  async rss(): Promise<{ peakRssMb: number; rssMb: number }> {
    const r = await this.request('rss');
    return { peakRssMb: r.peakRssMb as number, rssMb: r.rssMb as number };
  }

  /** Median round trip of an empty request, milliseconds (what a per-step request would add). */
  async roundTripMs(n = 50): Promise<number> {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await this.request('ping');
      ts.push(performance.now() - t0);
    }
    ts.sort((a, b) => a - b);
    return ts[ts.length >> 1]!;
  }

  /**
   * The pause the next timed block needs after one of this worker's: OpenBLAS's
   * pthread pool keeps spinning for about 90 ms after its last call (its
   * default thread timeout), libgomp's threads for a few milliseconds.
   */
  get cooldownMs(): number {
    const openblas = this.hello.pools?.some((p) => p.internal_api === 'openblas') ?? this.hello.blas.some((f) => /openblas/.test(f));
    return openblas ? 150 : 40;
  }

  /** The BLAS the worker runs on, in words: the library file and, with threadpoolctl, its pool. */
  describeBlas(): string {
    const pool = this.hello.pools?.find((p) => p.internal_api !== 'openmp');
    if (pool) return `${pool.internal_api} ${pool.version ?? ''} (${pool.filepath})`.replace(/ +/g, ' ');
    const lib = this.hello.blas.find((f) => /libblas|openblas/.test(path.basename(f)));
    return lib ? `${lib.includes('/blas/') ? 'reference BLAS' : 'BLAS'} (${lib})` : 'no BLAS library mapped';
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }
}
