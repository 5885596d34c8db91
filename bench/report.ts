/**
 * The bench's outputs: bench/results.json (one row per workload, system and
 * metric, medians over the recorded rounds) and bench/RESULTS.md (the same
 * numbers as tables, with the ratio of edgetune to the best peer, the ratio
 * of edgetune's default backward path to its TypeScript one, and a plain list
 * of where edgetune loses).
 */
import * as os from 'node:os';
import type { Measured } from './stats.js';

export const SYSTEMS = ['edgetune', 'edgetune-ts', 'onnxruntime-node', 'tfjs-cpu', 'tfjs-wasm', 'tfjs-wasm-shim', 'torch', 'torch-openblas'] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** edgetune itself on another backward path: shown beside edgetune, never counted as a peer. */
const OWN: ReadonlySet<SystemName> = new Set<SystemName>(['edgetune', 'edgetune-ts']);

export interface ResultRow {
  workload: string;
  system: SystemName;
  metric: string;
  /** the median over `rounds`, or null when the system could not run the workload */
  value: number | null;
  unit: string;
  rounds: number;
  error?: string;
  note?: string;
  /** per-round values the median was taken over */
  samples?: number[];
  /** a ceiling to compare against (the machine's MatMul peak), not a competing peer */
  reference?: boolean;
  /** the system did less work than the others (a shorter run): shown, not compared */
  partial?: boolean;
  /** intra-op threads every system of the row's workload ran with (the PyTorch comparison) */
  threads?: number;
  /** 'torch': a workload of the PyTorch comparison, reported in its own table */
  group?: 'torch';
}

/** A result row; a value that is not finite becomes null. */
export function row(workload: string, system: SystemName, metric: string, value: number | null, unit: string, rounds: number, extra: Partial<ResultRow> = {}): ResultRow {
  return { workload, system, metric, value: value === null || Number.isFinite(value) ? value : null, unit, rounds, ...extra };
}

/** images_per_s rows of measured systems, with their per-round samples. */
export function rateRows(workload: string, ms: readonly Measured[], extra: Partial<ResultRow> = {}): ResultRow[] {
  return ms.map((m) => row(workload, m.system as SystemName, 'images_per_s', m.error ? null : m.imagesPerS, 'images/s', m.samples.length, {
    ...extra, ...(m.error ? { error: m.error } : {}), samples: m.samples.map((s) => Math.round(s * 100) / 100),
  }));
}

/** Metrics where a smaller value is better. */
const LOWER_IS_BETTER = new Set(['peak_rss_mb', 'forward_ms', 'backward_ms', 'step_ms_rules', 'step_ms_default', 'cost_ratio', 'first_step_ms']);

export interface RunInfo {
  date: string;
  mode: 'quick' | 'full';
  cpu: string;
  cores: number;
  node: string;
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
  notes: string[];
}

/** CPU model and core count from os.cpus(). */
export function machine(): { cpu: string; cores: number } {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length };
}

function fmt(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  const s = a >= 1000 ? Math.round(v).toLocaleString('en-US') : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit ? `${s} ${unit}` : s;
}

export interface Comparison {
  /** edgetune ÷ best peer; for lower-is-better metrics edgetune's value over the smallest peer value */
  ratio: number;
  best: SystemName;
  /** edgetune is worse than the best peer */
  loses: boolean;
  /** rounds (paired by index: the rounds alternate systems) in which edgetune was ahead, of those compared */
  ahead?: [number, number];
}

function comparable(r: ResultRow): boolean {
  return r.value !== null && !r.reference && !r.partial;
}

/** edgetune's row against another: value ratio, who is worse, rounds paired by index. */
function against(et: ResultRow, other: ResultRow): Comparison {
  const lower = LOWER_IS_BETTER.has(et.metric);
  const ratio = et.value! / other.value!;
  const loses = lower ? ratio > 1 : ratio < 1;
  const n = Math.min(et.samples?.length ?? 0, other.samples?.length ?? 0);
  if (n < 2) return { ratio, best: other.system, loses };
  let k = 0;
  for (let i = 0; i < n; i++) if (lower ? et.samples![i]! < other.samples![i]! : et.samples![i]! > other.samples![i]!) k++;
  return { ratio, best: other.system, loses, ahead: [k, n] };
}

/**
 * edgetune against the best peer of one workload and metric (undefined
 * without both). edgetune-ts is edgetune on its TypeScript backward path, not
 * a peer, so it never counts as the best peer.
 */
