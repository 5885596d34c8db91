/**
 * The bench's outputs: bench/results.json (one row per workload, system and
 * metric, medians over the recorded rounds) and bench/RESULTS.md (the same
 * numbers as tables, with the ratio of edgetune to the best peer and a plain
 * list of where edgetune loses).
 */
import * as os from 'node:os';
export const SYSTEMS = ['edgetune', 'onnxruntime-node', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-wasm-shim'];
/** Metrics where a smaller value is better. */
const LOWER_IS_BETTER = new Set(['peak_rss_mb', 'forward_ms', 'backward_ms', 'step_ms_rules', 'step_ms_default', 'cost_ratio']);
/** CPU model and core count from os.cpus(). */
export function machine() {
    const cpus = os.cpus();
    return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length };
}
function fmt(v, unit = '') {
    if (v === null || v === undefined || !Number.isFinite(v))
        return '—';
    const a = Math.abs(v);
    const s = a >= 1000 ? Math.round(v).toLocaleString('en-US') : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
    return unit ? `${s} ${unit}` : s;
}
/** edgetune against the best peer of one workload and metric (undefined without both). */
export function compare(rows) {
    const et = rows.find((r) => r.system === 'edgetune' && r.value !== null && !r.reference && !r.partial);
    const peers = rows.filter((r) => r.system !== 'edgetune' && r.value !== null && !r.reference && !r.partial);
    if (!et || peers.length === 0)
        return undefined;
    const lower = LOWER_IS_BETTER.has(et.metric);
    const best = peers.reduce((a, b) => ((lower ? b.value < a.value : b.value > a.value) ? b : a));
    const ratio = et.value / best.value;
    const loses = lower ? ratio > 1 : ratio < 1;
    const n = Math.min(et.samples?.length ?? 0, best.samples?.length ?? 0);
    if (n < 2)
        return { ratio, best: best.system, loses };
    let k = 0;
    for (let i = 0; i < n; i++)
        if (lower ? et.samples[i] < best.samples[i] : et.samples[i] > best.samples[i])
            k++;
    return { ratio, best: best.system, loses, ahead: [k, n] };
}
function verdict(metric, c) {
    if (metric === 'test_accuracy') {
        return Math.abs(c.ratio - 1) < 0.01 ? `parity with ${c.best}` : `${c.loses ? 'edgetune lower' : 'edgetune higher'} than ${c.best}`;
    }
    const lower = LOWER_IS_BETTER.has(metric);
    const factor = c.loses ? (lower ? c.ratio : 1 / c.ratio) : (lower ? 1 / c.ratio : c.ratio);
    const word = metric === 'peak_rss_mb' ? (c.loses ? 'more memory' : 'less memory') : c.loses ? 'slower' : 'faster';
    const rounds = c.ahead ? ` (ahead in ${c.ahead[0]} of ${c.ahead[1]} rounds)` : '';
    // the round-by-round pairs pointing the other way than the medians: the difference is within the noise
    const mixed = c.ahead !== undefined && (c.loses ? c.ahead[0] > c.ahead[1] / 2 : c.ahead[0] < c.ahead[1] / 2);
    if (mixed)
        return `no clear winner: medians say edgetune ${fmt(factor)}× ${word} than ${c.best}${rounds}`;
    return `**edgetune ${c.loses ? 'loses' : 'wins'}**: ${fmt(factor)}× ${word} than ${c.best}${rounds}`;
}
function groupKey(r) {
    return `${r.workload}\u0000${r.metric}`;
}
/** The Markdown report. */
export function renderMarkdown(rows, info) {
    const out = [];
    out.push('# edgetune benchmark results', '');
    out.push(`- date: ${info.date}`);
    out.push(`- machine: ${info.cpu}, ${info.cores} cores (os.cpus()), Node ${info.node}`);
    out.push(`- mode: ${info.mode === 'quick' ? '`--quick` (fewer rounds, smaller epoch)' : 'full'}; run took ${fmt(info.seconds)} s`);
    const busy = Math.max(...info.loadBefore, ...info.loadAfter) > info.cores * 0.5;
    out.push(`- load average (1, 5, 15 min) before: ${info.loadBefore.map((l) => l.toFixed(2)).join(', ')}; after: ${info.loadAfter.map((l) => l.toFixed(2)).join(', ')}`
        + (busy ? ' — **the machine was not quiet** (other work was running), so absolute numbers are noisy; the systems were interleaved round by round, so ratios are fairer than absolutes' : ''));
    out.push(`- values are medians over the rounds; every system ran in the same process, alternating round by round (ABAB, the order rotating each round), after warm-up; "ahead in k of n rounds" pairs the blocks of each round`);
    for (const n of info.notes)
        out.push(`- ${n}`);
    out.push('');
    const groups = new Map();
    for (const r of rows) {
        const k = groupKey(r);
        if (!groups.has(k))
            groups.set(k, []);
        groups.get(k).push(r);
    }
    out.push('## Summary', '');
    out.push(`| workload | metric | ${SYSTEMS.join(' | ')} | edgetune ÷ best peer | verdict |`);
    out.push(`|---|---|${SYSTEMS.map(() => '---:').join('|')}|---:|---|`);
    const losses = [];
    for (const [, g] of groups) {
        const first = g[0];
        if (first.metric === 'cost_ratio')
            continue;
        const cells = SYSTEMS.map((s) => {
            const r = g.find((x) => x.system === s);
            if (!r)
                return '';
            if (r.value === null)
                return 'error';
            return fmt(r.value) + (r.reference ? ' (peak)' : '') + (r.partial ? ' (shorter run)' : '');
        });
        const c = compare(g);
        const unit = first.unit ? ` (${first.unit})` : '';
        out.push(`| ${first.workload} | ${first.metric}${unit} | ${cells.join(' | ')} | ${c ? fmt(c.ratio) : '—'} | ${c ? verdict(first.metric, c) : ''} |`);
        if (c?.loses && first.metric !== 'test_accuracy')
            losses.push(`${first.workload} (${first.metric}): ${verdict(first.metric, c).replace(/\*\*/g, '')}`);
        if (c?.loses && first.metric === 'test_accuracy' && Math.abs(c.ratio - 1) >= 0.01)
            losses.push(`${first.workload}: test accuracy below ${c.best}`);
    }
    out.push('');
    const scaling = rows.filter((r) => r.metric === 'cost_ratio');
    if (scaling.length > 0) {
        out.push('## Scaling', '');
        out.push('Time per FLOP of each training step relative to the same system at batch 64, width 1 (1.00 = cost grows linearly with the work; above 1 = each unit of work costs more; batch variants have work ∝ batch, width variants the analytic FLOP ratio).', '');
        const systems = SYSTEMS.filter((s) => scaling.some((r) => r.system === s));
        out.push(`| workload | work vs b64 | ${systems.join(' | ')} |`);
        out.push(`|---|---:|${systems.map(() => '---:').join('|')}|`);
        for (const w of [...new Set(scaling.map((r) => r.workload))]) {
            const rs = scaling.filter((r) => r.workload === w);
            const work = rs[0]?.note ?? '';
            out.push(`| ${w} | ${work} | ${systems.map((s) => fmt(rs.find((r) => r.system === s)?.value)).join(' | ')} |`);
        }
        out.push('');
    }
    const st = (metric) => rows.find((r) => r.workload === 'step-time' && r.metric === metric)?.value;
    const fwd = st('forward_ms'), bwd = st('backward_ms');
    if (fwd != null && bwd != null) {
        out.push('## Step time (LeNet-5, batch 64)', '');
        out.push(`- forward on ONNX Runtime: ${fmt(fwd)} ms; backward through the TypeScript rules: ${fmt(bwd)} ms; **backward/forward = ${fmt(bwd / fwd)}**`);
        const rules = st('step_ms_rules'), dflt = st('step_ms_default');
        const path = rows.find((r) => r.workload === 'step-time' && r.metric === 'step_ms_default')?.note?.match(/took: (\w+)/)?.[1];
        if (rules != null && dflt != null)
            out.push(`- whole step with the rules: ${fmt(rules)} ms; whole step on the default path (${path ?? '?'}): ${fmt(dflt)} ms (rules ÷ default = ${fmt(rules / dflt)})`);
        out.push('');
    }
    const errors = rows.filter((r) => r.error);
    if (errors.length > 0) {
        out.push('## Errors', '');
        for (const r of errors)
            out.push(`- ${r.workload} / ${r.system}: ${r.error}`);
        out.push('');
    }
    const notes = rows.filter((r) => r.note && r.metric !== 'cost_ratio');
    if (notes.length > 0) {
        out.push('## Notes per row', '');
        for (const r of notes)
            out.push(`- ${r.workload} / ${r.system} / ${r.metric}: ${r.note}`);
        out.push('');
    }
    out.push('## Where edgetune loses', '');
    if (losses.length === 0)
        out.push('- nowhere in this run');
    for (const l of losses)
        out.push(`- ${l}`);
    out.push('');
    return out.join('\n');
}
