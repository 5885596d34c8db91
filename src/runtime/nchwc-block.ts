/**
 * The channel block of ONNX Runtime's NCHWc CPU kernels (the
 * com.microsoft.nchwc domain: 8 channels on AVX2 CPUs, 16 on AVX-512 ones),
 * read from the runtime itself: ReorderInput pads 4 channels up to one
 * block. undefined where those kernels are not there (onnxruntime-web's
 * wasm, WebGL and WebGPU, the Node entry's wasm fallback) or do not run.
 */
import { graph, model, node, opset, valueInfo } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { encodeModel } from '../onnx/model-io.js';
import type { Backend } from './backend.js';

const probes = new WeakMap<Backend, Promise<number | undefined>>();

/** The NCHWc block of `provider` on `backend`: a number only for onnxruntime-node's CPU provider. Measured once per backend. */
export function nchwcBlockSize(backend: Backend, provider: string): Promise<number | undefined> {
  if (backend.platform !== 'node' || provider !== 'cpu') return Promise.resolve(undefined);
  let p = probes.get(backend);
  if (!p) {
    p = probe(backend);
    probes.set(backend, p);
  }
  return p;
}

async function probe(backend: Backend): Promise<number | undefined> {
  const domain = 'com.microsoft.nchwc';
  const g = graph('nchwc-block', [node('ReorderInput', ['x'], ['y'], {}, { domain })],
    [valueInfo('x', DataType.FLOAT, [1, 4, 1, 1])], [valueInfo('y', DataType.FLOAT)]);
  try {
    const session = await backend.ort.InferenceSession.create(encodeModel(model(g, { opsets: [opset('', 13), opset(domain, 1)] })), {
      executionProviders: ['cpu'], logSeverityLevel: 4,
    });
    try {
      const out = (await session.run({ x: new backend.ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) })).y;
      const block = out?.dims[1];
      return typeof block === 'number' && block >= 4 && block % 4 === 0 ? block : undefined;
    } finally {
      await session.release();
    }
  } catch {
    return undefined;
  }
}
