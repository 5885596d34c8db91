import { activationRules } from './group-activations.js';
import { elementwiseRules } from './group-elementwise.js';
import { paperRules } from './group-paper.js';
import { poolingRules } from './group-pooling.js';
import { shapeRules } from './group-shape.js';
export const rules = Object.freeze({
    ...paperRules,
    ...elementwiseRules,
    ...activationRules,
    ...poolingRules,
    ...shapeRules,
});
/** The registry key of a node: its op type, prefixed by its domain unless that is the default one. */
export function ruleKey(domain, opType) {
    return domain === '' || domain === 'ai.onnx' ? opType : `${domain}.${opType}`;
}
