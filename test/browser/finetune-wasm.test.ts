/**
 * Fine-tuning in real Chromium on wasm (each step one compiled ONNX graph):
 * over a few dozen Adam steps on real digits the loss on held-out digits falls, and the tuned .onnx taken from
 * the page (bytes handed back to Node) loads with onnxruntime-node and gives
 * the logits the page gives (|Δ| ≤ 1e-4).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/node/model.js';
import { browserSupport, fineTuneInPage, fixedInput, maxAbsDiff, noteSkip, openBrowser, openHarness, type BrowserSession } from './helpers.js';

const support = browserSupport();
if (!support.run) await noteSkip(support.reason);

const EP = 'wasm';
const STEPS = 40;
const BATCH = 16;

describe.skipIf(!support.run)(`fine-tuning LeNet-5 in Chromium on ${EP}`, () => {
  let s: BrowserSession;

  beforeAll(async () => {
    s = await openBrowser();
    await openHarness(s);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('the loss falls and the tuned .onnx gives the same logits in Node', async () => {
    const probe = fixedInput(BATCH, 7);
    const r = await fineTuneInPage(s, EP, STEPS, BATCH, probe);
    expect(r.provider).toBe(EP);
    expect(r.trainedOn).toBe(EP);
    expect(r.backward, r.notices.join('; ')).toBe('compiled');
    expect(r.losses).toHaveLength(STEPS);
    expect(r.losses.every((l) => Number.isFinite(l))).toBe(true);
    expect(r.after).toBeLessThan(0.75 * r.before);

    const tuned = await Model.load(r.bytes);
    try {
      const meta = tuned.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune');
      expect(JSON.parse(meta?.value ?? '{}')).toMatchObject({ steps: STEPS, loss: 'cross-entropy', optimizer: 'adam', test: EP });
      const node = (await tuned.run({ input: { dims: [BATCH, 1, 28, 28], data: probe } })).logits!.data as Float32Array;
      expect(maxAbsDiff(r.logits, node)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(r.logits, r.untunedLogits)).toBeGreaterThan(1e-2);
    } finally {
      await tuned.dispose();
    }
  });
});
