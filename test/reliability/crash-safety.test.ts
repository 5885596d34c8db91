/**
 * Crash safety of `edgetune finetune`: the compiled command line is killed
 * with SIGKILL at seeded points — most aimed into the middle of a file write
 * (crash-child.mjs announces and slows every write), some at a seeded time —
 * while it trains, writes a checkpoint every step and writes its output.
 * Afterwards:
 * - the output is either the old file, byte for byte, or the complete new
 *   one (byte-identical to an uninterrupted run's, so it loads and runs);
 * - every listed checkpoint decodes, the newest is what loadLatestCheckpoint
 *   returns without complaint, and leftover temporary files are never listed;
 * - resuming from what is left ends on the uninterrupted run's output.
 * A checkpoint damaged by other means is skipped with a message naming it.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src/io/npy.js';
import { Model } from '../../src/node/model.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { decodeCheckpoint, listCheckpoints, loadLatestCheckpoint } from '../../src/train/checkpoint.js';
import { Rng } from '../../src/train/rng.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));
/** A private build, so parallel test files and other work on dist/ cannot race it. */
const BUILD = join(ROOT, 'test-artifacts', `reliability-crash-${process.pid}`);
const MAIN = join(BUILD, 'src', 'cli', 'main.js');
const KILLS = 10;

/** x [N,1,8,8] → Conv 3×3 (1→2) → Relu → Flatten → Gemm (72→3). */
function convNet(): Uint8Array {
  const rng = new Rng(77);
  const r = (n: number) => Array.from({ length: n }, () => rng.next() - 0.5);
  const g = graph('g', [
    node('Conv', ['x', 'W', 'b'], ['c'], { kernel_shape: [3, 3] }),
    node('Relu', ['c'], ['a']),
    node('Flatten', ['a'], ['f'], { axis: 1 }),
    node('Gemm', ['f', 'W2', 'b2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 8, 8])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W', [2, 1, 3, 3], r(18)), floatTensor('b', [2], r(2)), floatTensor('W2', [3, 72], r(216)), floatTensor('b2', [3], r(3)),
  ]);
  return new Uint8Array(encodeModel(model(g, { opsets: [opset('', 17)] })));
}

interface RunResult { code: number | null; signal: NodeJS.Signals | null; stderr: string; writes: number; ms: number }

type Kill = { afterWrite: number; delayMs: number } | { atMs: number } | undefined;

/** Run finetune under crash-child; kill it with SIGKILL as `kill` says (or let it finish). */
function run(args: string[], kill: Kill): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CHILD, MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let writes = 0, stderr = '', buffered = '';
    const killNow = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
    if (kill && 'atMs' in kill) setTimeout(killNow, kill.atMs);
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('@write ')) continue;
        writes++;
        if (kill && 'afterWrite' in kill && writes === kill.afterWrite) setTimeout(killNow, kill.delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, writes, ms: performance.now() - t0 }));
  });
}

