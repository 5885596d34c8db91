/**
 * Malformed-model fuzzing: seeded mutations of valid .onnx files, at the byte
 * and at the protobuf-message level, fed to every entry point a user reaches
 * with a model file — load (bytes and path), inspect, infer, gradients and one
 * fine-tune step. Every case must end in success or an EdgetuneError whose
 * message is one line, within bounded time and memory; anything else (a
 * TypeError or RangeError from deep inside, a raw ONNX Runtime error, a hang,
 * an unhandled rejection) is a bug and fails the test with the case's seed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeModel } from '../../src/cli/inspect.js';
import { EdgetuneError } from '../../src/errors.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Model } from '../../src/node/model.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { HostTensor } from '../../src/runtime/host-tensor.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner } from '../../src/train/tuner.js';
import { lengthPrefixes, MESSAGE_MUTATIONS, mutate, mutateMessage } from './mutate.js';

const MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url));

/** Mutations per base model in the main sweep (three bases). */
const CASES_PER_BASE = 1000;
/** Fraction of the sweep that also goes through ONNX Runtime (infer, gradients, one step). */
const RUNTIME_FRACTION = 0.15;
/** Fraction loaded from a file on disk (loadModelFile) instead of from bytes. */
const FILE_FRACTION = 0.1;
/** Wall-clock bounds: a pure-JS stage, and a stage that runs ONNX Runtime. */
const CHEAP_MS = 5_000;
const RUNTIME_MS = 15_000;
/** Resident memory the whole sweep may add. */
const MAX_RSS_GROWTH = 1.5 * 1024 ** 3;

/** x [N,1,5,5] → Conv 3×3 (1→2) → Relu → Flatten → Gemm (18→3) → logits [N,3]. */
function smallConvNet(): Uint8Array {
  const rng = new Rng(41);
  const r = (n: number) => Array.from({ length: n }, () => rng.next() - 0.5);
  const g = graph('small', [
    node('Conv', ['x', 'W', 'b'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
    node('Relu', ['c'], ['a'], {}, { name: 'relu' }),
    node('Flatten', ['a'], ['f'], { axis: 1 }, { name: 'flatten' }),
    node('Gemm', ['f', 'W2', 'b2'], ['logits'], { transB: 1 }, { name: 'fc' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 5, 5])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W', [2, 1, 3, 3], r(18)), floatTensor('b', [2], r(2)),
    floatTensor('W2', [3, 18], r(54)), floatTensor('b2', [3], r(3)),
  ]);
  return new Uint8Array(encodeModel(model(g, { opsets: [opset('', 17)] })));
}

/** Line breaks and terminal escapes: a one-line message holds none of them. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

type Stage = 'load' | 'load-file' | 'inspect' | 'infer' | 'grad' | 'step';

interface Problem {
  base: string;
  seed: number;
  kind: string;
  stage: Stage;
  what: string;
}

/** What a stage ended in; `bug` holds a description when it broke the contract. */
async function guarded(stage: Stage, limitMs: number, body: () => Promise<unknown>): Promise<{ ok: boolean; bug?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), limitMs); });
  try {
    const r = await Promise.race([body().then(() => 'done' as const), timeout]);
    if (r === 'timeout') return { ok: false, bug: `${stage} did not finish within ${limitMs} ms` };
    return { ok: true };
  } catch (e) {
    if (!(e instanceof EdgetuneError)) {
      const name = e instanceof Error ? e.constructor.name : typeof e;
      return { ok: false, bug: `untyped ${name}: ${String(e instanceof Error ? e.message : e).slice(0, 300)}` };
    }
    if (CONTROL.test(e.message) || e.message.trim() === '') return { ok: false, bug: `${e.name} message is not one line: ${JSON.stringify(e.message.slice(0, 300))}` };
    return { ok: false };
  } finally {
    clearTimeout(timer);
    const ms = performance.now() - started;
    // a synchronous hang cannot be raced; it is caught here after the fact
    if (ms > limitMs) return { ok: false, bug: `${stage} took ${ms.toFixed(0)} ms` };
  }
}

