/**
 * The backward plan of a graph: which parameters are trained, which nodes lie
 * on a gradient path (downstream of a trained parameter through differentiable
 * inputs, and upstream of the loss output), which inputs of each need a
 * gradient, and which forward values the rules read. Every op on a gradient
 * path without a rule is reported at once, before any work runs.
 */
import { InputError, MissingRuleError, UnsupportedError } from '../errors.js';
import type { GraphView, NodeView } from '../graph/graph.js';
import { findParameters } from '../graph/parameters.js';
import { outerReferences } from '../graph/constant-tensors.js';
import { DataType } from '../onnx/dtypes.js';
import { differentiableInputs, savesOf, type GradRule } from './rule.js';
import { ruleKey } from './rules/index.js';

export interface PlanStep {
  node: NodeView;
  rule: GradRule;
  /** inputs that need a gradient */
  needs: boolean[];
}

export interface BackwardPlan {
  output: string;
  params: string[];
  /** on-path nodes in topological order */
  steps: PlanStep[];
  /** values produced inside the graph that rules read (made graph outputs of the training view) */
  saved: string[];
}

/** Glob with `*` (any run of characters) and `?` (one character). */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(name);
}

export interface PlanOptions {
  output: string;
  /** names or globs of initializers to train; default the model's parameters (src/graph/parameters.ts) */
  trainable?: readonly string[];
  /** tensors that count as parameters although the graph no longer feeds them to a parameter input (a training pass moved them) */
  extraParams?: readonly string[];
  /** names or globs never trained */
  frozen?: readonly string[];
  /** extra values frozen: everything upstream of these nodes' outputs is frozen (fine-tune after a node) */
  rules: Readonly<Record<string, GradRule>>;
}

function candidateParams(view: GraphView, opts: PlanOptions): string[] {
  const g = view.graph;
  const floats = g.initializer.filter((t) => t.data_type === DataType.FLOAT).map((t) => t.name ?? '');
  const matches = (pats: readonly string[], n: string) => pats.some((p) => globMatch(p, n));
  const params = findParameters(view).uses;
  const extra = new Set(opts.extraParams ?? []);
  let names = floats.filter((n) => params.has(n) || extra.has(n));
  if (opts.trainable) {
    for (const p of opts.trainable) {
      if (!g.initializer.some((t) => globMatch(p, t.name ?? ''))) throw new InputError(`no initializer matches '${p}'`);
    }
    names = floats.filter((n) => matches(opts.trainable!, n));
  }
  if (opts.frozen) {
    for (const p of opts.frozen) {
      if (!g.initializer.some((t) => globMatch(p, t.name ?? ''))) throw new InputError(`--freeze: no initializer matches '${p}'`);
    }
    names = names.filter((n) => !matches(opts.frozen!, n));
  }
  return names;
}

export function buildPlan(view: GraphView, opts: PlanOptions): BackwardPlan {
  const { output } = opts;
  if (!view.outputs.includes(output)) throw new InputError(`${view.file}: the model has no output '${output}' (outputs: ${view.outputs.join(', ')})`);
  const candidates = candidateParams(view, opts);
  const ruleOf = (n: NodeView) => opts.rules[ruleKey(n.domain, n.opType)];
  const diffInputs = (n: NodeView): readonly number[] => {
    const r = ruleOf(n);
    return r ? differentiableInputs(r, n) : n.inputs.map((_, i) => i);
  };

  // Forward: values that carry a dependence on a candidate through differentiable inputs.
  const active = new Set(candidates);
  const implicit = new Map<number, string[]>();
  for (const n of view.nodes) {
    const refs = outerReferences(n.proto);
    if (refs.length > 0) implicit.set(n.index, refs);
  }
  for (const i of view.order) {
    const n = view.node(i);
    const flows = diffInputs(n).some((k) => active.has(n.inputs[k] ?? '')) || (implicit.get(i) ?? []).some((v) => active.has(v));
    if (flows) for (const o of n.outputs) if (o) active.add(o);
  }
  const reaching = view.upstream([output]);
  // control flow reads outer values inside its bodies: a body that reads a trained value puts the node on the path
  for (const [i, refs] of implicit) {
    const n = view.node(i);
    if (refs.some((v) => active.has(v)) && n.outputs.some((o) => reaching.has(o))) {
      throw new UnsupportedError(`${view.file}: node '${n.name}' (${n.opType}) is control flow on a gradient path; edgetune resolves an If only when its condition is a stored tensor — freeze the parameters before it or export the model without it`);
    }
  }
  if (!active.has(output)) {
    throw new InputError(`${view.file}: no trainable parameter reaches output '${output}' (trainable candidates: ${candidates.length})`);
  }
  const steps: PlanStep[] = [];
  const missing = new Map<number, NodeView>();
  const used = new Set<string>();
  for (const i of view.order) {
    const n = view.node(i);
    if (!n.outputs.some((o) => active.has(o) && reaching.has(o))) continue;
    const rule = ruleOf(n);
    if (!rule && implicit.has(i)) {
      throw new UnsupportedError(`${view.file}: node '${n.name}' (${n.opType}) is control flow on a gradient path; edgetune resolves an If only when its condition is a stored tensor — freeze the parameters before it or export the model without it`);
    }
    if (!rule) { missing.set(i, n); continue; }
    const diff = new Set(differentiableInputs(rule, n));
    const needs = n.inputs.map((v, k) => v !== '' && diff.has(k) && active.has(v));
    if (!needs.some(Boolean)) continue;
    n.inputs.forEach((v, k) => { if (needs[k] && candidates.includes(v)) used.add(v); });
    steps.push({ node: n, rule, needs });
  }
  if (missing.size > 0) {
    const candidateSet = new Set(candidates);
    throw new MissingRuleError([...missing.values()].map((n) => ({
      opType: n.domain ? `${n.domain}.${n.opType}` : n.opType,
      node: n.name,
      blocks: [...view.upstream(n.inputs.filter((v) => v !== ''))].filter((v) => candidateSet.has(v)),
    })), candidates.length);
  }
  const params = candidates.filter((c) => used.has(c));
  const saved = new Set<string>();
  for (const s of steps) {
    const saves = savesOf(s.rule, s.node);
    for (const k of saves.inputs) {
      const v = s.node.inputs[k];
      if (v && view.producer.has(v)) saved.add(v);
    }
    for (const k of saves.outputs) {
      const v = s.node.outputs[k];
      if (v) saved.add(v);
    }
  }
  saved.delete(output);
  return { output, params, steps, saved: [...saved] };
}
