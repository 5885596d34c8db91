/**
 * edgetune's training step against torch's over several fresh pairs of
 * processes. `npm run bench` times both systems in one pair (its own process
 * and one torch worker) for the whole run, so whatever a process happens to
 * get at its start (where its buffers land, how its threads are placed)
 * stays with it; this script starts a new pair K times, each timing the two
 * in alternating blocks as the bench does (a 40 ms pause before every block,
 * the rounds' medians), and prints each pair's medians and ratio and the
 * spread of the ratios.
 *
 *   node dist-bench/bench/process-pairs.js [--model resnet18] [--threads 2] [--pairs 4] [--rounds 7] [--steps 3] [--warmup 10] [--variant torch]
 *
 * --model is a key of bench/torch-models.ts whose export exists (npm run
 * bench:setup); --variant is the torch build: `torch` (Debian's torch on its
 * reference BLAS) or `torch-openblas`, as in the bench. --warmup steps of each
 * system come first, untimed: a fresh torch worker's ResNet-18 steps at two
 * threads take up to 30% longer over its first dozen or so.
 */
import { fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { edgetuneTuner, tunerBatch } from './peers/edgetune.js';
import { TORCH_VARIANTS, TorchWorker, torchAvailable, type TorchVariant } from './peers/torch.js';
import { modelPath, TORCH_MODELS, type TorchModelKey } from './torch-models.js';
import { flag, isEntryPoint } from './entry.js';
import { median, SETTLE_MS } from './stats.js';

interface Args {
  model: TorchModelKey;
  threads: number;
  pairs: number;
  rounds: number;
  steps: number;
  warmup: number;
  variant: TorchVariant;
}

/** One pair's result: the median milliseconds per step of each system over the rounds. */
export interface PairResult {
  edgetuneMs: number;
  torchMs: number;
}

const LR = 0.01;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv: readonly string[]): Args {
  const model = flag(argv, '--model', 'resnet18') as TorchModelKey;
  if (!(model in TORCH_MODELS)) throw new Error(`--model ${model} is not one of ${Object.keys(TORCH_MODELS).join(', ')}`);
  const int = (name: string, dflt: number) => {
    const v = Number(flag(argv, name, String(dflt)));
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
    return v;
  };
  const variant = flag(argv, '--variant', 'torch') as TorchVariant;
  if (!TORCH_VARIANTS.includes(variant)) throw new Error(`--variant ${variant} is not one of ${TORCH_VARIANTS.join(', ')}`);
  return { model, threads: int('--threads', 2), pairs: int('--pairs', 4), rounds: int('--rounds', 7), steps: int('--steps', 3), warmup: int('--warmup', 10), variant };
}

/** One pair, in this process: the model on both systems, then `rounds` rounds of one block each (torch first). */
async function runPair(a: Args): Promise<PairResult> {
  const spec = TORCH_MODELS[a.model];
  const data = spec.batches(32, 4, 5);
  const worker = await TorchWorker.start(a.variant, a.threads);
  try {
    await worker.setThreads(a.threads);
    await worker.load({ arch: spec.arch, onnx: modelPath(spec), lr: LR, ...(spec.trainable ? { trainable: spec.trainable } : {}) });
    await worker.setData(data);
    const tuner = await edgetuneTuner(new Uint8Array(readFileSync(spec.file)), spec.file, {
      optimizer: 'sgd', lr: LR, loss: 'cross-entropy', threads: a.threads, ...(spec.trainable ? { trainable: spec.trainable } : {}),
    });
    try {
      const batches = data.map((b) => tunerBatch(tuner, b));
      let next = 0;
      // warm-up: the compiled step is built on the first step, torch's primitives on its first; both settle over more
      for (let i = 0; i < a.warmup; i++) {
        await tuner.trainStep(batches[next++ % batches.length]!);
        await worker.step(i % data.length);
      }
      const ours: number[] = [], theirs: number[] = [];
      for (let r = 0; r < a.rounds; r++) {
        await sleep(Math.max(SETTLE_MS, worker.cooldownMs));
        theirs.push((await worker.trainBlock(a.steps)) / a.steps);
        await sleep(SETTLE_MS);
        const t0 = performance.now();
        for (let i = 0; i < a.steps; i++) await tuner.trainStep(batches[next++ % batches.length]!);
        ours.push((performance.now() - t0) / a.steps);
      }
      return { edgetuneMs: median(ours), torchMs: median(theirs) };
    } finally {
      await tuner.dispose();
    }
  } finally {
    await worker.close();
  }
}

/** Run one pair in a fresh node process (this script with --child) and return its result. */
function pairInChild(argv: readonly string[]): Promise<PairResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [...argv, '--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: PairResult | undefined;
    child.on('message', (m) => { result = m as PairResult; });
    child.on('error', reject);
    child.on('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`pair process exited with ${code} before reporting`))));
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const a = parseArgs(argv);
  if (argv.includes('--child')) {
    process.send!(await runPair(a));
    return;
  }
  const torch = torchAvailable();
  if (!torch.ok) throw new Error(`torch is not available: ${torch.reason} (npm run bench:setup installs it)`);
  const file = TORCH_MODELS[a.model].file;
  if (!existsSync(file)) throw new Error(`${file} is missing (npm run bench:setup writes it)`);
  console.log(`${a.model}, ${a.threads} thread(s), against ${a.variant}: ${a.pairs} fresh pairs of processes, ${a.rounds} rounds of ${a.steps} steps each`);
  const ratios: number[] = [];
  for (let p = 0; p < a.pairs; p++) {
    const r = await pairInChild(argv);
    const ratio = r.torchMs / r.edgetuneMs;
    ratios.push(ratio);
    console.log(`  pair ${p + 1}: edgetune ${r.edgetuneMs.toFixed(1)} ms per step, ${a.variant} ${r.torchMs.toFixed(1)} ms; edgetune ÷ ${a.variant} (speed) ${ratio.toFixed(3)}`);
  }
  console.log(`edgetune ÷ ${a.variant} over the pairs: median ${median(ratios).toFixed(3)}, lowest ${Math.min(...ratios).toFixed(3)}, highest ${Math.max(...ratios).toFixed(3)}`);
}

if (isEntryPoint(import.meta.url)) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
