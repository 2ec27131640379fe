/** Canvas drawing for the playground: heat maps, the data plot and the loss curves. */
import type { DataSplit } from './data.js';
import type { Trace } from './network.js';

export const CLASS_COLOURS: [number, number, number][] = [
  [47, 111, 222],
  [232, 118, 44],
  [27, 158, 90],
  [142, 68, 173],
  [192, 57, 43],
  [22, 162, 184],
];
const POS: [number, number, number] = [47, 111, 222];
const NEG: [number, number, number] = [232, 118, 44];

function diverging(t: number): [number, number, number] {
  const c = t >= 0 ? POS : NEG;
  const k = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * k, 255 + (c[1] - 255) * k, 255 + (c[2] - 255) * k];
}

let scratch: HTMLCanvasElement | null = null;

/** Unit `u`'s values over a g×g grid (`acts` is [g·g, units]) on a scratch canvas, scaled by its largest |value|. */
export function heatMap(acts: Float32Array, units: number, u: number, g: number): HTMLCanvasElement {
  scratch ??= document.createElement('canvas');
  scratch.width = g;
  scratch.height = g;
  const ctx = scratch.getContext('2d')!;
  const img = ctx.createImageData(g, g);
  let scale = 0;
  for (let p = 0; p < g * g; p++) scale = Math.max(scale, Math.abs(acts[p * units + u]));
  for (let p = 0; p < g * g; p++) {
    const [r, gg, b] = diverging(scale ? acts[p * units + u] / scale : 0);
    img.data[4 * p] = r;
    img.data[4 * p + 1] = gg;
    img.data[4 * p + 2] = b;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return scratch;
}

/** The same heat map as a PNG data URL. */
export function heatMapUrl(acts: Float32Array, units: number, u: number, g: number): string {
  return heatMap(acts, units, u, g).toDataURL();
}

export interface PlotInput {
  /** The prediction over the grid: class probabilities [g·g, classes] or values [g·g, 1]. */
  prediction: Float32Array;
  classes: number;
  data: DataSplit;
  gridSize: number;
  /** A batch after its loss step: its samples get circles sized by their loss. */
  trace: Trace | null;
  selectedRow: number;
}

/** The prediction over the plane (class colour by confidence, or the regression value) and the points. */
export function drawPlot(canvas: HTMLCanvasElement, p: PlotInput): void {
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width;
  const n = p.gridSize;
  const pred = p.prediction;
  const classes = p.classes;
  const img = ctx.createImageData(n, n);
  for (let q = 0; q < n * n; q++) {
    let rgb: [number, number, number];
    if (classes === 0) rgb = diverging(pred[q] * 0.8);
    else {
      let best = 0;
      for (let c = 1; c < classes; c++) if (pred[q * classes + c] > pred[q * classes + best]) best = c;
      const conf = (pred[q * classes + best] - 1 / classes) / (1 - 1 / classes);
      const col = CLASS_COLOURS[best];
      const k = 0.15 + 0.45 * conf;
      rgb = [255 + (col[0] - 255) * k, 255 + (col[1] - 255) * k, 255 + (col[2] - 255) * k];
    }
    img.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * q);
  }
  const tile = document.createElement('canvas');
  tile.width = n;
  tile.height = n;
  tile.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.clearRect(0, 0, W, W);
  ctx.drawImage(tile, 0, 0, W, W);
  const toPx = (v: number) => ((v + 1) / 2) * W;
  const dot = (x: Float32Array, y: Float32Array, k: number, test: boolean) => {
    const px = toPx(x[2 * k]);
    const py = W - toPx(x[2 * k + 1]);
    const col = classes === 0 ? diverging(y[k]) : (CLASS_COLOURS[y[k]] ?? [0, 0, 0]);
    ctx.beginPath();
    ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = test ? 'rgba(255,255,255,0.9)' : `rgb(${col.join(',')})`;
    ctx.strokeStyle = test ? `rgb(${col.join(',')})` : '#fff';
    ctx.lineWidth = test ? 2 : 1;
    ctx.fill();
    ctx.stroke();
  };
  for (let k = 0; k < p.data.test.y.length; k++) dot(p.data.test.x, p.data.test.y, k, true);
  for (let k = 0; k < p.data.train.y.length; k++) dot(p.data.train.x, p.data.train.y, k, false);
  const t = p.trace;
  if (t?.perSample) {
    let max = 0;
    for (const v of t.perSample) max = Math.max(max, v);
    t.indices.forEach((s, row) => {
      const r = 4 + 14 * Math.sqrt((t.perSample![row] ?? 0) / (max || 1));
      ctx.beginPath();
      ctx.arc(toPx(p.data.train.x[2 * s]), W - toPx(p.data.train.x[2 * s + 1]), r, 0, 2 * Math.PI);
      ctx.strokeStyle = row === p.selectedRow ? '#000' : 'rgba(192,21,138,0.8)';
      ctx.lineWidth = row === p.selectedRow ? 2.5 : 1.5;
      ctx.stroke();
    });
  }
}

/** Train and test loss per epoch. */
export function drawCurves(canvas: HTMLCanvasElement, history: { epoch: number; train: number; test: number }[]): void {
  const ctx = canvas.getContext('2d')!;
  const W = canvas.width;
  const H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#5a6470';
  ctx.font = '10px system-ui, sans-serif';
  const pts = history.filter((h) => Number.isFinite(h.train));
  if (pts.length < 2) {
    ctx.fillText('loss curves appear as epochs complete', 8, H / 2);
    return;
  }
  const maxE = pts[pts.length - 1].epoch || 1;
  let maxL = 0;
  for (const h of pts) maxL = Math.max(maxL, h.train, Number.isFinite(h.test) ? h.test : 0);
  const x = (e: number) => 30 + ((W - 40) * e) / maxE;
  const y = (l: number) => H - 16 - ((H - 26) * l) / (maxL || 1);
  ctx.fillText(maxL.toPrecision(3), 2, 12);
  ctx.fillText('0', 20, H - 14);
  ctx.fillText(`epoch ${maxE.toFixed(maxE < 10 ? 1 : 0)}`, W - 60, H - 3);
  for (const [key, colour] of [
    ['train', '#1d232a'],
    ['test', '#e8762c'],
  ] as const) {
    ctx.beginPath();
    pts.forEach((h, k) => {
      const v = h[key];
      if (!Number.isFinite(v)) return;
      if (k === 0) ctx.moveTo(x(h.epoch), y(v));
      else ctx.lineTo(x(h.epoch), y(v));
    });
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
}
