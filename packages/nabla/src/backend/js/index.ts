import type { Backend } from '../kernels.js';
import { col2im, im2col } from './conv.js';
import { data } from './data.js';
import { binary, cast, copy, fill, unary, where } from './elementwise.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { channelAffine, channelGradSums, channelMoments } from './norm.js';
import { ops } from './ops.js';
import { optim } from './optim.js';
import { random } from './random.js';
import { avgPool2d, avgPool2dBackward, maxPool2d } from './pool.js';
import { argReduce, logSoftmax, reduce, softmax } from './reduce.js';
import { units } from './units.js';

/** The reference backend: plain TypeScript, always available, the oracle other backends match. */
export const jsBackend: Backend = {
  name: 'js',
  unary,
  binary,
  where,
  copy,
  fill,
  cast,
  reduce,
  argReduce,
  matmul,
  softmax,
  logSoftmax,
  gather,
  scatterAdd,
  indexSelect,
  indexAdd,
  im2col,
  col2im,
  maxPool2d,
  avgPool2d,
  avgPool2dBackward,
  channelMoments,
  channelGradSums,
  channelAffine,
  optim,
  data,
  ops,
  units,
  random,
};
