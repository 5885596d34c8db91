/**
 * The raw onnxruntime-node peer: an InferenceSession on the same model bytes
 * with ONNX Runtime's default options, fed and read directly, and the
 * machine's reference peak: a large float32 MatMul run in ONNX Runtime.
 */
import * as ort from 'onnxruntime-node';
import { graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';

/** An ONNX Runtime session on raw model bytes, for one float32 input and the first output. */
export class OrtPeer {
  private constructor(private readonly session: ort.InferenceSession, readonly input: string, readonly output: string) {}

  /** A session with ONNX Runtime's default options, or `threads` intra-op threads. */
  static async create(bytes: Uint8Array, threads?: number): Promise<OrtPeer> {
    const session = await ort.InferenceSession.create(bytes, threads === undefined ? {} : { intraOpNumThreads: threads });
    const input = session.inputNames[0], output = session.outputNames[0];
    if (input === undefined || output === undefined) throw new Error('onnxruntime-node peer: the model needs an input and an output');
    return new OrtPeer(session, input, output);
  }

  /** The first output for a float32 input of the given dims. */
  async run(x: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    const result = await this.session.run({ [this.input]: new ort.Tensor('float32', x, dims) });
    const y = result[this.output];
    if (!y) throw new Error(`onnxruntime-node peer: no output '${this.output}'`);
    return y.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** FLOPs of an n×n by n×n matrix product: 2·n³. */
export function matmulFlops(n: number): number {
  return 2 * n * n * n;
}

/**
 * A session computing C = A·B for n×n float32 inputs A and B, with inputs
 * filled with values in [−1, 1); ONNX Runtime's default thread pool, or
 * `threads` intra-op threads.
 */
export async function matmulPeak(n: number, threads?: number): Promise<{ run: () => Promise<void>; dispose: () => Promise<void> }> {
  const g = graph('peak_matmul', [node('MatMul', ['A', 'B'], ['C'], {}, { name: 'mm' })],
    [valueInfo('A', DataType.FLOAT, [n, n]), valueInfo('B', DataType.FLOAT, [n, n])],
    [valueInfo('C', DataType.FLOAT, [n, n])]);
  const session = await ort.InferenceSession.create(encodeModel(model(g, { irVersion: 8, opsets: [opset('', 17)] })), threads === undefined ? {} : { intraOpNumThreads: threads });
  const a = new Float32Array(n * n), b = new Float32Array(n * n);
  for (let i = 0; i < a.length; i++) { a[i] = ((i * 7919) % 2000) / 1000 - 1; b[i] = ((i * 104729) % 2000) / 1000 - 1; }
  const feeds = { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', b, [n, n]) };
  return {
    run: async () => { await session.run(feeds); },
    dispose: () => session.release(),
  };
}
