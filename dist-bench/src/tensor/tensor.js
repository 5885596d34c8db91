export function sizeOf(dims) {
    let n = 1;
    for (const d of dims)
        n *= d;
    return n;
}
export function tensor(dims, data) {
    const n = sizeOf(dims);
    const buf = data === undefined ? new Float32Array(n) : data instanceof Float32Array ? data : Float32Array.from(data);
    if (buf.length !== n)
        throw new RangeError(`tensor: ${buf.length} values do not fill shape [${dims.join(',')}]`);
    return { dims: [...dims], data: buf };
}
export function zeros(dims) {
    return tensor(dims);
}
/** Row-major strides of a shape. */
export function stridesOf(dims) {
    const s = new Array(dims.length);
    let acc = 1;
    for (let i = dims.length - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= dims[i];
    }
    return s;
}
export function reshape(t, dims) {
    if (sizeOf(dims) !== t.data.length)
        throw new RangeError(`reshape: [${t.dims.join(',')}] cannot become [${dims.join(',')}]`);
    return { dims: [...dims], data: t.data };
}
export function sameShape(a, b) {
    return a.length === b.length && a.every((d, i) => d === b[i]);
}
/** a += b element-wise (shapes must match); returns a. */
export function addInto(a, b) {
    if (!sameShape(a.dims, b.dims))
        throw new RangeError(`addInto: [${a.dims.join(',')}] vs [${b.dims.join(',')}]`);
    const x = a.data, y = b.data;
    for (let i = 0; i < x.length; i++)
        x[i] += y[i];
    return a;
}
export function map(t, f) {
    const out = new Float32Array(t.data.length);
    const d = t.data;
    for (let i = 0; i < d.length; i++)
        out[i] = f(d[i], i);
    return { dims: [...t.dims], data: out };
}
/** Element-wise combination of two same-shaped tensors. */
export function zipWith(a, b, f) {
    if (!sameShape(a.dims, b.dims))
        throw new RangeError(`zipWith: [${a.dims.join(',')}] vs [${b.dims.join(',')}]`);
    const out = new Float32Array(a.data.length);
    const x = a.data, y = b.data;
    for (let i = 0; i < x.length; i++)
        out[i] = f(x[i], y[i], i);
    return { dims: [...a.dims], data: out };
}
export function scale(t, s) {
    return map(t, (v) => v * s);
}
