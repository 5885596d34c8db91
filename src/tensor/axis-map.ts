/**
 * A linear map acting along one axis of a tensor:
 *
 *   y[…, o, …] = Σ_t w[o, t] · x[…, idx[o, t], …]     (o < outSize, t < taps),
 *
 * i.e. y = A·x along that axis with A [outSize, inSize]. Resize is a product
 * of such maps (one per resized axis), and so are the edge, reflect and wrap
 * modes of Pad (one tap of weight 1 per output). Both the forward map and its
 * adjoint (∂x = Aᵀ·δ along the axis, the scatter of δ through the taps) are
 * here, together with the forms the emitters turn into ONNX nodes: the dense
 * matrix, the block factor of a plain nearest-neighbour upsampling, and the
 * inverse taps (for each input position, the outputs that read it).
 */
import { sizeOf, type Tensor } from './tensor.js';

export interface AxisMap {
  readonly inSize: number;
  readonly outSize: number;
  /** taps per output position */
  readonly taps: number;
  /** input index read by tap t of output o, at o·taps + t (unused where the weight is 0) */
  readonly index: Int32Array;
  /** weight of tap t of output o, at o·taps + t */
  readonly weight: Float64Array;
}

/** The identity on an axis of length n. */
export function identityMap(n: number): AxisMap {
  return { inSize: n, outSize: n, taps: 1, index: Int32Array.from({ length: n }, (_, i) => i), weight: new Float64Array(n).fill(1) };
}

/** A gather: output o copies input sources[o] (weight 1). */
export function gatherMap(inSize: number, sources: ArrayLike<number>): AxisMap {
  const n = sources.length;
  for (let o = 0; o < n; o++) {
    const s = sources[o]!;
    if (!(s >= 0 && s < inSize)) throw new RangeError(`gatherMap: source ${s} of output ${o} is outside [0, ${inSize})`);
  }
  return { inSize, outSize: n, taps: 1, index: Int32Array.from(sources), weight: new Float64Array(n).fill(1) };
}

/** The dense matrix A [outSize, inSize] (row-major), duplicate taps summed. */
export function denseMatrix(m: AxisMap): Float64Array {
  const a = new Float64Array(m.outSize * m.inSize);
  for (let o = 0; o < m.outSize; o++) {
    for (let t = 0; t < m.taps; t++) {
      const w = m.weight[o * m.taps + t]!;
      if (w !== 0) a[o * m.inSize + m.index[o * m.taps + t]!]! += w;
    }
  }
  return a;
}

/** Whether the map is the identity (A = I). */
export function isIdentityMap(m: AxisMap): boolean {
  if (m.inSize !== m.outSize) return false;
  const a = denseMatrix(m);
  for (let o = 0; o < m.outSize; o++) {
    for (let i = 0; i < m.inSize; i++) if (a[o * m.inSize + i] !== (o === i ? 1 : 0)) return false;
  }
  return true;
}

/**
 * k when the map copies input i into outputs i·k … i·k + k − 1 (outSize =
 * k·inSize, weight 1: the nearest-neighbour upsampling by an integer factor
 * whose adjoint is a block sum), else 0.
 */
export function blockFactor(m: AxisMap): number {
  if (m.inSize === 0 || m.outSize % m.inSize !== 0) return 0;
  const k = m.outSize / m.inSize;
  const a = denseMatrix(m);
  for (let o = 0; o < m.outSize; o++) {
    for (let i = 0; i < m.inSize; i++) if (a[o * m.inSize + i] !== (Math.floor(o / k) === i ? 1 : 0)) return 0;
  }
  return k;
}

/**
 * The adjoint's taps: for each input position i, up to `layers` pairs
 * (output o, weight A[o, i]) with A[o, i] ≠ 0, so that
 * (Aᵀ·g)[i] = Σ_k weight[k·inSize + i] · g[source[k·inSize + i]]
 * (layer k holds each input's k-th reader; missing readers have weight 0).
 */
export interface InverseTaps {
  layers: number;
  source: Int32Array;
  weight: Float64Array;
}

export function inverseTaps(m: AxisMap): InverseTaps {
  const a = denseMatrix(m);
  const readers: { o: number; w: number }[][] = Array.from({ length: m.inSize }, () => []);
  for (let o = 0; o < m.outSize; o++) {
    for (let i = 0; i < m.inSize; i++) {
      const w = a[o * m.inSize + i]!;
      if (w !== 0) readers[i]!.push({ o, w });
    }
  }
  const layers = readers.reduce((k, r) => Math.max(k, r.length), 0);
  const source = new Int32Array(layers * m.inSize);
  const weight = new Float64Array(layers * m.inSize);
  readers.forEach((r, i) => r.forEach(({ o, w }, k) => {
    source[k * m.inSize + i] = o;
    weight[k * m.inSize + i] = w;
  }));
  return { layers, source, weight };
}

