/**
 * Shared set-up for the tests that run edgetune in real Chromium: whether a
 * browser is here, a fresh browser build (dist/web), the demo server on a
 * free port, a persistent Chromium profile in a temporary folder, and a
 * harness page (same origin, cross-origin isolated) that imports edgetune.js.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { Model } from '../../src/node/model.js';
import { SECURITY_HEADERS, startDemoServer, type DemoServer } from '../../src/cli/demo.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIR = path.join(ROOT, 'dist', 'web');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
/** Debian's Chromium; EDGETUNE_CHROMIUM names another binary. */
export const CHROMIUM = process.env.EDGETUNE_CHROMIUM ?? '/usr/bin/chromium';

const inCi = process.env.CI === 'true';

/**
 * Whether the browser tests run: always on CI (where a missing Chromium must
 * fail them), elsewhere only when Chromium is installed. `reason` says why not.
 */
export function browserSupport(): { run: boolean; reason: string } {
  if (inCi || existsSync(CHROMIUM)) return { run: true, reason: '' };
  return { run: false, reason: `browser tests skipped: no Chromium at ${CHROMIUM} (install chromium, or set EDGETUNE_CHROMIUM; CI=true makes them required)` };
}

/** Print the skip reason once per test run, however many browser test files see it. */
export async function noteSkip(reason: string): Promise<void> {
  const marker = path.join(os.tmpdir(), `edgetune-browser-skip-${process.ppid}`);
  try {
    await fs.writeFile(marker, reason, { flag: 'wx' });
    process.stdout.write(`${reason}\n`);
  } catch {
    // another test file has already said it
  }
}

