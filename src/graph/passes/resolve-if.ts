/**
 * Training pass: an If node whose condition is a stored tensor (an
 * initializer or a Constant node, possibly behind Identity/Cast/Not) is
 * replaced by the nodes of the branch it always takes, so the backward pass
 * walks ordinary ops. Branch values whose names clash with the enclosing
 * graph's are renamed; the branch's outputs take the If node's output names
 * (through Identity where a branch returns an outer value directly). An If
 * whose condition depends on the data stays; on a gradient path it is refused
 * by the backward plan, naming the node.
 */

import { readTensor } from '../../onnx/tensor-codec.js';
import { node as makeNode } from '../../onnx/builder.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../../onnx/types.js';
import { constantValue, subgraphs } from '../constant-tensors.js';

/** The condition's value when it is fixed by stored tensors; undefined when it depends on data. */
function staticBool(g: GraphProto, name: string, depth = 0): boolean | undefined {
  if (depth > 16) return undefined;
  const init = g.initializer.find((t) => t.name === name);
  const producer = g.node.find((n) => n.output.includes(name));
  const tensor: TensorProto | undefined = init ?? (producer ? constantValue(producer) : undefined);
  if (tensor) {
    const t = readTensor(tensor, undefined, '<condition>');
    if (t.data.length !== 1) return undefined;
    return Number(t.data[0]) !== 0;
  }
  if (!producer || (producer.domain ?? '') !== '') return undefined;
  const inner = producer.input[0];
  if (!inner) return undefined;
  switch (producer.op_type) {
    case 'Identity': return staticBool(g, inner, depth + 1);
    case 'Cast': return staticBool(g, inner, depth + 1);
    case 'Not': { const v = staticBool(g, inner, depth + 1); return v === undefined ? undefined : !v; }
    default: return undefined;
  }
}

/** Every value name defined anywhere in a graph and its subgraphs. */
function definedNames(g: GraphProto, into = new Set<string>()): Set<string> {
  for (const t of g.initializer) into.add(t.name ?? '');
  for (const v of g.input) into.add(v.name ?? '');
  for (const n of g.node) {
    for (const o of n.output) into.add(o);
    for (const s of subgraphs(n)) definedNames(s, into);
  }
  return into;
}

function renameIn(g: GraphProto, map: Map<string, string>): void {
  const r = (v: string) => map.get(v) ?? v;
  for (const t of g.initializer) t.name = r(t.name ?? '');
  for (const n of g.node) {
    n.input = n.input.map(r);
    n.output = n.output.map(r);
    for (const s of subgraphs(n)) renameIn(s, map);
  }
  for (const v of g.output) v.name = r(v.name ?? '');
}

/** The nodes that replace `ifNode` when it always takes `branch`. */
function inlineBranch(outer: GraphProto, ifNode: NodeProto, branch: GraphProto, taken: Set<string>): NodeProto[] {
  const local = new Set<string>([...branch.initializer.map((t) => t.name ?? ''), ...branch.node.flatMap((n) => n.output)]);
  const rename = new Map<string, string>();
  let k = 0;
  for (const v of local) {
    if (v === '' || !taken.has(v)) continue;
    let fresh: string;
    do fresh = `${ifNode.name || 'If'}/${v}_${k++}`; while (taken.has(fresh) || local.has(fresh));
    rename.set(v, fresh);
    taken.add(fresh);
  }
  renameIn(branch, rename);
  for (const v of local) taken.add(rename.get(v) ?? v);
  outer.initializer.push(...branch.initializer);
  const nodes = [...branch.node];
  const localNow = new Set(nodes.flatMap((n) => n.output));
  branch.output.forEach((o, i) => {
    const want = ifNode.output[i];
    const have = o.name ?? '';
    if (!want) return;
    const producer = nodes.find((n) => n.output.includes(have));
    if (producer && localNow.has(have) && !branch.output.slice(0, i).some((p) => p.name === have)) {
      const rn = new Map([[have, want]]);
      for (const n of nodes) { n.input = n.input.map((v) => rn.get(v) ?? v); n.output = n.output.map((v) => rn.get(v) ?? v); }
      for (const p of branch.output) if (p.name === have) p.name = want;
    } else {
      nodes.push(makeNode('Identity', [have], [want], {}, { name: `${ifNode.name || 'If'}/output_${i}` }));
    }
  });
  return nodes;
}

/** Resolve every If of the main graph with a stored condition; returns the resolved node names. Mutates `m`. */
export function resolveStaticIfs(m: ModelProto): string[] {
  const g = m.graph;
  if (!g) return [];
  const resolved: string[] = [];
  for (let pass = 0; pass < 8; pass++) {
    const taken = definedNames(g);
    let changed = false;
    const out: NodeProto[] = [];
    for (const n of g.node) {
      if ((n.op_type ?? '') !== 'If' || (n.domain ?? '') !== '' || !n.input[0]) { out.push(n); continue; }
      const cond = staticBool(g, n.input[0]);
      const branch = cond === undefined ? undefined : n.attribute.find((a) => a.name === (cond ? 'then_branch' : 'else_branch'))?.g;
      if (!branch) { out.push(n); continue; }
      out.push(...inlineBranch(g, n, branch, taken));
      resolved.push(n.name || 'If');
      changed = true;
    }
    g.node = out;
    if (!changed) break;
  }
  return resolved;
}

