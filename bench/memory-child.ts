/**
 * The memory workload's child process: trains LeNet-5 with one system and
 * reports its peak RSS (VmHWM) to the parent. Each system's modules are imported only
 * in its own child, so an edgetune child never loads TF.js and a TF.js child
 * never loads onnxruntime-node.
 *
 *   forked by run.js as: memory-child.js <system> <images> <batch>
 *
 * For the PyTorch comparison (torch-bench.ts) it trains one of its models
 * (bench/torch-models.ts) with edgetune at a given thread count on 4 seeded
 * random batches in turn, as the torch worker's memory run does:
 *
 *   memory-child.js edgetune <steps> <batch> <model> <threads>
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { batchOf } from '../src/train/data/dataset.js';
import { loadMnist } from '../src/train/data/mnist.js';
import { Rng } from '../src/train/rng.js';
import { imageBatches, modelBytes, TORCH_MODELS, type TorchModelKey } from './torch-models.js';
import { lenet5, type HostBatch } from './workloads.js';

/**
 * This process's peak RSS in MiB: VmHWM from /proc/self/status where there
 * is one (Linux), else process.resourceUsage().maxRSS. Linux carries
 * getrusage's maxRSS across exec, so a child forked from the bench would
 * report at least the bench's own RSS at the fork; VmHWM belongs to the
 * child's own address space.
 */
export function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // no procfs: fall through
  }
  return process.resourceUsage().maxRSS / 1024;
}

export interface MemoryReport {
  /** peak RSS (peakRssMb()) in MiB */
  peakRssMb: number;
  /** RSS once the model, the data and the trainer were ready, in MiB */
  rssBeforeMb: number;
  images: number;
  steps: number;
  seconds: number;
  /** edgetune's backward path */
  path?: string;
}

/** SGD learning rate of the memory run (the speed workloads' value). */
const LR = 0.01;

/**
 * Train `images` images in SGD steps of `batch` with `system`, each batch
 * gathered from a shuffled order when its step comes, as an epoch would.
 */
export async function trainForMemory(system: string, images: number, batch: number): Promise<MemoryReport> {
  if (!Number.isInteger(images) || images < 1 || !Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`memory child: images and batch must be positive integers, got ${images} and ${batch}`);
  }
  const m = lenet5();
  const train = loadMnist().train;
  const order = new Rng(21).permutation(train.size);
  const steps = Math.ceil(images / batch);
  const batchAt = (s: number): HostBatch => {
    const rows = Int32Array.from({ length: Math.min(batch, images - s * batch) }, (_, i) => order[(s * batch + i) % train.size]!);
    const b = batchOf(train, rows);
    return { n: rows.length, dims: b.dims, x: b.x, labels: b.labels!, labels64: BigInt64Array.from(b.labels!, (v) => BigInt(v)) };
  };
  let step: (b: HostBatch) => unknown;
  let path: () => string | undefined = () => undefined;
  if (system === 'edgetune') {
    const { edgetuneTuner, tunerBatch } = await import('./peers/edgetune.js');
    const tuner = await edgetuneTuner(m.bytes, m.name, { optimizer: 'sgd', lr: LR, loss: m.loss });
    step = (b) => tuner.trainStep(tunerBatch(tuner, b));
    path = () => tuner.backwardPath;
  } else if (system === 'tfjs-cpu' || system === 'tfjs-wasm-shim') {
    const { TfNet, registerWasmFilterGradShim } = await import('./peers/tfjs.js');
    const backend = system === 'tfjs-cpu' ? 'cpu' : 'wasm';
    if (backend === 'wasm') registerWasmFilterGradShim();
    const net = await TfNet.create(m.chain, m.model, backend);
    net.setOptimizer('sgd', LR);
    step = (b) => net.trainStep(b.x, b.labels, m.loss);
  } else {
    throw new RangeError(`memory child: unknown system '${system}'`);
  }
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  let seen = 0;
  for (let s = 0; s < steps; s++) {
    const b = batchAt(s);
    await step(b);
    seen += b.n;
  }
  const seconds = (performance.now() - t0) / 1000;
  const p = path();
  return { peakRssMb: peakRssMb(), rssBeforeMb, images: seen, steps, seconds, ...(p ? { path: p } : {}) };
}

/**
 * `steps` SGD steps (lr 0.01, cross-entropy) of edgetune at `batch` on one of
 * the PyTorch comparison's models with `threads` ONNX Runtime threads,
 * cycling through 4 seeded random batches.
 */
export async function trainModelForMemory(key: string, steps: number, batch: number, threads: number): Promise<MemoryReport> {
  const spec = TORCH_MODELS[key as TorchModelKey];
  if (!spec) throw new RangeError(`memory child: unknown model '${key}'`);
  if (![steps, batch, threads].every((v) => Number.isInteger(v) && v >= 1)) {
    throw new RangeError(`memory child: steps, batch and threads must be positive integers, got ${steps}, ${batch}, ${threads}`);
  }
  const { edgetuneTuner, tunerBatch } = await import('./peers/edgetune.js');
  const tuner = await edgetuneTuner(modelBytes(spec), spec.file, { optimizer: 'sgd', lr: LR, loss: 'cross-entropy', threads, ...(spec.trainable ? { trainable: spec.trainable } : {}) });
  const data = imageBatches(batch, 4, 21, spec.inputShape).map((b) => tunerBatch(tuner, b));
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) await tuner.trainStep(data[s % data.length]!);
  const seconds = (performance.now() - t0) / 1000;
  return { peakRssMb: peakRssMb(), rssBeforeMb, images: steps * batch, steps, seconds, path: tuner.backwardPath };
}

if (process.send) {
  // <images> for LeNet-5's epoch, <steps> for a PyTorch comparison model
  const [system, count, batch, model, threads] = process.argv.slice(2);
  const run = model !== undefined && system === 'edgetune'
    ? trainModelForMemory(model, Number(count), Number(batch), Number(threads))
    : trainForMemory(system ?? '', Number(count), Number(batch));
  run.then(
    (r) => process.send!(r, () => process.exit(0)),
    (e: unknown) => { console.error(e instanceof Error ? `${e.name}: ${e.message}` : String(e)); process.exit(1); },
  );
}
