export {
  ContinualBackprop,
  type ContinualBackpropOptions,
  type ReDoOptions,
  type ShrinkPerturbOptions,
  type UtilityType,
} from './continual-backprop.js';
export {
  PlasticityMonitor,
  deadUnitFraction,
  effectiveRank,
  meanAbsWeight,
  singularValues,
  stableRank,
  type PlasticityMonitorOptions,
  type PlasticityReport,
} from './diagnostics.js';
export { FeatureTap, activationGain, hiddenLayers, type HiddenLayer, type UnitView } from './hidden-layers.js';