async function newestMtime(dir: string, skip: (p: string) => boolean = () => false): Promise<number> {
  let newest = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (skip(p)) continue;
    if (e.isDirectory()) newest = Math.max(newest, await newestMtime(p, skip));
    else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const OUTPUTS = ['edgetune.js', 'demo.js', 'index.html', 'styles.css', 'ort.all.min.mjs', 'digits.bin'];

async function buildIsFresh(): Promise<boolean> {
  const outs = OUTPUTS.map((f) => path.join(WEB_DIR, f));
  if (!outs.every((f) => existsSync(f))) return false;
  const built = Math.min(...outs.map((f) => statSync(f).mtimeMs));
  const inputs = Math.max(
    await newestMtime(path.join(ROOT, 'src')),
    await newestMtime(path.join(ROOT, 'customops')),
    await newestMtime(path.join(ROOT, 'demo')),
    statSync(path.join(ROOT, 'scripts', 'build-web.mjs')).mtimeMs,
  );
  return built >= inputs;
}

/** The demo digits written from the TypeScript sources (no compiled library needed). */
async function writeDigits(out: string): Promise<void> {
  const { loadMnist } = await import('../../src/train/data/mnist.js');
  const { takePerClass } = await import('../../src/train/data/dataset.js');
  const { encodeDigits } = await import('../../src/web/digits.js');
  const { TRAIN_PER_CLASS, TEST_PER_CLASS } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-demo-data.mjs')).href)) as { TRAIN_PER_CLASS: number; TEST_PER_CLASS: number };
  const { train, test } = loadMnist();
  await fs.writeFile(out, encodeDigits({ train: takePerClass(train, TRAIN_PER_CLASS, 1), test: takePerClass(test, TEST_PER_CLASS, 2) }));
}

/**
 * Make sure dist/web holds a build newer than every source it comes from,
 * building it when not (one test file at a time, under a lock folder).
 */
export async function ensureWebBuild(): Promise<void> {
  if (await buildIsFresh()) return;
  const lock = path.join(ROOT, 'dist', '.web-build.lock');
  await fs.mkdir(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      await fs.mkdir(lock);
      break;
    } catch {
      if (waited > 60_000) throw new Error(`${lock}: another build has held this lock for a minute; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (await buildIsFresh()) return;
    const { buildWeb } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-web.mjs')).href)) as { buildWeb(o: { digits: boolean }): Promise<string> };
    await buildWeb({ digits: false });
    await writeDigits(path.join(WEB_DIR, 'digits.bin'));
  } finally {
    await fs.rm(lock, { recursive: true, force: true });
  }
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  server: DemoServer;
  /** lines the page logged (console and page errors) */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Start the demo server on a free port and Chromium with a fresh profile; the
 * page is blank. `prepare` may write files into the profile's folder (removed
 * on close) and returns extra Chromium flags.
 */
export async function openBrowser(prepare?: (dir: string) => Promise<string[]>): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; the browser tests need it when CI=true`);
  await ensureWebBuild();
  const server = await startDemoServer({ port: 0 });
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'edgetune-chromium-'));
  let context: BrowserContext;
  try {
    const extra = prepare ? await prepare(profile) : [];
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        ...extra,
      ],
    });
  } catch (e) {
    await server.close();
    await fs.rm(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  return {
    context, page, server, logs,
    close: async () => {
      await context.close().catch(() => undefined);
      await server.close();
      await fs.rm(profile, { recursive: true, force: true });
    },
  };
}

const HARNESS = `<!doctype html><meta charset="utf-8"><title>edgetune harness</title>
<script type="module">import * as et from './edgetune.js'; window.et = et; window.etReady = true;</script>`;

/**
 * Open a blank page at <server>/harness.html (served by the test, with the
 * server's headers, so it is same-origin and cross-origin isolated) that puts
 * the browser entry on window.et.
 */
export async function openHarness(s: BrowserSession): Promise<void> {
  const url = `${s.server.url}harness.html`;
  await s.page.route(url, (route) => route.fulfill({ status: 200, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/html; charset=utf-8' }, body: HARNESS }));
  await s.page.goto(url);
  await s.page.waitForFunction(() => (window as unknown as { etReady?: boolean }).etReady === true, null, { timeout: 30_000 });
}

/** Deterministic inputs in [0, 1): x_i = frac(i · 0.6180339887 + seed · 0.1234). */
export function fixedInput(n: number, seed = 0): Float32Array {
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = (i * 0.6180339887 + seed * 0.1234) % 1;
  return x;
}

/** Largest |a_i − b_i|, or Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export interface FineTuneRun {
  /** provider the model's inference session runs on */
  provider: string;
  /** provider the tuner's forward pass ran on */
  trainedOn: string;
  /** the backward path the steps took, and the tuner's notices */
  backward: string;
  notices: string[];
  /** mean loss on the held-out digits before and after training */
  before: number;
  after: number;
  losses: number[];
  /** the tuned .onnx */
  bytes: Uint8Array;
  /** the page's logits for `probe` with the tuned and with the original weights */
  logits: number[];
  untunedLogits: number[];
}

/**
 * In the harness page: load the shipped LeNet-5 on `ep`, Adam-train it for
 * `steps` steps of `batch` demo digits (cross-entropy, lr 0.003, a seeded
 * order, the default backward path for `ep`), evaluate 4·batch held-out digits before and after, commit, and
 * return the tuned bytes with the logits for `probe` ([batch,1,28,28]).
 * Every run uses the one batch size, so WebGPU compiles its shaders once.
 */
export async function fineTuneInPage(s: BrowserSession, ep: string, steps: number, batch: number, probe: Float32Array): Promise<FineTuneRun> {
  const r = await s.page.evaluate(async ([ep, steps, batch, probe]) => {
    const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
    const digits = et.decodeDigits(await et.fetchBytes('/digits.bin'));
    const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] });
    const x = { input: { dims: [batch, 1, 28, 28], data: new Float32Array(probe) } };
    const untunedLogits = Array.from((await model.run(x)).logits!.data as Float32Array);
    const held = et.subset(digits.test, Array.from({ length: 4 * batch }, (_, i) => i * 7));
    const notices: string[] = [];
    const tuner = await et.createTuner(model, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.003, batchSize: batch, onNotice: (m) => notices.push(m) });
    const before = (await et.evaluate(tuner, held, batch)).loss;
    const order = new et.Rng(3).permutation(digits.train.size);
    const losses: number[] = [];
    for (let k = 0; k < steps; k++) {
      const info = await tuner.trainStep(et.makeBatch(tuner, digits.train, order.subarray(k * batch, (k + 1) * batch)));
      losses.push(info.loss);
    }
    const after = (await et.evaluate(tuner, held, batch)).loss;
    const trainedOn = et.tunerProvider(tuner);
    const backward = tuner.backwardPath;
    const bytes = await et.commitTuned(model, tuner, { test: ep });
    await tuner.dispose();
    const logits = Array.from((await model.run(x)).logits!.data as Float32Array);
    const provider = await model.provider();
    await model.dispose();
    return { provider, trainedOn, backward, notices, before, after, losses, bytes: Array.from(bytes), logits, untunedLogits };
  }, [ep, steps, batch, Array.from(probe)] as const);
  return { ...r, bytes: new Uint8Array(r.bytes) };
}

/**
 * Fine-tune in the page on `ep` with the default (compiled) backward and check
 * that the loss on held-out digits falls and that the tuned .onnx handed back
 * to Node gives the page's logits (|Δ| ≤ 1e-4).
 */
export async function expectFineTuneRoundTrip(s: BrowserSession, ep: string, steps: number, batch: number): Promise<void> {
  const probe = fixedInput(batch, 7);
  const r = await fineTuneInPage(s, ep, steps, batch, probe);
  expect(r.provider).toBe(ep);
  expect(r.trainedOn).toBe(ep);
  expect(r.backward, r.notices.join('; ')).toBe('compiled');
  expect(r.losses).toHaveLength(steps);
  expect(r.losses.every((l) => Number.isFinite(l))).toBe(true);
  expect(r.after).toBeLessThan(0.75 * r.before);

  const tuned = await Model.load(r.bytes);
  try {
    const meta = tuned.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune');
    expect(JSON.parse(meta?.value ?? '{}')).toMatchObject({ steps, loss: 'cross-entropy', optimizer: 'adam', test: ep });
    const node = (await tuned.run({ input: { dims: [batch, 1, 28, 28], data: probe } })).logits!.data as Float32Array;
    expect(maxAbsDiff(r.logits, node)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(r.logits, r.untunedLogits)).toBeGreaterThan(1e-2);
  } finally {
    await tuned.dispose();
  }
}
