import { performance } from 'node:perf_hooks';
import { lenet5, trainBatches, maxAbsDiff } from './workloads.js';
import { TfNet, registerWasmFilterGradShim, wasmThreads } from './peers/tfjs.js';
import { edgetuneTuner, tunerBatch, EdgetuneInfer } from './peers/edgetune.js';
const m = lenet5();
const batches = trainBatches(64, 4);
const et = await EdgetuneInfer.create(m.bytes, m.name);
const y0 = await et.run(batches[0].x, batches[0].dims);
for (const be of ['cpu', 'wasm']) {
    const net = await TfNet.create(m.chain, m.model, be);
    const y = net.predict(batches[0].x, 64);
    console.log(be, 'diff', maxAbsDiff(y, y0), 'threads', be === 'wasm' ? wasmThreads() : 1);
    if (be === 'wasm') {
        try {
            net.setOptimizer('sgd', 0.01);
            net.trainStep(batches[0].x, batches[0].labels, 'cross-entropy');
        }
        catch (e) {
            console.log('expected', String(e));
        }
        registerWasmFilterGradShim();
    }
    net.setOptimizer('sgd', 0.01);
    for (let i = 0; i < 4; i++) {
        const t0 = performance.now();
        const l = net.trainStep(batches[i].x, batches[i].labels, 'cross-entropy');
        console.log(be, 'step', (performance.now() - t0).toFixed(1), 'ms loss', l);
    }
}
const tuner = await edgetuneTuner(m.bytes, m.name, { optimizer: 'sgd', lr: 0.01, loss: 'cross-entropy' });
for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const info = await tuner.trainStep(tunerBatch(tuner, batches[i % 4]));
    console.log('edgetune step', (performance.now() - t0).toFixed(1), 'ms loss', info.loss);
}
