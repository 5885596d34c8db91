import { cast } from './cast.js';
import { concat } from './concat.js';
import { constant } from './constant.js';
import { dropout } from './dropout.js';
import { flatten } from './flatten.js';
import { identity } from './identity.js';
import { pad } from './pad.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { split } from './split.js';
import { squeeze } from './squeeze.js';
import { transpose } from './transpose.js';
import { unsqueeze } from './unsqueeze.js';
export const shapeRules = {
    Flatten: flatten,
    Reshape: reshape,
    Squeeze: squeeze,
    Unsqueeze: unsqueeze,
    Transpose: transpose,
    Concat: concat,
    Split: split,
    Slice: slice,
    Pad: pad,
    Identity: identity,
    Dropout: dropout,
    Constant: constant,
    Cast: cast,
};
