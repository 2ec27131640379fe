/** Training curves as SVG, rendered by Vega in Node (no browser, no canvas). */
import { parse, View, type Spec } from 'vega';
import type { PlasticityRecord } from './plasticity.js';
import type { EpochRecord } from './trainer.js';

interface Point {
  epoch: number;
  value: number;
  series: string;
}

/** Long-format points of one metric for the train and validation series. */
function points(history: readonly EpochRecord[], metric: 'loss' | 'accuracy'): Point[] {
  const out: Point[] = [];
  for (const r of history) {
    out.push({ epoch: r.epoch, value: metric === 'loss' ? r.loss : r.accuracy, series: 'train' });
    const v = metric === 'loss' ? r.valLoss : r.valAccuracy;
    if (v !== null) out.push({ epoch: r.epoch, value: v, series: 'validation' });
  }
  return out;
}

/** Options of `curveSpec`. */
export interface CurveOptions {
  legend?: 'top-right' | 'bottom-right';
  width?: number;
  height?: number;
  /** The series, in legend order (default: train and validation). */
  series?: readonly string[];
  /** A fixed y range (default: the values' range). */
  yDomain?: [number, number];
}

/** Line colours, one per series, in order (Vega's category10). */
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** A Vega line chart: one line per series, epochs on x. */
export function curveSpec(title: string, values: Point[], options: CurveOptions = {}): Spec {
  const { legend = 'top-right', width = 420, height = 240, series = ['train', 'validation'], yDomain } = options;
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width,
    height,
    padding: 8,
    background: 'white',
    title: { text: title, fontSize: 14 },
    data: [{ name: 'points', values }],
    scales: [
      {
        name: 'x',
        type: 'linear',
        domain: { data: 'points', field: 'epoch' },
        range: 'width',
        zero: false,
        nice: false,
      },
      {
        name: 'y',
        type: 'linear',
        domain: yDomain ?? { data: 'points', field: 'value' },
        range: 'height',
        zero: false,
        nice: true,
      },
      {
        name: 'color',
        type: 'ordinal',
        domain: [...series],
        range: series.map((_, i) => PALETTE[i % PALETTE.length]),
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'epoch', tickMinStep: 1, format: 'd' },
      { orient: 'left', scale: 'y', title, grid: true },
    ],
    legends: [{ stroke: 'color', orient: legend, symbolType: 'stroke', symbolStrokeWidth: 2 }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'series', data: 'points', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'series' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'epoch' },
                y: { scale: 'y', field: 'value' },
                stroke: { scale: 'color', field: 'series' },
                strokeWidth: { value: 2 },
              },
            },
          },
          {
            type: 'symbol',
            from: { data: 'series' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'epoch' },
                y: { scale: 'y', field: 'value' },
                fill: { scale: 'color', field: 'series' },
                size: { value: 20 },
              },
            },
          },
        ],
      },
    ],
  };
}

/** Renders a Vega spec to an SVG string. */
export async function renderSvg(spec: Spec): Promise<string> {
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The training report's charts as SVG documents; `plasticity` only when the history has diagnostics. */
export interface TrainingCharts {
  loss: string;
  accuracy: string;
  plasticity?: PlasticityCharts;
}

/** One chart per diagnostic of `nabla train --plasticity`, a line per hidden layer (mean |w|: one line). */
export interface PlasticityCharts {
  deadUnits: string;
  effectiveRank: string;
  stableRank: string;
  meanAbsWeight: string;
}

/** The series name of hidden layer `i` (counting from 1, as the report's table does). */
export const hiddenLayerName = (i: number): string => `hidden ${i + 1}`;

type Measured = EpochRecord & { plasticity: PlasticityRecord };

/** One point per epoch and hidden layer of a per-layer diagnostic. */
function layerPoints(measured: readonly Measured[], values: (p: PlasticityRecord) => number[], scale = 1): Point[] {
  return measured.flatMap((r) =>
    values(r.plasticity).map((v, i) => ({ epoch: r.epoch, value: v * scale, series: hiddenLayerName(i) })),
  );
}

/** The diagnostics charts, or undefined when no epoch of `history` was measured. */
async function plasticityCharts(history: readonly EpochRecord[]): Promise<PlasticityCharts | undefined> {
  const measured = history.filter((r): r is Measured => r.plasticity !== undefined);
  if (measured.length === 0) return undefined;
  const layers = Math.max(...measured.map((r) => r.plasticity.effectiveRank.length));
  const series = Array.from({ length: layers }, (_, i) => hiddenLayerName(i));
  const dead = layerPoints(measured, (p) => p.deadFraction, 100);
  const [deadUnits, effectiveRank, stableRank, meanAbsWeight] = await Promise.all([
    // Zero dead units is the usual case: keep 0 at the bottom and a visible range above it.
    renderSvg(
      curveSpec('dead units (%)', dead, {
        series,
        yDomain: [0, Math.min(100, Math.max(1, ...dead.map((p) => p.value)))],
      }),
    ),
    renderSvg(
      curveSpec(
        'effective rank',
        layerPoints(measured, (p) => p.effectiveRank),
        { series },
      ),
    ),
    renderSvg(
      curveSpec(
        'stable rank',
        layerPoints(measured, (p) => p.stableRank),
        { series },
      ),
    ),
    renderSvg(
      curveSpec(
        'mean |weight|',
        measured.map((r) => ({ epoch: r.epoch, value: r.plasticity.meanAbsWeight, series: 'all layers' })),
        { series: ['all layers'] },
      ),
    ),
  ]);
  return { deadUnits, effectiveRank, stableRank, meanAbsWeight };
}

/** Loss and accuracy curves of a training history, and the plasticity diagnostics when it has them. */
export async function trainingCharts(history: readonly EpochRecord[]): Promise<TrainingCharts> {
  const [loss, accuracy, plasticity] = await Promise.all([
    renderSvg(curveSpec('loss', points(history, 'loss'))),
    // Accuracy rises, loss falls: keep each legend out of the way of its curves.
    renderSvg(curveSpec('accuracy', points(history, 'accuracy'), { legend: 'bottom-right' })),
    plasticityCharts(history),
  ]);
  return plasticity ? { loss, accuracy, plasticity } : { loss, accuracy };
}