export function compare(rows: readonly ResultRow[]): Comparison | undefined {
  const et = rows.find((r) => r.system === 'edgetune' && comparable(r));
  const peers = rows.filter((r) => !OWN.has(r.system) && comparable(r));
  if (!et || peers.length === 0) return undefined;
  const lower = LOWER_IS_BETTER.has(et.metric);
  const best = peers.reduce((a, b) => ((lower ? b.value! < a.value! : b.value! > a.value!) ? b : a));
  return against(et, best);
}

/**
 * edgetune (its default backward path) against edgetune-ts (the same Tuner
 * with backward: 'typescript') on one workload and metric: ratio =
 * edgetune ÷ edgetune-ts; undefined unless both ran.
 */
export function compareBackward(rows: readonly ResultRow[]): Comparison | undefined {
  const et = rows.find((r) => r.system === 'edgetune' && comparable(r));
  const ts = rows.find((r) => r.system === 'edgetune-ts' && comparable(r));
  return et && ts ? against(et, ts) : undefined;
}

function verdict(metric: string, c: Comparison): string {
  if (metric === 'test_accuracy') {
    return Math.abs(c.ratio - 1) < 0.01 ? `parity with ${c.best}` : `${c.loses ? 'edgetune lower' : 'edgetune higher'} than ${c.best}`;
  }
  const lower = LOWER_IS_BETTER.has(metric);
  const factor = c.loses ? (lower ? c.ratio : 1 / c.ratio) : (lower ? 1 / c.ratio : c.ratio);
  const word = metric === 'peak_rss_mb' ? (c.loses ? 'more memory' : 'less memory') : c.loses ? 'slower' : 'faster';
  const rounds = c.ahead ? ` (ahead in ${c.ahead[0]} of ${c.ahead[1]} rounds)` : '';
  if (mixed(c)) return `no clear winner: medians say edgetune ${fmt(factor)}× ${word} than ${c.best}${rounds}`;
  return `**edgetune ${c.loses ? 'loses' : 'wins'}**: ${fmt(factor)}× ${word} than ${c.best}${rounds}`;
}

/** The round-by-round pairs point the other way than the medians: the difference is within the noise. */
function mixed(c: Comparison): boolean {
  return c.ahead !== undefined && (c.loses ? c.ahead[0] > c.ahead[1] / 2 : c.ahead[0] < c.ahead[1] / 2);
}

/** The default backward path against the TypeScript one, as a clause for the verdict. */
function backwardVerdict(metric: string, c: Comparison): string {
  const lower = LOWER_IS_BETTER.has(metric);
  const factor = c.loses ? (lower ? c.ratio : 1 / c.ratio) : (lower ? 1 / c.ratio : c.ratio);
  const rounds = c.ahead ? ` (ahead in ${c.ahead[0]} of ${c.ahead[1]} rounds)` : '';
  const word = c.loses ? 'slower' : 'faster';
  if (mixed(c)) return `default path vs edgetune-ts: no clear winner, medians say ${fmt(factor)}× ${word}${rounds}`;
  return `default path ${fmt(factor)}× ${word} than edgetune-ts${rounds}`;
}

const TORCH_COLUMNS: readonly SystemName[] = ['edgetune', 'onnxruntime-node', 'torch', 'torch-openblas'];
const TORCH_PEERS: ReadonlySet<SystemName> = new Set<SystemName>(['torch', 'torch-openblas']);

/** edgetune's row against one torch variant's in a group (undefined unless both have values). */
function againstTorch(g: readonly ResultRow[], v: SystemName): Comparison | undefined {
  const et = g.find((r) => r.system === 'edgetune' && comparable(r));
  const t = g.find((r) => r.system === v && comparable(r));
  return et && t ? against(et, t) : undefined;
}

/**
 * The PyTorch comparison's section: one table row per workload and metric
 * with edgetune ÷ torch and edgetune ÷ torch-openblas; the verdict is
 * against the better torch. Returns the losses for the closing list.
 */
