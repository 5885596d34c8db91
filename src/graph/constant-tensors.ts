/**
 * Tensors stored as Constant nodes. Exporters (PaddlePaddle's, some of
 * PyTorch's at low opsets) write weights as `Constant` nodes whose `value`
 * attribute holds the tensor instead of as initializers; edgetune reads and
 * writes those tensors in place, so a tuned model keeps them where they were.
 * Subgraphs (If/Loop/Scan bodies) are searched too.
 */
import type { GraphProto, NodeProto, TensorProto } from '../onnx/types.js';

/** The `value` tensor of a Constant node (undefined for the other value_* forms). */
export function constantValue(node: NodeProto): TensorProto | undefined {
  if ((node.op_type ?? '') !== 'Constant' || (node.domain ?? '') !== '') return undefined;
  return node.attribute.find((a) => a.name === 'value')?.t;
}

/** Every graph nested in a node's attributes. */
export function subgraphs(node: NodeProto): GraphProto[] {
  return node.attribute.flatMap((a) => [...(a.g ? [a.g] : []), ...a.graphs]);
}

/** Every value the subgraphs of a node (If, Loop, Scan bodies, at any depth) name as an input: outer values they may read. */
export function subgraphReads(node: NodeProto): string[] {
  return subgraphs(node).flatMap((g) => g.node.flatMap((m) => [...m.input, ...subgraphReads(m)]));
}

/** The tensor a value name refers to in `g` or its subgraphs: an initializer or a Constant node's value. */
export function findTensor(g: GraphProto, name: string): TensorProto | undefined {
  const init = g.initializer.find((t) => t.name === name);
  if (init) return init;
  for (const n of g.node) {
    if (n.output[0] === name) {
      const t = constantValue(n);
      if (t) return t;
    }
  }
  for (const n of g.node) {
    for (const sub of subgraphs(n)) {
      const t = findTensor(sub, name);
      if (t) return t;
    }
  }
  return undefined;
}

/** Values a node's subgraphs read from enclosing scopes (the implicit inputs of If, Loop and Scan). */
export function outerReferences(node: NodeProto): string[] {
  const refs = new Set<string>();
  const walk = (g: GraphProto, outerDefined: Set<string>) => {
    const local = new Set<string>([...outerDefined, ...g.initializer.map((t) => t.name ?? ''), ...g.input.map((v) => v.name ?? ''), ...g.node.flatMap((n) => n.output)]);
    for (const n of g.node) {
      for (const v of n.input) if (v !== '' && !local.has(v)) refs.add(v);
      for (const s of subgraphs(n)) walk(s, local);
    }
    for (const o of g.output) if (o.name && !local.has(o.name)) refs.add(o.name);
  };
  for (const s of subgraphs(node)) walk(s, new Set());
  return [...refs];
}
