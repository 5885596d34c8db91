/**
 * `edgetune/web` from the packed tarball, installed offline into an empty
 * folder, built into a tiny page by the bundlers users have — Vite (dev server
 * and production build), esbuild (minified) and webpack — with no more
 * configuration than docs/install.md gives for each, and run in Chromium: the
 * page loads the shipped LeNet-5 on wasm, takes one training step and hands
 * the tuned .onnx back, and typed errors keep their names after minifying.
 * The built pages are served cross-origin isolated (the demo server), where
 * wasm threads stay off unless wasmPaths names a folder of onnxruntime-web's
 * files; one page shows that case with threads on.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../src/cli/demo.js';
import { Model } from '../../src/node/model.js';
import { installTarball, packEdgetune, tempDir } from '../package/helpers.js';
import { browserSupport, CHROMIUM, noteSkip } from './helpers.js';

const support = browserSupport();

/** The page's script: one SGD step on 8 synthetic digits, the tuned bytes, the names of two typed errors. */
const MAIN = `
import { loadModel, createTuner, makeBatch, tunedBytes, InputError, ort } from 'edgetune/web';

async function fineTuneOnce() {
  const wasmPaths = new URLSearchParams(location.search).get('wasmPaths');
  const model = await loadModel('/models/lenet5.onnx', { providers: ['wasm'], ...(wasmPaths ? { wasmPaths } : {}) });
  const size = 8;
  const x = new Float32Array(size * 784).map((_, i) => (i * 0.6180339887) % 1);
  const labels = Int32Array.from({ length: size }, (_, i) => i % 10);
  const data = { name: 'synthetic', size, sampleShape: [1, 28, 28], x, labels, classes: Array.from({ length: 10 }, (_, d) => String(d)) };
  const tuner = await createTuner(model, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, batchSize: size });
  const info = await tuner.trainStep(makeBatch(tuner, data, Array.from({ length: size }, (_, i) => i)));
  const bytes = await tunedBytes(tuner, { bundler: document.title });
  await tuner.dispose();
  let formatError = '';
  try { await loadModel(new Uint8Array([1, 2, 3, 4]), { providers: ['wasm'] }); } catch (e) { formatError = e.name; }
  return {
    provider: await model.provider(), loss: info.loss, bytes: Array.from(bytes),
    errorNames: [new InputError('x').name, formatError],
    isolated: globalThis.crossOriginIsolated === true, threads: ort.env.wasm.numThreads, cores: navigator.hardwareConcurrency,
  };
}

window.fineTuneOnce = () => fineTuneOnce().catch((e) => ({ error: String(e && e.name) + ': ' + String(e && e.message) }));
window.appReady = true;
`;

const page = (title: string, script: string) => `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title}</title>\n<script type="module" src="${script}"></script>\n`;

interface PageResult {
  provider?: string;
  loss?: number;
  bytes?: number[];
  errorNames?: string[];
  isolated?: boolean;
  threads?: number;
  cores?: number;
  error?: string;
}

let dir = '';
let app = '';
let models = '';
let context: BrowserContext | undefined;
let original: Uint8Array;