function renderTorch(out: string[], rows: readonly ResultRow[]): string[] {
  const losses: string[] = [];
  out.push('## edgetune against PyTorch', '');
  out.push('Same models, same initial weights, same batches, the same number of intra-op threads (`threads`); edgetune, onnxruntime-node (inference), torch (reference BLAS, as Debian ships it) and torch-openblas alternate round by round. Ratios are edgetune ÷ the system: above 1 edgetune is faster (images/s, GFLOP/s), below 1 it uses less memory or time (peak RSS, first step). `first_step_ms` is the first training step alone, not part of the steady rate: edgetune builds its compiled step there.', '');
  out.push(`| workload | threads | metric | ${TORCH_COLUMNS.join(' | ')} | edgetune ÷ torch | edgetune ÷ torch-openblas | verdict |`);
  out.push(`|---|---:|---|${TORCH_COLUMNS.map(() => '---:').join('|')}|---:|---:|---|`);
  const groups = new Map<string, ResultRow[]>();
  for (const r of rows) {
    const k = groupKey(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  for (const [, g] of groups) {
    const first = g[0]!;
    const cells = TORCH_COLUMNS.map((s) => {
      const r = g.find((x) => x.system === s);
      if (!r) return '';
      if (r.value === null) return r.error && /not installed/.test(r.error) ? 'not installed' : 'error';
      return fmt(r.value) + (r.reference ? ' (peak)' : '');
    });
    const vs = [...TORCH_PEERS].map((v) => againstTorch(g, v));
    const peers = g.filter((r) => TORCH_PEERS.has(r.system) && comparable(r));
    const et = g.find((r) => r.system === 'edgetune' && comparable(r));
    let says = '';
    if (et && peers.length > 0) {
      const lower = LOWER_IS_BETTER.has(first.metric);
      const best = peers.reduce((a, b) => ((lower ? b.value! < a.value! : b.value! > a.value!) ? b : a));
      const c = against(et, best);
      says = verdict(first.metric, c);
      if (c.loses) losses.push(`${first.workload} (${first.metric}, ${first.threads ?? '?'} thread(s)): ${says.replace(/\*\*/g, '')}`);
    }
    const unit = first.unit ? ` (${first.unit})` : '';
    out.push(`| ${first.workload} | ${first.threads ?? ''} | ${first.metric}${unit} | ${cells.join(' | ')} | ${vs[0] ? fmt(vs[0].ratio) : '—'} | ${vs[1] ? fmt(vs[1].ratio) : '—'} | ${says} |`);
  }
  out.push('');
  return losses;
}

function groupKey(r: ResultRow): string {
  return `${r.workload}\u0000${r.metric}`;
}

/**
 * The MatMul peaks the PyTorch rows timed at one and two threads: a warning
 * when two threads gave less than 1.4× one (another tenant held the second
 * core for part of the run, and the two-thread rows measure that, not the
 * systems).
 */
function twoThreadWarning(rows: readonly ResultRow[]): string | undefined {
  const peaks = (t: number) => rows.filter((r) => r.metric === 'gflops' && r.system === 'onnxruntime-node' && r.threads === t && r.value !== null).map((r) => r.value!);
  const [one, two] = [peaks(1), peaks(2)];
  if (one.length === 0 || two.length === 0) return undefined;
  const scale = Math.min(...two) / Math.max(...one);
  return scale < 1.4
    ? `**two threads did not scale in this run**: the 1024³ MatMul peak at two threads was ${scale.toFixed(2)}× the one-thread peak at its lowest (${two.map((v) => fmt(v)).join(', ')} against ${one.map((v) => fmt(v)).join(', ')} GFLOP/s), so the second core was busy for part of the run and the two-thread rows are not representative`
    : undefined;
}

/** The Markdown report. */
export function renderMarkdown(rows: readonly ResultRow[], info: RunInfo): string {
  const out: string[] = [];
  out.push('# edgetune benchmark results', '');
  out.push(`- date: ${info.date}`);
  out.push(`- machine: ${info.cpu}, ${info.cores} cores (os.cpus()), Node ${info.node}`);
  out.push(`- mode: ${info.mode === 'quick' ? '`--quick` (fewer rounds, smaller epoch)' : 'full'}; run took ${fmt(info.seconds)} s`);
  const busy = Math.max(...info.loadBefore, ...info.loadAfter) > info.cores * 0.5;
  out.push(`- load average (1, 5, 15 min) before: ${info.loadBefore.map((l) => l.toFixed(2)).join(', ')}; after: ${info.loadAfter.map((l) => l.toFixed(2)).join(', ')}`
    + (busy ? ' — **the machine was not quiet** (other work was running), so absolute numbers are noisy; the systems were interleaved round by round, so ratios are fairer than absolutes' : ''));
  out.push(`- values are medians over the rounds; every system ran in the same process, alternating round by round (ABAB, the order rotating each round), after warm-up; "ahead in k of n rounds" pairs the blocks of each round`);
  if (rows.some((r) => r.system === 'edgetune-ts')) {
    out.push('- `edgetune-ts` is edgetune\'s Tuner with `backward: \'typescript\'` (the TypeScript rules), timed in the same alternating rounds; it is not a peer: "edgetune ÷ best peer" leaves it out, and "edgetune ÷ edgetune-ts" gives the default path over it (above 1: the default path is faster)');
  }
  for (const n of info.notes) out.push(`- ${n}`);
  const twoThreads = twoThreadWarning(rows);
  if (twoThreads) out.push(`- ${twoThreads}`);
  out.push('');

  const groups = new Map<string, ResultRow[]>();
  for (const r of rows.filter((x) => x.group !== 'torch')) {
    const k = groupKey(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(r);
  }
  out.push('## Summary', '');
  out.push(`| workload | metric | ${SYSTEMS.join(' | ')} | edgetune ÷ best peer | edgetune ÷ edgetune-ts | verdict |`);
  out.push(`|---|---|${SYSTEMS.map(() => '---:').join('|')}|---:|---:|---|`);
  const losses: string[] = [];
  for (const [, g] of groups) {
    const first = g[0]!;
    if (first.metric === 'cost_ratio') continue;
    const cells = SYSTEMS.map((s) => {
      const r = g.find((x) => x.system === s);
      if (!r) return '';
      if (r.value === null) return 'error';
      return fmt(r.value) + (r.reference ? ' (peak)' : '') + (r.partial ? ' (shorter run)' : '');
    });
    const c = compare(g);
    const b = compareBackward(g);
    const unit = first.unit ? ` (${first.unit})` : '';
    const says = [c ? verdict(first.metric, c) : '', b ? backwardVerdict(first.metric, b) : ''].filter(Boolean).join('; ');
    out.push(`| ${first.workload} | ${first.metric}${unit} | ${cells.join(' | ')} | ${c ? fmt(c.ratio) : '—'} | ${b ? fmt(b.ratio) : '—'} | ${says} |`);
    if (b?.loses && !mixed(b)) losses.push(`${first.workload} (${first.metric}): edgetune's ${backwardVerdict(first.metric, b)}`);
    if (c?.loses && first.metric !== 'test_accuracy') losses.push(`${first.workload} (${first.metric}): ${verdict(first.metric, c).replace(/\*\*/g, '')}`);
    if (c?.loses && first.metric === 'test_accuracy' && Math.abs(c.ratio - 1) >= 0.01) losses.push(`${first.workload}: test accuracy below ${c.best}`);
  }
  out.push('');

  const torch = rows.filter((r) => r.group === 'torch');
  if (torch.length > 0) losses.push(...renderTorch(out, torch));

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

  const st = (metric: string) => rows.find((r) => r.workload === 'step-time' && r.metric === metric)?.value;
  const fwd = st('forward_ms'), bwd = st('backward_ms');
  if (fwd != null && bwd != null) {
    out.push('## Step time (LeNet-5, batch 64)', '');
    out.push(`- forward on ONNX Runtime: ${fmt(fwd)} ms; backward through the TypeScript rules: ${fmt(bwd)} ms; **backward/forward = ${fmt(bwd / fwd)}**`);
    const rules = st('step_ms_rules'), dflt = st('step_ms_default');
    const path = rows.find((r) => r.workload === 'step-time' && r.metric === 'step_ms_default')?.note?.match(/took: (\w+)/)?.[1];
    if (rules != null && dflt != null) out.push(`- whole step with the rules: ${fmt(rules)} ms; whole step on the default path (${path ?? '?'}): ${fmt(dflt)} ms (rules ÷ default = ${fmt(rules / dflt)})`);
    out.push('');
  }

  const errors = rows.filter((r) => r.error);
  if (errors.length > 0) {
    out.push('## Errors', '');
    for (const r of errors) out.push(`- ${r.workload} / ${r.system}: ${r.error}`);
    out.push('');
  }
  const notes = rows.filter((r) => r.note && r.metric !== 'cost_ratio');
  if (notes.length > 0) {
    out.push('## Notes per row', '');
    for (const r of notes) out.push(`- ${r.workload} / ${r.system} / ${r.metric}: ${r.note}`);
    out.push('');
  }
  out.push('## Where edgetune loses', '');
  if (losses.length === 0) out.push('- nowhere in this run');
  for (const l of losses) out.push(`- ${l}`);
  out.push('');
  return out.join('\n');
}
