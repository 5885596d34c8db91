import { averagePool } from './average-pool.js';
import { batchNormalization } from './batch-normalization.js';
import { globalAveragePool } from './global-average-pool.js';
import { globalMaxPool } from './global-max-pool.js';
import { maxPool } from './max-pool.js';
export const poolingRules = {
    AveragePool: averagePool,
    MaxPool: maxPool,
    GlobalAveragePool: globalAveragePool,
    GlobalMaxPool: globalMaxPool,
    BatchNormalization: batchNormalization,
};
