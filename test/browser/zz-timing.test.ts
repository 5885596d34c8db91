import { it } from 'vitest';
import { openBrowser, openHarness } from './helpers.js';
it('timing', async () => {
  const s = await openBrowser();
  await openHarness(s);
  for (const ep of ['webgpu', 'wasm']) {
    const r = await s.page.evaluate(async (ep) => {
      const et = (window as any).et;
      const T: string[] = [];
      let t = performance.now();
      const lap = (n: string) => { const now = performance.now(); T.push(`${n} ${(now - t).toFixed(0)}`); t = now; };
      const digits = et.decodeDigits(await et.fetchBytes('/digits.bin')); lap('digits');
      const model = await et.loadModel('/models/lenet5.onnx', { providers: [ep] }); await model.provider(); lap('load');
      const tuner = await et.createTuner(model, { loss: 'cross-entropy', lr: 0.003 }); lap('tuner');
      const held = et.subset(digits.test, Array.from({ length: 64 }, (_, i) => i * 7));
      await et.evaluate(tuner, held, 8); lap('eval8');
      for (let k = 0; k < 6; k++) {
        const b = et.makeBatch(tuner, digits.train, Array.from({ length: 8 }, (_, i) => k * 8 + i));
        const t0 = performance.now();
        const fwd = await tuner.engine.forward(b.feeds, tuner.weights); const t1 = performance.now();
        const g = et.computeLoss('cross-entropy', fwd.output, b.target);
        tuner.engine.backward(fwd.values, g.grad); const t2 = performance.now();
        await tuner.trainStep(b); const t3 = performance.now();
        T.push(`fwd ${(t1 - t0).toFixed(0)} bwd ${(t2 - t1).toFixed(0)} step ${(t3 - t2).toFixed(0)}`);
      }
      t = performance.now();
      return T.join(' | ');
    }, ep);
    console.log(ep, r);
  }
  await s.close();
}, 300000);