beforeAll(async () => {
  if (!support.run) return;
  dir = await tempDir('edgetune-bundlers-');
  const tarball = await packEdgetune(dir);
  app = await installTarball(dir, tarball, { native: 'omit' });
  models = path.join(app, 'node_modules', 'edgetune', 'models');
  original = new Uint8Array(await fs.readFile(path.join(models, 'lenet5.onnx')));
  await fs.mkdir(path.join(app, 'src'));
  await fs.writeFile(path.join(app, 'src', 'main.js'), MAIN);
  const profile = path.join(dir, 'chromium-profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 300_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** Open `url` in Chromium, run the page's step, and return what it reports (with the page's log when it fails). */
async function runPage(url: string): Promise<PageResult> {
  const p = await context!.newPage();
  const logs: string[] = [];
  p.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  p.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  p.on('response', (r) => { if (r.status() >= 400) logs.push(`HTTP ${r.status()} ${r.url()}`); });
  try {
    await p.goto(url);
    await p.waitForFunction(() => (window as unknown as { appReady?: boolean }).appReady === true, null, { timeout: 60_000 });
    const r = await p.evaluate(() => (window as unknown as { fineTuneOnce(): Promise<PageResult> }).fineTuneOnce());
    expect(r.error, logs.join('\n')).toBeUndefined();
    return r;
  } finally {
    await p.close();
  }
}

/** The step ran on wasm and the bytes that came back are LeNet-5 with new weights and the fine-tune note. */
async function expectTuned(r: PageResult, bundler: string): Promise<void> {
  expect(r.provider).toBe('wasm');
  expect(Number.isFinite(r.loss)).toBe(true);
  expect(r.errorNames).toEqual(['InputError', 'ModelFormatError']);
  const bytes = new Uint8Array(r.bytes!);
  expect(bytes.length).toBeGreaterThan(200_000);
  expect(Buffer.from(bytes).equals(Buffer.from(original))).toBe(false);
  const tuned = await Model.load(bytes);
  try {
    const meta = tuned.onnx.proto.metadata_props.find((m) => m.key === 'edgetune.finetune');
    expect(JSON.parse(meta?.value ?? '{}')).toMatchObject({ steps: 1, loss: 'cross-entropy', optimizer: 'sgd', bundler });
  } finally {
    await tuned.dispose();
  }
}

/** Serve a built folder with the demo server (cross-origin isolated), the package's models at /models/. */
async function serve(web: string): Promise<DemoServer> {
  return startDemoServer({ port: 0, roots: { web, models } });
}

/** Dynamic import that TypeScript leaves alone, for the bundlers' untyped corners. */
async function load<T>(id: string): Promise<T> {
  return (await import(id)) as T;
}

describe.skipIf(!support.run)('edgetune/web in an app built by a bundler, in Chromium', () => {
  beforeAll(async () => {
    if (!support.run) await noteSkip(support.reason);
  });

  it('Vite dev server, no configuration', async () => {
    await fs.writeFile(path.join(app, 'index.html'), page('vite-dev', '/src/main.js'));
    const vite = await load<typeof import('vite')>('vite');
    const server = await vite.createServer({
      root: app, configFile: false, logLevel: 'warn', cacheDir: path.join(app, '.vite-cache'),
      server: { port: 0, host: '127.0.0.1', strictPort: false, hmr: false },
      plugins: [{
        name: 'models',
        configureServer(s) {
          s.middlewares.use('/models', (req, res) => {
            void fs.readFile(path.join(models, path.basename(req.url ?? ''))).then(
              (b) => { res.setHeader('Content-Type', 'application/octet-stream'); res.end(b); },
              () => { res.statusCode = 404; res.end(); },
            );
          });
        },
      }],
    });
    try {
      await server.listen();
      const r = await runPage(server.resolvedUrls!.local[0]!);
      await expectTuned(r, 'vite-dev');
    } finally {
      await server.close();
    }
  }, 180_000);

  it('Vite production build (minified), no configuration, cross-origin isolated', async () => {
    await fs.writeFile(path.join(app, 'index.html'), page('vite-build', '/src/main.js'));
    const vite = await load<typeof import('vite')>('vite');
    const out = path.join(app, 'out-vite');
    await vite.build({ root: app, configFile: false, logLevel: 'error', build: { outDir: out, emptyOutDir: true, chunkSizeWarningLimit: 1e9 } });
    const assets = await fs.readdir(path.join(out, 'assets'));
    expect(assets.filter((f) => f.endsWith('.wasm'))).toHaveLength(1);
    const server = await serve(out);
    try {
      const r = await runPage(server.url);
      await expectTuned(r, 'vite-build');
      expect(r.isolated).toBe(true);
      expect(r.threads).toBe(1);
      // threads: onnxruntime-web's own .mjs and .wasm served from a folder, named by wasmPaths
      await fs.mkdir(path.join(out, 'ort'));
      for (const f of ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm']) await fs.copyFile(path.join(app, 'node_modules', 'onnxruntime-web', 'dist', f), path.join(out, 'ort', f));
      const t = await runPage(`${server.url}?wasmPaths=/ort/`);
      await expectTuned(t, 'vite-build');
      expect(t.threads).toBe(Math.max(1, Math.min(t.cores ?? 1, 16)));
    } finally {
      await server.close();
    }
  }, 180_000);

  it('esbuild (minified), with the one line: the .wasm copied beside the bundle', async () => {
    const esbuild = await load<typeof import('esbuild')>('esbuild');
    const out = path.join(app, 'out-esbuild');
    await esbuild.build({ entryPoints: [path.join(app, 'src', 'main.js')], absWorkingDir: app, bundle: true, format: 'esm', minify: true, outdir: out, logLevel: 'error' });
    await fs.copyFile(path.join(app, 'node_modules', 'onnxruntime-web', 'dist', 'ort-wasm-simd-threaded.jsep.wasm'), path.join(out, 'ort-wasm-simd-threaded.jsep.wasm'));
    await fs.writeFile(path.join(out, 'index.html'), page('esbuild', '/main.js'));
    const server = await serve(out);
    try {
      await expectTuned(await runPage(server.url), 'esbuild');
    } finally {
      await server.close();
    }
  }, 180_000);

  it('webpack, no configuration beyond the entry', async () => {
    type Webpack = (config: object, cb: (err: Error | null, stats?: { hasErrors(): boolean; toString(o: string): string }) => void) => void;
    const webpack = (await load<{ default: Webpack }>('webpack')).default;
    const out = path.join(app, 'out-webpack');
    // production mode as an app ships it; terser left out only because it takes half a minute here on two cores
    const stats = await new Promise<{ hasErrors(): boolean; toString(o: string): string }>((resolve, reject) => {
      webpack({ mode: 'production', context: app, entry: './src/main.js', output: { path: out, filename: 'main.js' }, optimization: { minimize: false }, performance: { hints: false } },
        (err, s) => (err ? reject(err) : resolve(s!)));
    });
    expect(stats.hasErrors(), stats.toString('errors-only')).toBe(false);
    expect((await fs.readdir(out)).filter((f) => f.endsWith('.wasm'))).toHaveLength(1);
    await fs.writeFile(path.join(out, 'index.html'), page('webpack', '/main.js'));
    const server = await serve(out);
    try {
      await expectTuned(await runPage(server.url), 'webpack');
    } finally {
      await server.close();
    }
  }, 180_000);

  it('the app has one copy of onnxruntime-web\'s wasm: the dependency\'s', () => {
    expect(existsSync(path.join(app, 'node_modules', 'onnxruntime-web', 'dist', 'ort-wasm-simd-threaded.jsep.wasm'))).toBe(true);
    expect(existsSync(path.join(app, 'node_modules', 'edgetune', 'dist', 'web', 'ort-wasm-simd-threaded.jsep.wasm'))).toBe(false);
  });
});
