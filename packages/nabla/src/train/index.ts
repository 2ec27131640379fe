/** Training loop helpers: fit, evaluate, predict, metrics, callbacks. */
export { fit, fitAsync, type FitOptions, type SchedulerLike } from './fit.js';
export { evaluate, predict, type Data, type Loss, type EvaluateOptions } from './evaluate.js';
export { accuracy, mse, mae, type MetricFn, type MetricSpec } from './metrics.js';
export { History, type EpochLogs } from './history.js';
export {
  EarlyStopping,
  type BatchLogs,
  type Callback,
  type EarlyStoppingOptions,
  type EarlyStoppingState,
  type OptimizerLike,
  type TrainingContext,
} from './callbacks.js';
export { Checkpoint, EpochEndHook, type EpochSummary, type TrainingState } from './hooks.js';