/** A random feed of the model's declared input shape (symbolic dims → 2 for the batch, 1 elsewhere). */
function feedFor(m: OnnxModel, rng: Rng): { feeds: Record<string, HostTensor>; target: HostTensor } {
  const spec = m.inputs[0];
  const declared = spec?.dims ?? ['N', 1, 5, 5];
  let dims = declared.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 2 : 1));
  // a mutated declaration may ask for more than a test should allocate: feed a small tensor, which must be refused cleanly
  if (dims.reduce((a, b) => a * b, 1) > 1 << 20) dims = [2, 1, 5, 5];
  const size = dims.reduce((a, b) => a * b, 1);
  const data: HostTensor['data'] = spec?.elemType === DataType.INT64
    ? BigInt64Array.from({ length: size }, () => BigInt(Math.floor(rng.next() * 4)))
    : Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
  const n = dims[0] ?? 1;
  return {
    feeds: { [spec?.name ?? 'x']: { dims, data } },
    target: { dims: [n], data: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng.next() * 3))) },
  };
}

async function inferOnce(m: OnnxModel, f: ReturnType<typeof feedFor>): Promise<void> {
  const runner = new Model(m);
  try {
    await runner.run(f.feeds);
  } finally {
    await runner.dispose();
  }
}

async function gradOnce(m: OnnxModel, f: ReturnType<typeof feedFor>): Promise<void> {
  const engine = await GradientEngine.create(m, nodeBackend, { loss: 'cross-entropy' });
  try {
    await engine.gradients(f.feeds, f.target, engine.currentWeights());
  } finally {
    await engine.dispose();
  }
}

async function stepOnce(m: OnnxModel, f: ReturnType<typeof feedFor>): Promise<void> {
  const tuner = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', lr: 0.01, maxBadSteps: 2 });
  try {
    await tuner.trainStep({ feeds: f.feeds, target: f.target });
  } finally {
    await tuner.dispose();
  }
}

interface Tally {
  cases: number;
  loaded: number;
  runtime: number;
  runtimeOk: number;
  problems: Problem[];
}

/** Run one mutated model through the stages; problems are appended to the tally. */
async function check(
  tally: Tally, base: string, seed: number, kind: string, bytes: Uint8Array, rng: Rng, dir: string, forceRuntime = false,
): Promise<void> {
  tally.cases++;
  const report = (stage: Stage, what: string) => tally.problems.push({ base, seed, kind, stage, what });
  let loaded: OnnxModel | undefined;
  if (rng.next() < FILE_FRACTION) {
    const file = join(dir, `case-${seed}.onnx`);
    await writeFile(file, bytes);
    const r = await guarded('load-file', CHEAP_MS, async () => { loaded = await loadModelFile(file); });
    await rm(file, { force: true });
    if (r.bug) report('load-file', r.bug);
  } else {
    const r = await guarded('load', CHEAP_MS, async () => { loaded = OnnxModel.fromBytes(bytes, 'fuzz.onnx'); });
    if (r.bug) report('load', r.bug);
  }
  if (!loaded) return;
  tally.loaded++;
  const m = loaded;
  const ins = await guarded('inspect', CHEAP_MS, async () => JSON.stringify(describeModel(m)));
  if (ins.bug) report('inspect', ins.bug);
  if (!forceRuntime && rng.next() >= RUNTIME_FRACTION) return;
  tally.runtime++;
  const f = feedFor(m, rng);
  let allOk = true;
  for (const [stage, body] of [['infer', inferOnce], ['grad', gradOnce], ['step', stepOnce]] as const) {
    const r = await guarded(stage, RUNTIME_MS, () => body(m, f));
    if (r.bug) report(stage, r.bug);
    allOk &&= r.ok;
  }
  if (allOk) tally.runtimeOk++;
}

function summarise(problems: Problem[]): string {
  return problems.slice(0, 25).map((p) => `  [${p.base} seed ${p.seed}] ${p.stage}: ${p.what}\n      after ${p.kind}`).join('\n');
}

