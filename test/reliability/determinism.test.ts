/**
 * Determinism at the command-line level: the same model, data, seed and
 * options give bit-identical tuned weights in two separate runs of the
 * compiled CLI (run one after the other, and side by side), and two
 * fine-tunes running at once inside one process give the same bits as the
 * separate runs, so concurrent tuners do not interfere. A different seed
 * gives different weights, so the comparison can fail.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeNpy } from '../../src/io/npy.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Rng } from '../../src/train/rng.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A private build, so parallel test files and other work on dist/ cannot race it. */
const BUILD = join(ROOT, 'test-artifacts', `reliability-determinism-${process.pid}`);
const BIN = join(BUILD, 'src', 'cli', 'bin.js');

/** x [N,1,8,8] → Conv 3×3 (1→4) → Tanh → MaxPool 2 → Flatten → Gemm (36→3). */
function convNet(): Uint8Array {
  const rng = new Rng(31);
  const r = (n: number) => Array.from({ length: n }, () => rng.next() - 0.5);
  const g = graph('g', [
    node('Conv', ['x', 'W', 'b'], ['c'], { kernel_shape: [3, 3] }),
    node('Tanh', ['c'], ['a']),
    node('MaxPool', ['a'], ['p'], { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Flatten', ['p'], ['f'], { axis: 1 }),
    node('Gemm', ['f', 'W2', 'b2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 8, 8])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W', [4, 1, 3, 3], r(36)), floatTensor('b', [4], r(4)), floatTensor('W2', [3, 36], r(108)), floatTensor('b2', [3], r(3)),
  ]);
  return encodeModel(model(g, { opsets: [opset('', 17)] }));
}

/** name → raw bytes of every initializer, from the saved file. */
async function initializers(file: string): Promise<Map<string, Buffer>> {
  const m = await loadModelFile(file);
  return new Map(m.initializers.map((t) => {
    const d = m.read(t.name!).data;
    return [t.name!, Buffer.from(d.buffer, d.byteOffset, d.byteLength)];
  }));
}

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('bit-identical fine-tunes', () => {
  let dir: string;
  let modelFile: string;
  let dataDir: string;

  const args = (out: string, seed = '7') => [
    'finetune', modelFile, '--data', dataDir, '--out', out, '--epochs', '2', '--batch-size', '5', '--seed', seed,
    '--optimizer', 'adamw', '--lr', '0.01', '--weight-decay', '0.01', '--schedule', 'cosine', '--max-grad-norm', '1',
  ];

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT, '--outDir', BUILD])
      .catch(async (e: unknown) => {
        // type errors elsewhere in the tree still emit; only a missing entry point is fatal
        await readFile(BIN).catch(() => { throw e; });
      });
    dir = await mkdtemp(join(tmpdir(), 'edgetune-determinism-'));
    modelFile = join(dir, 'model.onnx');
    await writeFile(modelFile, convNet());
    dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const rng = new Rng(8);
    await writeFile(join(dataDir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [30, 1, 8, 8], data: Float32Array.from({ length: 30 * 64 }, () => rng.normal()) }));
    await writeFile(join(dataDir, 'y.npy'), encodeNpy({ dtype: 'int64', shape: [30], data: BigInt64Array.from({ length: 30 }, (_, i) => BigInt((i * 7) % 3)) }));
  }, 120_000);

  /** The first run's output, made once whichever test needs it first. */
  let first: Promise<string> | undefined;
  const reference = (): Promise<string> => (first ??= (async () => {
    const out = join(dir, 'a.onnx');
    const r = await cli(args(out));
    expect(r.code, r.stderr).toBe(0);
    return out;
  })());

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await rm(BUILD, { recursive: true, force: true });
  });

  it('two separate CLI runs, one after the other and then side by side, write the same weights', async () => {
    const a = await reference();
    const [b, c, d] = ['b', 'c', 'd'].map((n) => join(dir, `${n}.onnx`)) as [string, string, string];
    const r = await cli(args(b));
    expect(r.code, r.stderr).toBe(0);
    const both = await Promise.all([cli(args(c)), cli(args(d))]);
    for (const r of both) expect(r.code, r.stderr).toBe(0);
    const want = await initializers(a);
    const original = await initializers(modelFile);
    expect([...want.keys()]).toEqual(['W', 'b', 'W2', 'b2']);
    for (const [name, bytes] of want) expect(bytes.equals(original.get(name)!), `${name} was trained`).toBe(false);
    for (const other of [b, c, d]) {
      const got = await initializers(other);
      for (const [name, bytes] of want) expect(got.get(name)!.equals(bytes), `${other}: ${name}`).toBe(true);
    }
  }, 60_000);

  it('another seed gives other weights', async () => {
    const a = await reference();
    const e = join(dir, 'e.onnx');
    const r = await cli(args(e, '8'));
    expect(r.code, r.stderr).toBe(0);
    const want = await initializers(a);
    const got = await initializers(e);
    expect([...want].some(([name, bytes]) => !got.get(name)!.equals(bytes))).toBe(true);
  }, 60_000);

  it('two fine-tunes at once in one process match the separate runs bit for bit', async () => {
    const [f, g] = [join(dir, 'f.onnx'), join(dir, 'g.onnx')];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let codes: number[];
    try {
      codes = await Promise.all([main(args(f)), main(args(g))]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(codes).toEqual([0, 0]);
    const want = await initializers(await reference());
    for (const other of [f, g]) {
      const got = await initializers(other);
      for (const [name, bytes] of want) expect(got.get(name)!.equals(bytes), `${other}: ${name}`).toBe(true);
    }
  }, 60_000);
});
