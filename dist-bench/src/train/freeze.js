/**
 * Which initializers a fine-tune leaves fixed: names or globs given by the
 * user, and "everything before node X" — every initializer read by X or by a
 * node upstream of X — so that only the layers after X (the head) train.
 */
import { InputError } from '../errors.js';
export function frozenBefore(view, nodeName) {
    const node = view.nodes.find((n) => n.name === nodeName || n.outputs.includes(nodeName));
    if (!node) {
        const names = view.nodes.slice(0, 12).map((n) => n.name).join(', ');
        throw new InputError(`${view.file}: --train-after: no node named '${nodeName}' (nodes: ${names}${view.nodes.length > 12 ? ', …' : ''})`);
    }
    const upstream = view.upstream(node.outputs.filter((o) => o !== ''));
    return [...view.initializers].filter((i) => upstream.has(i));
}
