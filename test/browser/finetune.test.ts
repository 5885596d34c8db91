/**
 * Fine-tuning in real Chromium on wasm and on WebGPU: over a few dozen Adam
 * steps on real digits the loss on a fixed held-out batch falls, and the
 * tuned .onnx taken from the page (bytes handed back to Node) loads with
 * onnxruntime-node and gives the logits the page gives (|Δ| ≤ 1e-4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/node/model.js';
import { browserSupport, fixedInput, maxAbsDiff, noteSkip, openBrowser, openHarness, type BrowserSession } from './helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

interface PageResult {
  provider: string;
  trainedOn: string;
  before: number;
  after: number;
  losses: number[];
  bytes: number[];
  logits: number[];
  untunedLogits: number[];
}

/**
 * Steps and batch per provider. Every run of a provider uses the one batch
 * size, so WebGPU (a software renderer here) compiles its shaders once.
 */
const PLAN: Record<string, { steps: number; batch: number }> = { wasm: { steps: 40, batch: 16 }, webgpu: { steps: 24, batch: 8 } };

describe.skipIf(!support.run)('fine-tuning LeNet-5 in Chromium', () => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await openBrowser();
    await openHarness(s);
  });

  afterAll(async () => {
    await s?.close();
  });

  for (const ep of ['wasm', 'webgpu']) {
    it(`${ep}: the loss falls and the tuned .onnx gives the same logits in Node`, async () => {
      const { steps, batch } = PLAN[ep]!;
      const probe = fixedInput(batch, 7);
      const r = await s.page.evaluate(async ([ep, steps, batch, probe]) => {
        const et = (window as unknown as { et: typeof import('../../src/web/index.js') }).et;
        const digits = et.decodeDigits(await et.fetchBytes('/digits.bin'));
        const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] });
        const x = { input: { dims: [batch, 1, 28, 28], data: new Float32Array(probe) } };
        const untuned = Array.from((await model.run(x)).logits!.data as Float32Array);
        const held = et.subset(digits.test, Array.from({ length: 4 * batch }, (_, i) => i * 7));
        const tuner = await et.createTuner(model, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.003, batchSize: batch });
        const before = (await et.evaluate(tuner, held, batch)).loss;
        const rng = new et.Rng(3);
        const order = rng.permutation(digits.train.size);
        const losses: number[] = [];
        for (let k = 0; k < steps; k++) {
          const info = await tuner.trainStep(et.makeBatch(tuner, digits.train, order.subarray(k * batch, (k + 1) * batch)));
          losses.push(info.loss);
        }
        const after = (await et.evaluate(tuner, held, batch)).loss;
        const trainedOn = et.tunerProvider(tuner);
        const bytes = await et.commitTuned(model, tuner, { test: ep });
        await tuner.dispose();
        const logits = Array.from((await model.run(x)).logits!.data as Float32Array);
        const result: PageResult = { provider: await model.provider(), trainedOn, before, after, losses, bytes: Array.from(bytes), logits, untunedLogits: untuned };
        await model.dispose();
        return result;
      }, [ep, steps, batch, Array.from(probe)] as const);

      expect(r.provider).toBe(ep);
      expect(r.trainedOn).toBe(ep);
      expect(r.losses.every((l) => Number.isFinite(l))).toBe(true);
      expect(r.after).toBeLessThan(0.75 * r.before);

      const tuned = await Model.load(new Uint8Array(r.bytes));
      try {
        const meta = tuned.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune');
        expect(JSON.parse(meta?.value ?? '{}')).toMatchObject({ steps, loss: 'cross-entropy', optimizer: 'adam', test: ep });
        const node = (await tuned.run({ input: { dims: [batch, 1, 28, 28], data: probe } })).logits!.data as Float32Array;
        expect(maxAbsDiff(r.logits, node)).toBeLessThanOrEqual(1e-4);
        expect(maxAbsDiff(r.logits, r.untunedLogits)).toBeGreaterThan(1e-2);
      } finally {
        await tuned.dispose();
      }
    });
  }
});
