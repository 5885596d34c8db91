/**
 * Inlining model-local functions: every call of a function the model defines
 * (other than the edgetune domain's, whose ops have gradient rules of their
 * own) is replaced by the function's body, with its inputs and outputs
 * wired to the call's, its internal values renamed `<call>/<value>`, and
 * attribute references resolved from the call (or the function's defaults).
 * The graph's own value names do not change, so gradient rules, saved values
 * and the training view all see the same names as before.
 */
import { EDGETUNE_DOMAIN } from '../../customops/domain.js';
import { UnsupportedError } from '../errors.js';
import { num, type Attribute, type FunctionProto, type ModelProto, type NodeProto, type OperatorSetId } from '../onnx/types.js';

const MAX_DEPTH = 32;
/** Inlining never grows a graph past this many nodes (nested calls can multiply). */
const MAX_NODES = 1_000_000;

function key(domain: string | undefined, name: string | undefined): string {
  return `${domain ?? ''}::${name ?? ''}`;
}

function resolveAttributes(body: NodeProto, call: NodeProto, fn: FunctionProto): Attribute[] {
  const out: Attribute[] = [];
  for (const a of body.attribute) {
    if (!a.ref_attr_name) { out.push(a); continue; }
    const given = call.attribute.find((c) => c.name === a.ref_attr_name) ?? fn.attribute_proto.find((d) => d.name === a.ref_attr_name);
    if (given) out.push({ ...given, name: a.name });
  }
  return out;
}

function expand(
  call: NodeProto, fn: FunctionProto, functions: Map<string, FunctionProto>, prefix: string, depth: number, budget: { left: number },
): NodeProto[] {
  if (depth > MAX_DEPTH) throw new UnsupportedError(`function '${fn.name}' calls functions more than ${MAX_DEPTH} deep`);
  const rename = new Map<string, string>();
  fn.input.forEach((name, i) => rename.set(name, call.input[i] ?? ''));
  fn.output.forEach((name, i) => rename.set(name, call.output[i] ?? `${prefix}/${name}`));
  const mapName = (v: string) => (v === '' ? '' : rename.get(v) ?? `${prefix}/${v}`);
  const out: NodeProto[] = [];
  fn.node.forEach((n, k) => {
    if (budget.left-- <= 0) throw new UnsupportedError(`inlining function '${fn.name}' would make the graph larger than ${MAX_NODES} nodes`);
    const inner: NodeProto = {
      ...n,
      name: `${prefix}/${n.name || `${n.op_type}_${k}`}`,
      input: n.input.map(mapName),
      output: n.output.map(mapName),
      attribute: resolveAttributes(n, call, fn),
    };
    const callee = functions.get(key(inner.domain, inner.op_type));
    out.push(...(callee ? expand(inner, callee, functions, inner.name!, depth + 1, budget) : [inner]));
  });
  return out;
}

/** Whether the main graph calls a model-local function that is not an edgetune op. */
export function callsLocalFunctions(m: ModelProto): boolean {
  const defined = new Set(m.functions.filter((f) => f.domain !== EDGETUNE_DOMAIN).map((f) => key(f.domain, f.name)));
  return (m.graph?.node ?? []).some((n) => defined.has(key(n.domain, n.op_type)));
}

function defaultOpset(imports: readonly OperatorSetId[]): number | undefined {
  const d = imports.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return d ? num(d.version) : undefined;
}

/**
 * Replace calls of non-edgetune model-local functions in the main graph by
 * their bodies. A function whose default-domain opset differs from the
 * model's is left as a call (its body's ops would change meaning). Mutates `m`.
 */
export function inlineLocalFunctions(m: ModelProto): void {
  const opset = defaultOpset(m.opset_import);
  const inlinable = (f: FunctionProto) => f.domain !== EDGETUNE_DOMAIN && (defaultOpset(f.opset_import) ?? opset) === opset;
  const functions = new Map(m.functions.filter(inlinable).map((f) => [key(f.domain, f.name), f]));
  if (functions.size === 0 || !m.graph) return;
  const nodes: NodeProto[] = [];
  const budget = { left: MAX_NODES };
  m.graph.node.forEach((n, i) => {
    const fn = functions.get(key(n.domain, n.op_type));
    nodes.push(...(fn ? expand(n, fn, functions, n.name || `${n.op_type}_${i}`, 1, budget) : [n]));
  });
  m.graph.node = nodes;
}
