/** Dense matrix products: a strided GEMM core, 2-D matmul and ONNX MatMul. */
import { broadcastShape } from './broadcast.js';
import { sizeOf, stridesOf, type Tensor } from './tensor.js';

function fmt(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

/**
 * C += op(A) · op(B) on flat row-major buffers, where op(A) is M×K and op(B)
 * is K×N. A is stored M×K (or K×M when transA), B is stored K×N (or N×K when
 * transB), C is M×N; each starts at its offset.
 */
export function gemmAccumulate(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  transA: boolean,
  b: Float32Array,
  bOff: number,
  transB: boolean,
  c: Float32Array,
  cOff: number,
): void {
  if (M === 0 || N === 0 || K === 0) return;
  if (transB) {
    if (transA) {
      // Materialising A keeps the dot products below contiguous in both operands.
      const at = new Float32Array(M * K);
      for (let k = 0; k < K; k++) {
        const row = aOff + k * M;
        for (let i = 0; i < M; i++) at[i * K + k] = a[row + i]!;
      }
      gemmNT(M, N, K, at, 0, b, bOff, c, cOff);
    } else {
      gemmNT(M, N, K, a, aOff, b, bOff, c, cOff);
    }
    return;
  }
  // Row i of C accumulates Σ_k A[i,k]·B[k,:]; the innermost loop runs along
  // contiguous rows of B and C. Unrolling k by 4 quarters the traffic on C.
  const aRowStep = transA ? 1 : K;
  const aColStep = transA ? M : 1;
  const K4 = K - (K % 4);
  for (let i = 0; i < M; i++) {
    const ci = cOff + i * N;
    const ai = aOff + i * aRowStep;
    let k = 0;
    for (; k < K4; k += 4) {
      const a0 = a[ai + k * aColStep]!;
      const a1 = a[ai + (k + 1) * aColStep]!;
      const a2 = a[ai + (k + 2) * aColStep]!;
      const a3 = a[ai + (k + 3) * aColStep]!;
      const b0 = bOff + k * N;
      const b1 = b0 + N;
      const b2 = b1 + N;
      const b3 = b2 + N;
      for (let j = 0; j < N; j++) {
        c[ci + j] = c[ci + j]! + a0 * b[b0 + j]! + a1 * b[b1 + j]! + a2 * b[b2 + j]! + a3 * b[b3 + j]!;
      }
    }
    for (; k < K; k++) {
      const av = a[ai + k * aColStep]!;
      const bk = bOff + k * N;
      for (let j = 0; j < N; j++) c[ci + j] = c[ci + j]! + av * b[bk + j]!;
    }
  }
}

/** C += A · Bᵀ with A stored M×K and B stored N×K: contiguous dot products. */
function gemmNT(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  c: Float32Array,
  cOff: number,
): void {
  const K4 = K - (K % 4);
  for (let i = 0; i < M; i++) {
    const ai = aOff + i * K;
    const ci = cOff + i * N;
    for (let j = 0; j < N; j++) {
      const bj = bOff + j * K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let k = 0;
      for (; k < K4; k += 4) {
        s0 += a[ai + k]! * b[bj + k]!;
        s1 += a[ai + k + 1]! * b[bj + k + 1]!;
        s2 += a[ai + k + 2]! * b[bj + k + 2]!;
        s3 += a[ai + k + 3]! * b[bj + k + 3]!;
      }
      for (; k < K; k++) s0 += a[ai + k]! * b[bj + k]!;
      c[ci + j] = c[ci + j]! + (s0 + s1 + s2 + s3);
    }
  }
}

/**
 * 2-D product op(a) · op(b): a is [M,K] ([K,M] when transA), b is [K,N]
 * ([N,K] when transB); the result is [M,N] with y[i,j] = Σ_k op(a)[i,k]·op(b)[k,j].
 */
export function matmul(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  if (a.dims.length !== 2 || b.dims.length !== 2) {
    throw new RangeError(`matmul: operands must be 2-D, got ${fmt(a.dims)} and ${fmt(b.dims)}`);
  }
  const M = transA ? a.dims[1]! : a.dims[0]!;
  const K = transA ? a.dims[0]! : a.dims[1]!;
  const Kb = transB ? b.dims[1]! : b.dims[0]!;
  const N = transB ? b.dims[0]! : b.dims[1]!;
  if (K !== Kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: a ${fmt(a.dims)}${transA ? 'ᵀ' : ''} vs b ${fmt(b.dims)}${transB ? 'ᵀ' : ''}`,
    );
  }
  const out = new Float32Array(M * N);
  gemmAccumulate(M, N, K, a.data, 0, transA, b.data, 0, transB, out, 0);
  return { dims: [M, N], data: out };
}

/**
 * ONNX MatMul (numpy matmul): the last two axes are multiplied as matrices and
 * the leading axes broadcast. A 1-D a is treated as [1,K] and a 1-D b as [K,1],
 * and the inserted axis is removed from the result.
 */
export function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  if (a.dims.length === 0 || b.dims.length === 0) {
    throw new RangeError(`batchedMatmul: scalar operand in ${fmt(a.dims)} x ${fmt(b.dims)}`);
  }
  const aDims = a.dims.length === 1 ? [1, a.dims[0]!] : a.dims;
  const bDims = b.dims.length === 1 ? [b.dims[0]!, 1] : b.dims;
  const M = aDims[aDims.length - 2]!;
  const K = aDims[aDims.length - 1]!;
  const N = bDims[bDims.length - 1]!;
  if (bDims[bDims.length - 2] !== K) {
    throw new RangeError(`batchedMatmul: inner dimensions differ in ${fmt(a.dims)} x ${fmt(b.dims)}`);
  }
  const aBatch = aDims.slice(0, -2);
  const bBatch = bDims.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShape(aBatch, bBatch);
  } catch {
    throw new RangeError(`batchedMatmul: batch dimensions of ${fmt(a.dims)} and ${fmt(b.dims)} do not broadcast`);
  }
  const rank = batch.length;
  // Per-batch-axis strides in units of whole matrices; 0 where the axis is broadcast.
  const matStrides = (dims: number[]): number[] => {
    const s = stridesOf(dims);
    const out = new Array<number>(rank).fill(0);
    for (let i = 0; i < dims.length; i++) if (dims[i] !== 1) out[rank - dims.length + i] = s[i]!;
    return out;
  };
  const sa = matStrides(aBatch);
  const sb = matStrides(bBatch);
  const nBatch = sizeOf(batch);
  const out = new Float32Array(nBatch * M * N);
  for (let t = 0; t < nBatch; t++) {
    let rem = t;
    let ia = 0;
    let ib = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const n = batch[d]!;
      const i = rem % n;
      rem = (rem - i) / n;
      ia += i * sa[d]!;
      ib += i * sb[d]!;
    }
    gemmAccumulate(M, N, K, a.data, ia * M * K, false, b.data, ib * K * N, false, out, t * M * N);
  }
  const dims = [...batch];
  if (a.dims.length > 1) dims.push(M);
  if (b.dims.length > 1) dims.push(N);
  return { dims, data: out };
}
