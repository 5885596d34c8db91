export const AttributeType = {
    UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
    TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
};
/** An int64 field as a JS number (exact up to 2^53). */
export function num(v) {
    if (v === undefined || v === null)
        return 0;
    return typeof v === 'number' ? v : v.toNumber();
}
