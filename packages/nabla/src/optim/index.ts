/** `optim`: optimizers, learning-rate schedulers and gradient clipping. */
export {
  Optimizer,
  type BaseHyper,
  type HyperValue,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
  type SavedStateValue,
  type OptimizerStateDict,
} from './optimizer.js';
export { SGD, sgdUpdate, type SGDOptions, type SGDHyper, type SGDState } from './sgd.js';
export { Adam, AdamW, adamUpdate, type AdamOptions, type AdamHyper, type AdamState, type AdamBuffers } from './adam.js';
export {
  RMSprop,
  rmspropUpdate,
  type RMSpropOptions,
  type RMSpropHyper,
  type RMSpropState,
  type RMSpropBuffers,
} from './rmsprop.js';
export { Adagrad, adagradUpdate, type AdagradOptions, type AdagradHyper, type AdagradState } from './adagrad.js';
export { Adadelta, adadeltaUpdate, type AdadeltaOptions, type AdadeltaHyper, type AdadeltaState } from './adadelta.js';
export {
  LRScheduler,
  StepLR,
  MultiStepLR,
  ConstantLR,
  LinearLR,
  ExponentialLR,
  CosineAnnealingLR,
  LambdaLR,
  type Scheduler,
  type SchedulerStateDict,
} from './lr-scheduler.js';
export { SequentialLR, ChainedScheduler } from './sequential-lr.js';
export { MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts } from './lr-scheduler-extra.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { clipGradNorm, clipGradValue } from './clip-grad.js';
