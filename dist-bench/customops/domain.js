/** The edgetune op domain: its name and version, shared by every op in it. */
export const EDGETUNE_DOMAIN = 'edgetune';
export const EDGETUNE_DOMAIN_VERSION = 1;
/** Function bodies use opset-13 forms (ReduceSum/Unsqueeze axes as inputs, any-axis Softmax). */
export const MIN_BODY_OPSET = 13;
