import { it } from 'vitest';
import { openBrowser, openHarness } from './helpers.js';
it('timing', async () => {
  const s = await openBrowser();
  await openHarness(s);
  for (const EP of ['webgpu','wasm']) {
  const r = await s.page.evaluate(async (EP) => {
    const et = (window as any).et;
    const T: string[] = [];
    let t = performance.now();
    const lap = (n: string) => { const now = performance.now(); T.push(`${n} ${(now - t).toFixed(0)}`); t = now; };
    const digits = et.decodeDigits(await et.fetchBytes('/digits.bin'));
    const model = await et.loadModel('/models/lenet5.onnx', { providers: [EP] });
    const b0 = et.makeBatch({ inputName: 'input' }, digits.train, [0,1,2,3,4,5,6,7]);
    await model.run(b0.feeds); lap('infer-first');
    await model.run(b0.feeds); lap('infer-2nd');
    const tuner = await et.createTuner(model, { loss: 'cross-entropy', lr: 0.003 }); lap('tuner');
    const eng = tuner.engine;
    const all = { ...b0.feeds }; for (const p of eng.params) all[p.name] = { dims: p.dims, data: tuner.weights.get(p.name) };
    await eng.session.run(all, [eng.plan.output]); lap('view-logits-first');
    await eng.session.run(all, [eng.plan.output]); lap('view-logits-2nd');
    T.push(`saved=${eng.plan.saved.length}`);
    await eng.session.run(all, [eng.plan.output, ...eng.plan.saved]); lap('view-saved-first');
    await eng.session.run(all, [eng.plan.output, ...eng.plan.saved]); lap('view-saved-2nd');
    await eng.session.run(all, [eng.plan.output, ...eng.plan.saved]); lap('view-saved-3rd');
    for (let k = 0; k < 4; k++) {
      const t0 = performance.now();
      const fwd = await eng.forward(b0.feeds, tuner.weights); const t1 = performance.now();
      const L = et.computeLoss('cross-entropy', fwd.output, b0.target); const t2 = performance.now();
      eng.backward(fwd.values, L.grad); const t3 = performance.now();
      await tuner.trainStep(b0); const t4 = performance.now();
      T.push(`fwd ${(t1-t0).toFixed(0)} loss ${(t2-t1).toFixed(0)} bwd ${(t3-t2).toFixed(0)} step ${(t4-t3).toFixed(0)}`);
    }
    return EP + ' ' + T.join(' | ');
  }, EP);
  console.log(r);
  }
  await s.close();
}, 300000);