describe('finetune killed at random points', () => {
  let dir: string;
  let modelFile: string;
  let dataDir: string;
  const original = convNet();
  let reference: Uint8Array;
  let referenceWrites = 0;
  let referenceMs = 0;

  const args = (modelPath: string, out: string | undefined, ckpt: string, extra: string[] = []) => [
    'finetune', modelPath, '--data', dataDir, ...(out ? ['--out', out] : ['--in-place']), '--checkpoint-dir', ckpt,
    '--checkpoint-every', '1', '--epochs', '2', '--batch-size', '4', '--seed', '11', '--optimizer', 'adam', '--lr', '0.01', ...extra,
  ];

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT, '--outDir', BUILD])
      .catch(async (e: unknown) => {
        // type errors elsewhere in the tree still emit; only a missing entry point is fatal
        await readFile(MAIN).catch(() => { throw e; });
      });
    dir = await mkdtemp(join(tmpdir(), 'edgetune-crash-'));
    modelFile = join(dir, 'model.onnx');
    await writeFile(modelFile, original);
    dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const rng = new Rng(5);
    await writeFile(join(dataDir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [24, 1, 8, 8], data: Float32Array.from({ length: 24 * 64 }, () => rng.next()) }));
    await writeFile(join(dataDir, 'y.npy'), encodeNpy({ dtype: 'int64', shape: [24], data: BigInt64Array.from({ length: 24 }, (_, i) => BigInt(i % 3)) }));
    const ckpt = join(dir, 'reference-ckpt');
    const out = join(dir, 'reference.onnx');
    const r = await run(args(modelFile, out, ckpt), undefined);
    expect(r.code, r.stderr).toBe(0);
    reference = new Uint8Array(await readFile(out));
    referenceWrites = r.writes;
    referenceMs = r.ms;
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await rm(BUILD, { recursive: true, force: true });
  });

  /** The output is the old bytes or exactly the finished run's; it loads and runs either way. */
  async function checkOutput(file: string): Promise<'old' | 'new'> {
    const now = new Uint8Array(await readFile(file));
    const state = Buffer.from(now).equals(Buffer.from(original)) ? 'old' : 'new';
    if (state === 'new') expect(Buffer.from(now).equals(Buffer.from(reference)), `${file} is neither the old nor the finished model`).toBe(true);
    const m = await Model.load(file);
    try {
      const y = await m.run({ x: { dims: [1, 1, 8, 8], data: new Float32Array(64).fill(0.5) } });
      expect(y['logits']!.dims).toEqual([1, 3]);
    } finally {
      await m.dispose();
    }
    return state;
  }

  /** Every listed checkpoint decodes; the newest loads without warnings; what is not listed is a temp file. */
  async function checkCheckpoints(ckpt: string): Promise<{ listed: number; temps: number }> {
    const listed = await listCheckpoints(ckpt);
    for (const f of listed) decodeCheckpoint(new Uint8Array(await readFile(f)), f);
    const warnings: string[] = [];
    const latest = await loadLatestCheckpoint(ckpt, (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    expect(latest?.file).toBe(listed[0]);
    const names = await readdir(ckpt).catch(() => [] as string[]);
    const others = names.filter((n) => !listed.includes(join(ckpt, n)));
    for (const n of others) expect(n).toMatch(/^\.checkpoint-\d+\.safetensors\.tmp-/);
    return { listed: listed.length, temps: others.length };
  }

  it(`${KILLS} seeded SIGKILLs never leave a half-written output or checkpoint taken as good`, async () => {
    expect(referenceWrites).toBeGreaterThan(10);
    const seen = { killed: 0, old: 0, new: 0, temps: 0, resumed: 0 };
    for (let k = 0; k < KILLS; k++) {
      const rng = new Rng(9000 + k);
      const caseDir = join(dir, `case-${k}`);
      await mkdir(caseDir);
      const inPlace = k % 5 === 4;
      const target = join(caseDir, inPlace ? 'model.onnx' : 'out.onnx');
      // a pre-existing file at the output path: the old model
      await writeFile(target, original);
      const ckpt = join(caseDir, 'ckpt');
      // a seeded time; or into a seeded write; or around the last write (the output), where a late kill finds it done
      const kill: Kill = k % 4 === 3
        ? { atMs: 300 + Math.floor(rng.next() * Math.max(1, referenceMs - 300)) }
        : k % 4 === 2
          ? { afterWrite: referenceWrites, delayMs: 2 + Math.floor(rng.next() * 30) }
          : { afterWrite: 1 + Math.floor(rng.next() * referenceWrites), delayMs: Math.floor(rng.next() * 8) };
      const modelPath = inPlace ? target : modelFile;
      const r = await run(args(modelPath, inPlace ? undefined : target, ckpt), kill);
      const why = `case ${k} (${JSON.stringify(kill)}${inPlace ? ', in place' : ''}): ${r.stderr}`;
      if (r.signal === 'SIGKILL') seen.killed++;
      else expect(r.code, why).toBe(0);
      const state = await checkOutput(target);
      seen[state]++;
      // beside the output only a hidden temp file may be left, never a second file that looks like a model
      for (const n of await readdir(caseDir)) if (n !== 'ckpt' && join(caseDir, n) !== target) expect(n, why).toMatch(/^\.(out|model)\.onnx\.tmp-/);
      const cps = await checkCheckpoints(ckpt);
      seen.temps += cps.temps;
      if (k % 3 === 0 && cps.listed > 0 && state === 'old') {
        // resuming from what the crash left ends where the uninterrupted run ended
        const resumed = await run(args(modelPath, inPlace ? undefined : target, ckpt, ['--resume', ckpt]), undefined);
        expect(resumed.code, `${why} / resume: ${resumed.stderr}`).toBe(0);
        expect(await checkOutput(target), why).toBe('new');
        seen.resumed++;
      }
    }
    expect(seen.killed, JSON.stringify(seen)).toBeGreaterThanOrEqual(KILLS - 2);
    expect(seen.old, JSON.stringify(seen)).toBeGreaterThan(0);
    // at least one kill landed inside a write (it left a temp file), or the test aimed at nothing
    expect(seen.temps, JSON.stringify(seen)).toBeGreaterThan(0);
  }, 120_000);

  it('a damaged newest checkpoint is skipped with a message naming it, and a resume uses the one before', async () => {
    const ckpt = join(dir, 'damaged-ckpt');
    const out = join(dir, 'damaged.onnx');
    const first = await run(args(modelFile, out, ckpt, ['--max-steps', '3']), undefined);
    expect(first.code, first.stderr).toBe(0);
    const listed = await listCheckpoints(ckpt);
    expect(listed.length).toBe(2);
    const [newest, older] = listed as [string, string];
    // a half-written newest checkpoint (what a non-atomic writer would leave), a stray temp file and a folder named like a checkpoint
    const bytes = await readFile(newest);
    await truncate(newest, Math.floor(bytes.length / 2));
    await copyFile(older, join(ckpt, '.checkpoint-000000099.safetensors.tmp-1-abc'));
    await mkdir(join(ckpt, 'checkpoint-000000098.safetensors'));
    const warnings: string[] = [];
    const latest = await loadLatestCheckpoint(ckpt, (w) => warnings.push(w));
    expect(latest?.file).toBe(older);
    expect(warnings.length).toBe(2);
    expect(warnings[0]).toContain('checkpoint-000000098.safetensors');
    expect(warnings[1]).toContain(newest);
    for (const w of warnings) expect(w).toMatch(/^skipping damaged checkpoint [^\n]+$/);
    await rm(join(ckpt, 'checkpoint-000000098.safetensors'), { recursive: true });
    const resumed = await run(args(modelFile, out, ckpt, ['--resume', ckpt]), undefined);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(Buffer.from(await readFile(out)).equals(Buffer.from(reference))).toBe(true);
  }, 60_000);
});
