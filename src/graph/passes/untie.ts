/**
 * `--untie`: exporters store equal-valued tensors once (every zero bias of a
 * network as one initializer), which ties those parameters together during
 * training. This pass gives every parameter use after the first its own copy,
 * named `<name>.untied<k>`, beside the original initializer; the first use
 * keeps the original. Unlike the training passes it changes the user's model:
 * the tuned file holds the copies.
 */
import { InputError } from '../../errors.js';
import type { OnnxModel } from '../../model.js';
import { GraphView } from '../graph.js';
import { findParameters, tiedParameters } from '../parameters.js';

/** Untie every tied initializer of the main graph; returns original name → the copies' names. Mutates `model`. */
export function untieParameters(model: OnnxModel): Map<string, string[]> {
  const g = model.graph;
  const view = new GraphView(g, model.file);
  const tied = tiedParameters(findParameters(view));
  const taken = new Set<string>([...g.initializer.map((t) => t.name ?? ''), ...g.input.map((v) => v.name ?? ''), ...g.node.flatMap((n) => n.output)]);
  const made = new Map<string, string[]>();
  for (const [name, uses] of tied) {
    const original = g.initializer.find((t) => t.name === name);
    if (!original) throw new InputError(`${model.file}: --untie: '${name}' is not an initializer`);
    const copies: string[] = [];
    uses.slice(1).forEach((use) => {
      let k = copies.length + 1;
      let fresh = `${name}.untied${k}`;
      while (taken.has(fresh)) fresh = `${name}.untied${++k}`;
      taken.add(fresh);
      g.initializer.push(structuredClone({ ...original, name: fresh }));
      g.node[use.index]!.input[use.input] = fresh;
      copies.push(fresh);
    });
    made.set(name, copies);
  }
  return made;
}