describe('malformed models', () => {
  const bases = new Map<string, Uint8Array>();
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => { rejections.push(reason); };
  let dir: string;

  beforeAll(async () => {
    // ONNX Runtime logs every refused model to stderr; the errors themselves are what the test reads
    ort.env.logLevel = 'fatal';
    process.on('unhandledRejection', onRejection);
    dir = await mkdtemp(join(tmpdir(), 'edgetune-fuzz-'));
    bases.set('lenet5', new Uint8Array(await readFile(join(MODELS_DIR, 'lenet5.onnx'))));
    bases.set('cnn', new Uint8Array(await readFile(join(MODELS_DIR, 'cnn-6c2s12c2s.onnx'))));
    bases.set('small', smallConvNet());
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the unmutated bases load, run, differentiate and take a step', async () => {
    const tally: Tally = { cases: 0, loaded: 0, runtime: 0, runtimeOk: 0, problems: [] };
    for (const [name, bytes] of bases) await check(tally, name, 0, 'none', bytes, new Rng(1), dir, true);
    expect(tally.problems, summarise(tally.problems)).toEqual([]);
    expect(tally.runtimeOk).toBe(bases.size);
  });

  it('the wire walker finds the length prefixes of a known message', () => {
    // field 1 (varint) = 150; field 2 (bytes, 3) = [field 1 = 1, 0x08 0x01] nested; field 3 (bytes, 2) = 'hi'
    const b = Uint8Array.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x08, 0x01, 0x1a, 0x02, 0x68, 0x69]);
    const found = lengthPrefixes(b).map((p) => [p.at, p.length]);
    expect(found).toContainEqual([4, 2]);
    expect(found).toContainEqual([8, 2]);
  });

  it('structural faults are refused at load or inspect with a message naming the fault', async () => {
    const expected: Record<string, RegExp> = {
      'duplicate-initializer': /^fuzz\.onnx: duplicate initializer name '(W|b|W2|b2)'$/,
      'duplicate-producer': /^fuzz\.onnx: value '[a-z]+' is produced by more than one node/,
      cycle: /^fuzz\.onnx: graph has a cycle through node '\w+' \((Conv|Relu|Flatten|Gemm)\)$/,
      dangling: /^fuzz\.onnx: node '\w+' \((Conv|Relu|Flatten|Gemm)\) reads 'ghost_\d+', which nothing produces$/,
      'no-graph': /^fuzz\.onnx: model has no graph$/,
      'unknown-edgetune-op': /^fuzz\.onnx: unknown op edgetune\./,
      'ir-version': /^fuzz\.onnx: IR version -?\d+ is out of the supported range/,
    };
    const base = bases.get('small')!;
    for (const [kind, pattern] of Object.entries(expected)) {
      for (let seed = 1; seed <= 3; seed++) {
        const mut = mutateMessage(base, new Rng(seed), kind);
        let err: unknown;
        try {
          describeModel(OnnxModel.fromBytes(mut.bytes, 'fuzz.onnx'));
        } catch (e) {
          err = e;
        }
        if (kind === 'ir-version' && err === undefined) continue; // an in-range version was drawn
        expect(err, `${mut.kind}`).toBeInstanceOf(EdgetuneError);
        expect((err as Error).message, mut.kind).toMatch(pattern);
      }
    }
  });

  it(`every message-level mutation kind ends in success or a one-line typed error (${MESSAGE_MUTATIONS.length} kinds × 3 bases, all through ONNX Runtime)`, async () => {
    const tally: Tally = { cases: 0, loaded: 0, runtime: 0, runtimeOk: 0, problems: [] };
    let seed = 1_000_000;
    for (const [name, bytes] of bases) {
      for (const kind of MESSAGE_MUTATIONS) {
        const rng = new Rng(++seed);
        const mut = mutateMessage(bytes, rng, kind);
        await check(tally, name, seed, mut.kind, mut.bytes, rng, dir, true);
      }
    }
    expect(tally.problems, summarise(tally.problems)).toEqual([]);
    expect(rejections).toEqual([]);
  });

  it(`a seeded sweep of ${3 * CASES_PER_BASE} byte and message mutations ends in success or a one-line typed error`, async () => {
    const tally: Tally = { cases: 0, loaded: 0, runtime: 0, runtimeOk: 0, problems: [] };
    const rssBefore = process.memoryUsage().rss;
    let seed = 0;
    for (const [name, bytes] of bases) {
      for (let i = 0; i < CASES_PER_BASE; i++) {
        const rng = new Rng(++seed);
        const mut = mutate(bytes, rng);
        await check(tally, name, seed, mut.kind, mut.bytes, rng, dir);
      }
    }
    expect(tally.problems, summarise(tally.problems)).toEqual([]);
    expect(rejections).toEqual([]);
    expect(tally.cases).toBe(3 * CASES_PER_BASE);
    // the sweep must reach past the decoder and into ONNX Runtime, or it tests nothing
    expect(tally.loaded).toBeGreaterThan(tally.cases / 5);
    expect(tally.runtime).toBeGreaterThan(20);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(MAX_RSS_GROWTH);
  });
});
