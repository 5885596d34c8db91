/**
 * Two builds of edgetune timed against each other in one process: each
 * build's Tuner trains the same model on the same batch, one compiled step
 * of A, then one of B, round after round (the order swapping every round),
 * so that load on a shared machine hits both alike. Prints each build's
 * median step time, their ratio and how many paired rounds B won, the
 * median CPU time per step (user + system of the process: less moved by
 * other processes than wall time, and the measure of work on one thread),
 * and the load average before and after.
 *
 *   node --expose-gc dist-bench/bench/profile-ab.js --a <dist root A> --b <dist root B> [--model models/lenet5.onnx]
 *        [--batch 64] [--threads 1] [--threads-a N] [--threads-b N] [--rounds 40] [--warmup 5] [--optimizer sgd] [--clip 1] [--size 64]
 *        [--trainable fc.weight,fc.bias]
 *
 * A dist root is a directory holding a compiled src/ (e.g. dist-bench, or a
 * copy of it built from an earlier commit).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

interface Build {
  label: string;
  tuner: { trainStep(b: unknown): Promise<{ loss: number }>; dispose(): Promise<void>; engine: { work: { inputs: { name: string; dims?: (number | string)[] }[]; outputs: { name: string; dims?: (number | string)[] }[] }; plan: { output: string } } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function load(root: string, label: string, bytes: Uint8Array, file: string, threads: number, opts: Record<string, unknown>): Promise<Build> {
  const url = (p: string) => pathToFileURL(path.resolve(root, p)).href;
  const { OnnxModel } = await import(url('src/model.js')) as { OnnxModel: { fromBytes(b: Uint8Array, f: string): unknown } };
  const { nodeBackend } = await import(url('src/node/backend.js')) as { nodeBackend: { sessionOptions?: (p: string) => object } };
  const { Tuner } = await import(url('src/train/tuner.js')) as { Tuner: { create(m: unknown, b: unknown, o: unknown): Promise<Build['tuner']> } };
  const backend = { ...nodeBackend, sessionOptions: (p: string) => ({ ...nodeBackend.sessionOptions?.(p), ...(threads > 0 ? { intraOpNumThreads: threads } : {}) }) };
  const tuner = await Tuner.create(OnnxModel.fromBytes(bytes, path.basename(file)), backend, { loss: 'cross-entropy', lr: 1e-3, ...opts });
  return { label, tuner };
}

async function main(argv: string[]): Promise<void> {
  const get = (n: string) => { const i = argv.indexOf(n); return i >= 0 ? argv[i + 1] : undefined; };
  const num = (n: string, d: number) => (get(n) === undefined ? d : Number(get(n)));
  const file = get('--model') ?? 'models/lenet5.onnx';
  const batch = num('--batch', 64), threads = num('--threads', 1), rounds = num('--rounds', 40), warmup = num('--warmup', 5), size = num('--size', 64);
  const opts: Record<string, unknown> = {
    optimizer: get('--optimizer') ?? 'sgd', ...(get('--clip') ? { maxGradNorm: Number(get('--clip')) } : {}),
    ...(get('--trainable') ? { trainable: get('--trainable')!.split(',') } : {}),
  };
  const bytes = new Uint8Array(readFileSync(file));
  const threadsA = num('--threads-a', threads), threadsB = num('--threads-b', threads);
  const builds = [await load(get('--a')!, 'A', bytes, file, threadsA, opts), await load(get('--b')!, 'B', bytes, file, threadsB, opts)];
  const work = builds[0]!.tuner.engine.work;
  const input = work.inputs[0]!;
  const dims = (input.dims ?? []).map((d, i) => (i === 0 ? batch : typeof d === 'number' && d > 0 ? d : size));
  const outDims = work.outputs.find((o) => o.name === builds[0]!.tuner.engine.plan.output)?.dims ?? [];
  const classes = typeof outDims[1] === 'number' && outDims[1] > 0 ? outDims[1] : 10;
  const x = Float32Array.from({ length: dims.reduce((p, q) => p * q, 1) }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const b = { feeds: { [input.name]: { dims, data: x } }, target: { dims: [batch], data: BigInt64Array.from({ length: batch }, (_, i) => BigInt((i * 7) % classes)) } };
  const times: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  const losses: number[][] = [[], []];
  const load0 = loadavg()[0]!;
  // garbage of the previous step (large output arrays) is collected between steps, not inside the next timed one (run node with --expose-gc)
  const gc = (globalThis as { gc?: () => void }).gc;
  const pause = () => { gc?.(); return new Promise((r) => setTimeout(r, 15)); };
  for (let r = -warmup; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      await pause();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const info = await builds[k]!.tuner.trainStep(b);
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      if (r >= 0) { times[k]!.push(t1 - t0); cpu[k]!.push((c1.user + c1.system) / 1000); losses[k]!.push(info.loss); }
    }
  }
  for (const bd of builds) await bd.tuner.dispose();
  const wins = times[0]!.filter((t, i) => times[1]![i]! < t).length;
  const [ma, mb] = [median(times[0]!), median(times[1]!)];
  const [ca, cb] = [median(cpu[0]!), median(cpu[1]!)];
  const lossDiff = Math.max(...losses[0]!.map((l, i) => Math.abs(l - losses[1]![i]!)));
  console.log(JSON.stringify({
    model: path.basename(file), batch, threads: threadsA === threadsB ? threadsA : `${threadsA}/${threadsB}`, optimizer: opts.optimizer, rounds, aMs: +ma.toFixed(3), bMs: +mb.toFixed(3),
    speedup: +(ma / mb).toFixed(3), bWins: `${wins}/${rounds}`, aCpuMs: +ca.toFixed(3), bCpuMs: +cb.toFixed(3), cpuSpeedup: +(ca / cb).toFixed(3), aImgS: +(1000 * batch / ma).toFixed(1), bImgS: +(1000 * batch / mb).toFixed(1),
    maxLossDiff: lossDiff, load: [+load0.toFixed(2), +loadavg()[0]!.toFixed(2)],
  }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
