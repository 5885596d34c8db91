function fmt(dims) {
    return `[${dims.join(',')}]`;
}
function check4d(x, n, what) {
    if (x.dims.length !== 4)
        throw new RangeError(`${what}: input must be [N,C,H,W], got ${fmt(x.dims)}`);
    if (!Number.isInteger(n) || n < 1)
        throw new RangeError(`${what}: block size must be a positive integer, got ${n}`);
    return x.dims;
}
/**
 * y[b,c,i,j] = x[b,c,floor(i/n),floor(j/n)] for i < H·n and j < W·n, and 0 on
 * the extra rows/columns when outH > H·n or outW > W·n (outH and outW default
 * to H·n and W·n and may not be smaller).
 */
export function up(x, n, outH, outW) {
    const [N, C, H, W] = check4d(x, n, 'up');
    const oH = outH ?? H * n;
    const oW = outW ?? W * n;
    if (!Number.isInteger(oH) || !Number.isInteger(oW) || oH < H * n || oW < W * n) {
        throw new RangeError(`up: output ${oH}x${oW} is smaller than ${H * n}x${W * n} for input ${fmt(x.dims)} and n=${n}`);
    }
    const src = x.data;
    const y = new Float32Array(N * C * oH * oW);
    for (let plane = 0; plane < N * C; plane++) {
        const sBase = plane * H * W;
        const dBase = plane * oH * oW;
        for (let i = 0; i < H; i++) {
            const sRow = sBase + i * W;
            const first = dBase + i * n * oW;
            let o = first;
            for (let j = 0; j < W; j++) {
                const v = src[sRow + j];
                for (let b = 0; b < n; b++)
                    y[o++] = v;
            }
            // The other n−1 rows of the block repeat the first one.
            for (let a = 1; a < n; a++)
                y.copyWithin(first + a * oW, first, first + W * n);
        }
    }
    return { dims: [N, C, oH, oW], data: y };
}
/**
 * y[b,c,i,j] = Σ_{a,e < n} x[b,c,i·n + a, j·n + e], output floor(H/n) × floor(W/n);
 * rows and columns left over past the last whole block are ignored.
 */
export function down(x, n) {
    const [N, C, H, W] = check4d(x, n, 'down');
    const oH = Math.floor(H / n);
    const oW = Math.floor(W / n);
    const src = x.data;
    const y = new Float32Array(N * C * oH * oW);
    for (let plane = 0; plane < N * C; plane++) {
        const sBase = plane * H * W;
        const dBase = plane * oH * oW;
        for (let i = 0; i < oH; i++) {
            const dRow = dBase + i * oW;
            for (let a = 0; a < n; a++) {
                const sRow = sBase + (i * n + a) * W;
                for (let j = 0; j < oW; j++) {
                    const s0 = sRow + j * n;
                    let s = 0;
                    for (let e = 0; e < n; e++)
                        s += src[s0 + e];
                    y[dRow + j] = y[dRow + j] + s;
                }
            }
        }
    }
    return { dims: [N, C, oH, oW], data: y };
}
