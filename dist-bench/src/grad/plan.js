/**
 * The backward plan of a graph: which parameters are trained, which nodes lie
 * on a gradient path (downstream of a trained parameter through differentiable
 * inputs, and upstream of the loss output), which inputs of each need a
 * gradient, and which forward values the rules read. Every op on a gradient
 * path without a rule is reported at once, before any work runs.
 */
import { InputError, MissingRuleError } from '../errors.js';
import { DataType } from '../onnx/dtypes.js';
import { differentiableInputs, savesOf } from './rule.js';
import { ruleKey } from './rules/index.js';
/** Glob with `*` (any run of characters) and `?` (one character). */
export function globMatch(pattern, name) {
    const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    return re.test(name);
}
function candidateParams(g, opts) {
    const floats = g.initializer.filter((t) => t.data_type === DataType.FLOAT).map((t) => t.name ?? '');
    const matches = (pats, n) => pats.some((p) => globMatch(p, n));
    let names = floats;
    if (opts.trainable) {
        for (const p of opts.trainable) {
            if (!g.initializer.some((t) => globMatch(p, t.name ?? '')))
                throw new InputError(`no initializer matches '${p}'`);
        }
        names = floats.filter((n) => matches(opts.trainable, n));
    }
    if (opts.frozen) {
        for (const p of opts.frozen) {
            if (!g.initializer.some((t) => globMatch(p, t.name ?? '')))
                throw new InputError(`--freeze: no initializer matches '${p}'`);
        }
        names = names.filter((n) => !matches(opts.frozen, n));
    }
    return names;
}
export function buildPlan(view, opts) {
    const { output } = opts;
    if (!view.outputs.includes(output))
        throw new InputError(`${view.file}: the model has no output '${output}' (outputs: ${view.outputs.join(', ')})`);
    const candidates = candidateParams(view.graph, opts);
    const ruleOf = (n) => opts.rules[ruleKey(n.domain, n.opType)];
    const diffInputs = (n) => {
        const r = ruleOf(n);
        return r ? differentiableInputs(r, n) : n.inputs.map((_, i) => i);
    };
    // Forward: values that carry a dependence on a candidate through differentiable inputs.
    const active = new Set(candidates);
    for (const i of view.order) {
        const n = view.node(i);
        if (diffInputs(n).some((k) => active.has(n.inputs[k] ?? '')))
            for (const o of n.outputs)
                if (o)
                    active.add(o);
    }
    const reaching = view.upstream([output]);
    if (!active.has(output)) {
        throw new InputError(`${view.file}: no trainable parameter reaches output '${output}' (trainable candidates: ${candidates.length})`);
    }
    const steps = [];
    const missing = new Map();
    const used = new Set();
    for (const i of view.order) {
        const n = view.node(i);
        if (!n.outputs.some((o) => active.has(o) && reaching.has(o)))
            continue;
        const rule = ruleOf(n);
        if (!rule) {
            missing.set(i, n);
            continue;
        }
        const diff = new Set(differentiableInputs(rule, n));
        const needs = n.inputs.map((v, k) => v !== '' && diff.has(k) && active.has(v));
        if (!needs.some(Boolean))
            continue;
        n.inputs.forEach((v, k) => { if (needs[k] && candidates.includes(v))
            used.add(v); });
        steps.push({ node: n, rule, needs });
    }
    if (missing.size > 0) {
        throw new MissingRuleError([...missing.values()].map((n) => ({
            opType: n.domain ? `${n.domain}.${n.opType}` : n.opType,
            node: n.name,
            blocks: [...view.upstream(n.inputs.filter((v) => v !== ''))].filter((v) => candidates.includes(v)),
        })));
    }
    const params = candidates.filter((c) => used.has(c));
    const saved = new Set();
    for (const s of steps) {
        const saves = savesOf(s.rule, s.node);
        for (const k of saves.inputs) {
            const v = s.node.inputs[k];
            if (v && view.producer.has(v))
                saved.add(v);
        }
        for (const k of saves.outputs) {
            const v = s.node.outputs[k];
            if (v)
                saved.add(v);
        }
    }
    saved.delete(output);
    return { output, params, steps, saved: [...saved] };
}
