import { combineMaps } from './combine-maps.js';
import { conv } from './conv.js';
import { subsample } from './subsample.js';
import { tableConv } from './table-conv.js';
export const paperRules = {
    Conv: conv,
    'edgetune.Subsample': subsample,
    'edgetune.CombineMaps': combineMaps,
    'edgetune.TableConv': tableConv,
};