function outer(dims: readonly number[], axis: number): [number, number] {
  return [sizeOf(dims.slice(0, axis)), sizeOf(dims.slice(axis + 1))];
}

function checkAxis(dims: readonly number[], axis: number, size: number, what: string): void {
  if (axis < 0 || axis >= dims.length || dims[axis] !== size) {
    throw new RangeError(`${what}: axis ${axis} of [${dims.join(',')}] is not ${size} long`);
  }
}

/** y = A·x along `axis` (x.dims[axis] = inSize; y.dims[axis] = outSize). */
export function applyAxisMap(x: Tensor, axis: number, m: AxisMap): Tensor {
  checkAxis(x.dims, axis, m.inSize, 'applyAxisMap');
  const [pre, post] = outer(x.dims, axis);
  const dims = x.dims.map((d, a) => (a === axis ? m.outSize : d));
  const y = new Float32Array(sizeOf(dims));
  const xs = x.data;
  for (let p = 0; p < pre; p++) {
    const xBase = p * m.inSize * post;
    const yBase = p * m.outSize * post;
    for (let o = 0; o < m.outSize; o++) {
      const yRow = yBase + o * post;
      for (let t = 0; t < m.taps; t++) {
        const w = m.weight[o * m.taps + t]!;
        if (w === 0) continue;
        const xRow = xBase + m.index[o * m.taps + t]! * post;
        for (let q = 0; q < post; q++) y[yRow + q]! += w * xs[xRow + q]!;
      }
    }
  }
  return { dims, data: y };
}

/** ∂x = Aᵀ·g along `axis` (g.dims[axis] = outSize; the result's = inSize): g scattered back through the taps. */
export function applyAxisMapAdjoint(g: Tensor, axis: number, m: AxisMap): Tensor {
  checkAxis(g.dims, axis, m.outSize, 'applyAxisMapAdjoint');
  const [pre, post] = outer(g.dims, axis);
  const dims = g.dims.map((d, a) => (a === axis ? m.inSize : d));
  const dx = new Float32Array(sizeOf(dims));
  const gs = g.data;
  for (let p = 0; p < pre; p++) {
    const gBase = p * m.outSize * post;
    const xBase = p * m.inSize * post;
    for (let o = 0; o < m.outSize; o++) {
      const gRow = gBase + o * post;
      for (let t = 0; t < m.taps; t++) {
        const w = m.weight[o * m.taps + t]!;
        if (w === 0) continue;
        const xRow = xBase + m.index[o * m.taps + t]! * post;
        for (let q = 0; q < post; q++) dx[xRow + q]! += w * gs[gRow + q]!;
      }
    }
  }
  return { dims, data: dx };
}

/**
 * Apply one map per axis (undefined = identity), the forward product
 * y = (⊗_a A_a)·x; the order does not change the result.
 */
export function applyAxisMaps(x: Tensor, maps: readonly (AxisMap | undefined)[]): Tensor {
  let y = x;
  maps.forEach((m, a) => { if (m) y = applyAxisMap(y, a, m); });
  return y;
}

/**
 * The adjoint of applyAxisMaps: ∂x = (⊗_a A_a)ᵀ·g, the axes that shrink the
 * tensor most taken first.
 */
export function applyAxisMapsAdjoint(g: Tensor, maps: readonly (AxisMap | undefined)[]): Tensor {
  let dx = g;
  for (const a of adjointOrder(maps)) dx = applyAxisMapAdjoint(dx, a, maps[a]!);
  return dx;
}

/** The axes with a map (or just its sizes), those whose adjoint shrinks the tensor most (outSize / inSize) first. */
export function adjointOrder(maps: readonly (Pick<AxisMap, 'inSize' | 'outSize'> | undefined)[]): number[] {
  return maps.map((m, a) => ({ m, a }))
    .filter((e): e is { m: Pick<AxisMap, 'inSize' | 'outSize'>; a: number } => e.m !== undefined)
    .sort((p, q) => q.m.outSize * p.m.inSize - p.m.outSize * q.m.inSize || p.a - q.a)
    .map((e) => e.a);
}
