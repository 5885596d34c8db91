/**
 * What a model offers for training, without running it: its parameters
 * (trainable by default), which are tied, which are stored in Constant nodes,
 * which If nodes resolve to a branch, and whether every op on a gradient path
 * has a rule — the training section of `edgetune inspect`.
 */
import { EdgetuneError, MissingRuleError } from '../errors.js';
import { GraphView } from '../graph/graph.js';
import { findParameters, tiedParameters } from '../graph/parameters.js';
import { trainingModel } from '../graph/passes/training-model.js';
import type { OnnxModel } from '../model.js';
import { buildPlan } from './plan.js';
import { rules } from './rules/index.js';

export interface TrainingReport {
  /** the output the check used (the model's first) */
  output: string;
  /** parameters trained by default, with their uses */
  parameters: { name: string; uses: { node: string; opType: string; input: number }[] }[];
  /** parameters feeding several parameter inputs (`--untie` separates them) */
  tied: string[];
  /** parameters stored as Constant nodes (trained and written back in place) */
  constants: string[];
  /** If nodes whose stored condition picks one branch */
  resolvedIfs: string[];
  /** parameters reaching the output through ops that all have rules */
  trainable: string[];
  /** ops on a gradient path without a rule */
  missing: { opType: string; node: string; blocks: string[] }[];
  /** a reason training cannot start, other than missing rules (control flow, no path) */
  problem?: string;
}

export function trainingReport(model: OnnxModel): TrainingReport {
  const work = trainingModel(model);
  const view = new GraphView(work.model.graph, model.file);
  const info = findParameters(view);
  const output = view.outputs[0] ?? '';
  const report: TrainingReport = {
    output,
    parameters: [...info.uses].map(([name, uses]) => ({ name, uses: uses.map(({ node, opType, input }) => ({ node, opType, input })) })),
    tied: [...tiedParameters(info).keys()],
    constants: work.promoted.filter((n) => info.uses.has(n)),
    resolvedIfs: work.resolvedIfs,
    trainable: [],
    missing: [],
  };
  try {
    report.trainable = buildPlan(view, { output, rules }).params;
  } catch (e) {
    if (e instanceof MissingRuleError) report.missing = e.missing;
    else if (e instanceof EdgetuneError) report.problem = e.message;
    else throw e;
  }
  return report;
}
