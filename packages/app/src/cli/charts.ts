/** Training curves as SVG, rendered by Vega in Node (no browser, no canvas). */
import { parse, View, type Spec } from 'vega';
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

/** A Vega line chart: one line per series, epochs on x. */
export function curveSpec(
  title: string,
  values: Point[],
  legend: 'top-right' | 'bottom-right' = 'top-right',
  width = 420,
  height = 240,
): Spec {
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
        domain: { data: 'points', field: 'value' },
        range: 'height',
        zero: false,
        nice: true,
      },
      { name: 'color', type: 'ordinal', domain: ['train', 'validation'], range: ['#1f77b4', '#ff7f0e'] },
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

/** Loss and accuracy curves of a training history, as two SVG documents. */
export async function trainingCharts(history: readonly EpochRecord[]): Promise<{ loss: string; accuracy: string }> {
  const [loss, accuracy] = await Promise.all([
    renderSvg(curveSpec('loss', points(history, 'loss'))),
    // Accuracy rises, loss falls: keep each legend out of the way of its curves.
    renderSvg(curveSpec('accuracy', points(history, 'accuracy'), 'bottom-right')),
  ]);
  return { loss, accuracy };
}
