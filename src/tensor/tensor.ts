/**
 * A small dense float32 tensor in C (row-major) order: the currency of the
 * gradient rules. Shapes are plain number arrays; the data buffer is owned.
 */
export interface Tensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function tensor(dims: readonly number[], data?: Float32Array | readonly number[]): Tensor {
  const n = sizeOf(dims);
  const buf = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (buf.length !== n) throw new RangeError(`tensor: ${buf.length} values do not fill shape [${dims.join(',')}]`);
  return { dims: [...dims], data: buf };
}

export function zeros(dims: readonly number[]): Tensor {
  return tensor(dims);
}

/** Row-major strides of a shape. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

export function reshape(t: Tensor, dims: readonly number[]): Tensor {
  if (sizeOf(dims) !== t.data.length) throw new RangeError(`reshape: [${t.dims.join(',')}] cannot become [${dims.join(',')}]`);
  return { dims: [...dims], data: t.data };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** a += b element-wise (shapes must match); returns a. */
export function addInto(a: Tensor, b: Tensor): Tensor {
  if (!sameShape(a.dims, b.dims)) throw new RangeError(`addInto: [${a.dims.join(',')}] vs [${b.dims.join(',')}]`);
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) x[i]! += y[i]!;
  return a;
}

export function map(t: Tensor, f: (v: number, i: number) => number): Tensor {
  const out = new Float32Array(t.data.length);
  const d = t.data;
  for (let i = 0; i < d.length; i++) out[i] = f(d[i]!, i);
  return { dims: [...t.dims], data: out };
}

/** Element-wise combination of two same-shaped tensors. */
export function zipWith(a: Tensor, b: Tensor, f: (x: number, y: number, i: number) => number): Tensor {
  if (!sameShape(a.dims, b.dims)) throw new RangeError(`zipWith: [${a.dims.join(',')}] vs [${b.dims.join(',')}]`);
  const out = new Float32Array(a.data.length);
  const x = a.data, y = b.data;
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!, y[i]!, i);
  return { dims: [...a.dims], data: out };
}

export function scale(t: Tensor, s: number): Tensor {
  return map(t, (v) => v * s);
}
