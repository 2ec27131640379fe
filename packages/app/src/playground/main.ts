/**
 * The backprop playground page: settings, the four steps, run mode, the network drawing and the
 * detail panel. Every number it shows comes from `network.ts` (nabla's public API); this file
 * only draws them.
 */
import { backendInfo, initWasm, io, setBackend } from 'nabla';
import { CsvError, type DataSplit, generate, hashText, parseCsv, type Points, split, toCsv } from './data.js';
import { drawCurves, drawPlot, heatMap, heatMapUrl } from './draw.js';
import { type EdgeDetail, FEATURE_LABELS, FEATURES, Network, type Trace, type UnitDetail } from './network.js';
import { DEFAULTS, fromQuery, type Settings, toQuery } from './settings.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const fmt = (v: number) =>
  Number.isFinite(v)
    ? Number.isInteger(v) && Math.abs(v) < 1e6
      ? String(v)
      : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
        ? v.toExponential(4)
        : v.toFixed(6)
    : String(v);
/** A factor written after · or ×: negative ones in parentheses. */
const paren = (v: number) => (v < 0 ? `(${fmt(v)})` : fmt(v));
/** A number cell: shown rounded, the full value in data-value (the tests read it). */
const num = (id: string, v: number) => `<td class="num" id="${id}" data-value="${v}">${fmt(v)}</td>`;
/** The input plane is sampled on a GRID×GRID lattice for the heat maps and the prediction. */
const GRID = 40;

interface Stage {
  trace: Trace | null;
  /** 0 nothing, 1 forward, 2 loss, 3 backward, 4 update done. */
  done: number;
}
type Selection = { kind: 'unit'; layer: number; i: number } | { kind: 'edge'; layer: number; i: number; j: number };
interface TraceMode {
  trace: Trace;
  nodes: ({ kind: 'loss' } | { kind: 'unit'; layer: number; i: number })[];
  pos: number;
}

let settings: Settings = { ...DEFAULTS };
let csvData: { points: Points; text: string; name: string } | null = null;
let net: Network;
let data: DataSplit;
let stage: Stage = { trace: null, done: 0 };
let selection: Selection | null = null;
let traceMode: TraceMode | null = null;
let running = false;
let curve: { epoch: number; train: number; test: number }[] = [];
let unitActs: Float32Array[] = [];
let prediction: Float32Array = new Float32Array();
let dead: boolean[][] = [];
let busy = false;

// ---------- data and network ----------

function buildData(): DataSplit {
  const added: Points | null = settings.added.length
    ? {
        x: Float32Array.from(settings.added.flatMap((p) => [p[0], p[1]])),
        y: Float32Array.from(settings.added.map((p) => p[2])),
        classes: 0,
      }
    : null;
  let points: Points;
  if (settings.data === 'csv') {
    if (!csvData) throw new Error('no CSV loaded');
    points = csvData.points;
  } else
    points = generate({
      name: settings.data,
      count: settings.points,
      noise: settings.noise,
      classes: settings.classes,
      seed: settings.dataSeed,
    });
  if (added) added.classes = points.classes;
  return split(points, settings.trainFraction, settings.dataSeed, added);
}

/** Rebuilds data and network from the settings and replays `steps` steps (a link's run). */
async function rebuild(replay = 0): Promise<void> {
  running = false;
  $('btn-run').setAttribute('aria-pressed', 'false');
  $('btn-run').textContent = 'Run';
  traceMode = null;
  stage = { trace: null, done: 0 };
  data = buildData();
  const s = { ...settings };
  if (data.train.classes === 0 && s.loss === 'ce') {
    s.loss = 'mse';
    settings.loss = 'mse';
  }
  net = new Network(s, data);
  curve = [];
  settings.steps = 0;
  if (replay > 0) {
    busy = true;
    const stageText = $('stage');
    for (let k = 0; k < replay; k++) {
      net.step();
      if (net.steps % net.batchesPerEpoch === 0) record();
      if (k % 200 === 199) {
        stageText.textContent = `replaying the link's run: step ${k + 1} of ${replay}`;
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    busy = false;
  }
  record();
  syncControls();
  buildNetworkSvg();
  render();
}

function record(): void {
  const tr = net.evaluate('train');
  const te = net.evaluate('test');
  const last = curve[curve.length - 1];
  if (last && last.epoch === net.epoch) return;
  curve.push({ epoch: net.epoch, train: tr.loss, test: te.loss });
  settings.steps = net.steps;
}

// ---------- controls ----------

const FIELD_IDS = ['data', 'classes', 'points', 'noise', 'train', 'dataSeed', 'layers', 'act', 'loss', 'opt'] as const;

function syncControls(): void {
  const s = settings;
  const set = (id: string, v: string) => {
    ($(id) as HTMLInputElement).value = v;
  };
  set('data', s.data);
  set('classes', String(s.classes));
  set('points', String(s.points));
  set('noise', String(s.noise));
  $('noise-out').textContent = `${Math.round(s.noise * 100)}%`;
  set('train', String(s.trainFraction));
  $('train-out').textContent = `${Math.round(s.trainFraction * 100)}%`;
  set('dataSeed', String(s.dataSeed));
  set('layers', s.layers.join('-'));
  set('act', s.activation);
  set('loss', s.loss);
  set('opt', s.optimizer);
  set('lr', String(s.lr));
  set('batch', String(s.batch));
  set('l1', String(s.l1));
  set('l2', String(s.l2));
  set('init', s.init);
  set('seed', String(s.seed));
  set('backend', s.backend);
  ($('classes') as HTMLInputElement).disabled = !(s.data === 'gauss' || s.data === 'spiral');
  (document.querySelector('#loss option[value="ce"]') as HTMLOptionElement).disabled = data.train.classes === 0;
  const brush = $('brush') as HTMLSelectElement;
  const classes = data.train.classes;
  const want =
    classes === 0 ? ['value -1', 'value 0', 'value +1'] : Array.from({ length: classes }, (_, c) => `class ${c}`);
  if (brush.options.length !== want.length || brush.options[0]?.text !== want[0]) {
    brush.innerHTML = want.map((t, k) => `<option value="${classes === 0 ? k - 1 : k}">${t}</option>`).join('');
  }
  for (const f of FEATURES) ($(`f-${f}`) as HTMLInputElement).checked = s.features.includes(f);
  const row = $('sample-row') as HTMLInputElement;
  row.max = String(Math.max(0, Math.min(s.batch, data.train.y.length) - 1));
  updateLink();
}

function updateLink(): void {
  const query = toQuery(settings);
  const url = `${location.pathname}${query ? `?${query}` : ''}`;
  window.history.replaceState(null, '', url);
  ($('share') as HTMLInputElement).value = new URL(url, location.href).href;
}

function readControls(): Settings {
  const v = (id: string) => ($(id) as HTMLInputElement).value;
  const n = (id: string, label: string, min: number, max: number, integer = false) => {
    const x = Number(v(id));
    if (v(id).trim() === '' || !Number.isFinite(x) || x < min || x > max || (integer && !Number.isInteger(x)))
      throw new Error(
        `${label}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got '${v(id)}'`,
      );
    return x;
  };
  const layersText = v('layers').trim();
  if (layersText && !/^\d+(-\d+)*$/.test(layersText))
    throw new Error(`hidden layers: write the widths as numbers joined by -, e.g. 16-16 (got '${layersText}')`);
  const layers = layersText ? layersText.split('-').map(Number) : [];
  if (layers.length > 8) throw new Error(`hidden layers: at most 8, got ${layers.length}`);
  if (layers.some((w) => w < 1 || w > 64)) throw new Error('hidden layers: each has 1 to 64 units');
  const features = FEATURES.filter((f) => ($(`f-${f}`) as HTMLInputElement).checked);
  if (!features.length) throw new Error('input features: pick at least one');
  return {
    ...settings,
    data: v('data') as Settings['data'],
    classes: n('classes', 'classes', 2, 6, true),
    points: n('points', 'points', 20, 2000, true),
    noise: n('noise', 'noise', 0, 0.5),
    trainFraction: n('train', 'train share', 0.1, 0.9),
    dataSeed: n('dataSeed', 'data seed', 0, 2 ** 31, true),
    layers,
    features,
    activation: v('act') as Settings['activation'],
    loss: v('loss') as Settings['loss'],
    optimizer: v('opt') as Settings['optimizer'],
    lr: n('lr', 'learning rate', 1e-6, 10),
    batch: n('batch', 'batch size', 1, 5000, true),
    l1: n('l1', 'L1', 0, 1),
    l2: n('l2', 'L2', 0, 1),
    init: v('init') as Settings['init'],
    seed: n('seed', 'seed', 0, 2 ** 31, true),
    backend: v('backend') as Settings['backend'],
  };
}

async function onSettingsChange(e: Event): Promise<void> {
  const message = $('settings-message');
  let next: Settings;
  try {
    next = readControls();
  } catch (err) {
    message.textContent = (err as Error).message;
    message.hidden = false;
    return;
  }
  message.hidden = true;
  const dataChanged = ['data', 'classes', 'points', 'noise', 'train', 'dataSeed'].includes(
    (e.target as HTMLElement).id,
  );
  if (dataChanged) next.added = [];
  if (next.data !== 'csv') next.csv = '';
  if (next.backend !== settings.backend) await selectBackend(next.backend);
  settings = next;
  await rebuild();
}

async function selectBackend(which: 'wasm' | 'js'): Promise<void> {
  if (which === 'wasm') {
    try {
      await initWasm();
    } catch (e) {
      setBackend('js');
      showRuntime(`WASM unavailable (${(e as Error).message}); the JS kernels run`);
      return;
    }
  } else setBackend('js');
  showRuntime();
}

function showRuntime(extra = ''): void {
  const info = backendInfo();
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  $('runtime').textContent =
    `nabla in this page: ${info.backend} kernels, ${threads}` +
    (isolated ? ' (cross-origin isolated)' : ' (not cross-origin isolated: one thread)') +
    (extra ? ` — ${extra}` : '');
  $('runtime').dataset.backend = info.backend;
  $('runtime').dataset.threads = String(info.threads);
}

// ---------- the four steps ----------

function forwardStep(): void {
  if (stage.done > 0 && stage.done < 4) return;
  traceMode = null;
  stage = { trace: net.startTrace(true), done: 1 };
  clampSampleRow();
  render();
}

function lossStep(): void {
  if (stage.done !== 1 || !stage.trace) return;
  net.lossStep(stage.trace);
  stage.done = 2;
  render();
}

function backwardStep(): void {
  if (stage.done !== 2 || !stage.trace) return;
  net.backwardStep(stage.trace);
  stage.done = 3;
  render();
}

function updateStep(): void {
  if (stage.done !== 3 || !stage.trace) return;
  net.updateStep(stage.trace, true);
  stage.done = 4;
  afterSteps();
}

function fullStep(): void {
  if (stage.done === 0 || stage.done === 4) forwardStep();
  if (stage.done === 1) lossStep();
  if (stage.done === 2) backwardStep();
  if (stage.done === 3) updateStep();
}

function afterSteps(): void {
  if (net.steps % net.batchesPerEpoch === 0) record();
  settings.steps = net.steps;
  updateLink();
  render();
}

function clampSampleRow(): void {
  const input = $('sample-row') as HTMLInputElement;
  const rows = stage.trace ? stage.trace.indices.length : settings.batch;
  input.max = String(rows - 1);
  if (Number(input.value) > rows - 1) input.value = String(rows - 1);
}

const sampleRow = () => Math.max(0, Number(($('sample-row') as HTMLInputElement).value) || 0);

function toggleRun(): void {
  running = !running;
  $('btn-run').setAttribute('aria-pressed', String(running));
  $('btn-run').textContent = running ? 'Pause' : 'Run';
  if (!running) render();
  if (running) {
    traceMode = null;
    if (stage.done > 0 && stage.done < 4) stage = { trace: null, done: 0 };
    requestAnimationFrame(runFrame);
  }
}

let renderMs = 0;

function runFrame(): void {
  if (!running) return;
  const started = performance.now();
  // Up to an epoch per frame; training gets at least twice the time drawing took, so a big
  // network still trains at most of full speed while the page stays responsive.
  const budget = Math.max(30, 2 * renderMs);
  const want = net.batchesPerEpoch;
  for (let k = 0; k < want && performance.now() - started < budget; k++) {
    net.step();
    if (net.steps % net.batchesPerEpoch === 0) record();
  }
  stage = { trace: null, done: 0 };
  settings.steps = net.steps;
  updateLink();
  const drawn = performance.now();
  render(true);
  renderMs = Math.max(renderMs * 0.8, performance.now() - drawn);
  requestAnimationFrame(runFrame);
}

// ---------- step through one sample, node by node ----------

function startTraceMode(): void {
  running = false;
  $('btn-run').setAttribute('aria-pressed', 'false');
  $('btn-run').textContent = 'Run';
  const row = Math.min(sampleRow(), data.train.y.length - 1);
  const batch = net.nextBatch();
  const sample = batch[Math.min(row, batch.length - 1)];
  // A fresh forward/loss/backward of this one sample (its own gradients; no update).
  const trace = net.traceOf([sample]);
  net.lossStep(trace);
  net.backwardStep(trace);
  stage = { trace: null, done: 0 };
  const nodes: TraceMode['nodes'] = [{ kind: 'loss' }];
  for (let l = net.linears.length - 1; l >= 0; l--)
    for (let i = 0; i < net.linears[l].outFeatures; i++) nodes.push({ kind: 'unit', layer: l, i });
  traceMode = { trace, nodes, pos: 0 };
  render();
}

function moveTrace(delta: number): void {
  if (!traceMode) return;
  traceMode.pos = Math.max(0, Math.min(traceMode.nodes.length - 1, traceMode.pos + delta));
  const node = traceMode.nodes[traceMode.pos];
  selection = node.kind === 'unit' ? { kind: 'unit', layer: node.layer, i: node.i } : null;
  render();
}

// ---------- drawing ----------

interface Layout {
  x: number[];
  y: (layer: number, unit: number) => number;
  size: number;
  width: number;
  height: number;
}
let layout: Layout;
let unitEls: SVGGElement[][] = [];
/** Drawn edge values per linear layer (what the edges show now) and their largest |value|. */
let shownEdges: { values: Float32Array[]; scales: number[] } = { values: [], scales: [] };
let lastNetworkDraw = 0;

const SVG = 'http://www.w3.org/2000/svg';
const svgEl = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

/** Column 0 the input features, then one column per linear layer's outputs. */
function widths(): number[] {
  return [settings.features.length, ...net.linears.map((l) => l.outFeatures)];
}

/**
 * The network is a canvas (edges and heat maps: thousands of them stay fast) under an SVG that
 * holds one focusable element per unit (keyboard, screen readers, hover) and the selected edge.
 */
function buildNetworkSvg(): void {
  const svg = $('network') as unknown as SVGSVGElement;
  svg.replaceChildren();
  const cols = widths();
  const maxUnits = Math.max(...cols);
  const size = Math.max(6, Math.min(30, Math.floor(560 / maxUnits) - 3));
  const gap = size + Math.max(2, Math.round(size / 4));
  const height = Math.max(maxUnits * gap + 30, 160);
  const colGap = Math.max(60, Math.min(130, 640 / cols.length));
  const width = 40 + (cols.length - 1) * colGap + size + 20;
  const x = cols.map((_, c) => 30 + c * colGap);
  const y = (c: number, u: number) => 20 + (height - 30 - cols[c] * gap) / 2 + u * gap;
  layout = { x, y, size, width, height };
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const canvas = $('network-canvas') as HTMLCanvasElement;
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  $('network-wrap').style.aspectRatio = `${width} / ${height}`;
  $('network-wrap').style.maxWidth = `${Math.max(width, 320) * 1.6}px`;
  svg.append(svgEl('line', { id: 'edge-selected', x1: 0, y1: 0, x2: 0, y2: 0, visibility: 'hidden' }));
  unitEls = [];
  cols.forEach((n, c) => {
    unitEls.push([]);
    const label = svgEl('text', { x: x[c], y: 12 });
    label.textContent = c === 0 ? 'inputs' : c === cols.length - 1 ? 'output' : `layer ${c}`;
    svg.append(label);
    for (let u = 0; u < n; u++) {
      const g = svgEl('g', {
        class: 'unit',
        id: c === 0 ? `in-${u}` : `u-${c - 1}-${u}`,
        tabindex: 0,
        role: 'button',
        transform: `translate(${x[c]},${y(c, u)})`,
      });
      const name = c === 0 ? `input ${FEATURE_LABELS[settings.features[u]]}` : `${label.textContent} unit ${u + 1}`;
      g.setAttribute('aria-label', name);
      g.dataset.name = name;
      g.append(svgEl('rect', { class: 'frame', width: size, height: size }));
      if (c === 0 && size >= 14) {
        const t = svgEl('text', { x: -4, y: size / 2 + 3, 'text-anchor': 'end' });
        t.textContent = FEATURE_LABELS[settings.features[u]];
        g.append(t);
      }
      if (c > 0) {
        g.addEventListener('mouseenter', () => select({ kind: 'unit', layer: c - 1, i: u }));
        g.addEventListener('focus', () => select({ kind: 'unit', layer: c - 1, i: u }));
        g.addEventListener('keydown', (e) => unitKey(e, c - 1, u));
      } else g.addEventListener('focus', () => showInputDetail(u));
      svg.append(g);
      unitEls[c].push(g);
    }
  });
}

/** The edge under a pointer (within 4 drawing units of its line), found among the layer it lies in. */
function edgeAt(e: MouseEvent): Selection | null {
  const svg = $('network') as unknown as SVGSVGElement;
  const r = svg.getBoundingClientRect();
  const px = ((e.clientX - r.left) / r.width) * layout.width;
  const py = ((e.clientY - r.top) / r.height) * layout.height;
  const { x, y, size } = layout;
  const l = x.findIndex((left, c) => c + 1 < x.length && px >= left + size && px <= x[c + 1]);
  if (l < 0) return null;
  const cols = widths();
  let best: Selection | null = null;
  let bestD = 4;
  for (let i = 0; i < cols[l + 1]; i++)
    for (let j = 0; j < cols[l]; j++) {
      const x1 = x[l] + size;
      const y1 = y(l, j) + size / 2;
      const x2 = x[l + 1];
      const y2 = y(l + 1, i) + size / 2;
      const t = Math.max(
        0,
        Math.min(1, ((px - x1) * (x2 - x1) + (py - y1) * (y2 - y1)) / ((x2 - x1) ** 2 + (y2 - y1) ** 2)),
      );
      const d = Math.hypot(px - (x1 + t * (x2 - x1)), py - (y1 + t * (y2 - y1)));
      if (d < bestD) {
        bestD = d;
        best = { kind: 'edge', layer: l, i, j };
      }
    }
  return best;
}

let edgeCursor = -1;

function unitKey(e: KeyboardEvent, layer: number, i: number): void {
  const cols = widths();
  if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
    const n = cols[layer];
    edgeCursor =
      edgeCursor < 0 ? (e.key === 'ArrowRight' ? 0 : n - 1) : (edgeCursor + (e.key === 'ArrowRight' ? 1 : n - 1)) % n;
    select({ kind: 'edge', layer, i, j: edgeCursor });
    e.preventDefault();
  } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
    const n = cols[layer + 1];
    const next = (i + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    edgeCursor = -1;
    (unitEls[layer + 1][next] as unknown as HTMLElement).focus();
    e.preventDefault();
  } else if (e.key === 'Enter' || e.key === ' ') {
    edgeCursor = -1;
    select({ kind: 'unit', layer, i });
    e.preventDefault();
  }
}

function select(s: Selection): void {
  if (s.kind === 'unit') edgeCursor = -1;
  selection = s;
  renderSelection();
  renderDetail();
}

function colour(v: number, scale: number): string {
  const t = Math.min(1, Math.abs(v) / (scale || 1));
  return v >= 0 ? `rgba(47,111,222,${0.15 + 0.85 * t})` : `rgba(232,118,44,${0.15 + 0.85 * t})`;
}

/** Everything; with `light` (run mode) the plane and the network at most 4 times a second. */
function render(light = false): void {
  const now = performance.now();
  const full = !light || now - lastNetworkDraw > 250;
  if (full) {
    lastNetworkDraw = now;
    const grid = net.activations(plotGrid(GRID));
    unitActs = grid.acts;
    prediction = grid.prediction;
    dead = net.deadUnits();
    drawPlot($('plot') as HTMLCanvasElement, {
      prediction,
      classes: net.classes,
      data,
      gridSize: GRID,
      trace: stage.done >= 2 ? stage.trace : (traceMode?.trace ?? null),
      selectedRow: stage.trace ? sampleRow() : traceMode ? 0 : -1,
    });
    drawNetwork();
  }
  drawCurves($('curves') as HTMLCanvasElement, curve);
  renderSelection();
  renderStatus(full);
  if (full) renderDetail();
}

function plotGrid(n: number): Float32Array {
  const g = new Float32Array(2 * n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      g[2 * (r * n + c)] = -1 + (2 * (c + 0.5)) / n;
      g[2 * (r * n + c) + 1] = 1 - (2 * (r + 0.5)) / n;
    }
  return g;
}

function drawNetwork(): void {
  const canvas = $('network-canvas') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d')!;
  const { x, y, size, width } = layout;
  const dpr = canvas.width / width;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, layout.width, layout.height);
  const { values } = edgeValues();
  const cols = widths();
  shownEdges = { values, scales: values.map((v) => v.reduce((m, a) => Math.max(m, Math.abs(a)), 0)) };
  ctx.lineCap = 'round';
  // One path per colour and width bucket: thousands of edges in a few strokes.
  const LEVELS = 10;
  values.forEach((v, l) => {
    const scale = shownEdges.scales[l] || 1;
    const inW = cols[l];
    const thin = inW * cols[l + 1] > 600 ? 0.5 : 1;
    const buckets: Path2D[] = Array.from({ length: 2 * LEVELS }, () => new Path2D());
    for (let i = 0; i < cols[l + 1]; i++)
      for (let j = 0; j < inW; j++) {
        const w = v[i * inW + j];
        const level = Math.min(LEVELS - 1, Math.floor((Math.abs(w) / scale) * LEVELS));
        const path = buckets[(w >= 0 ? 0 : LEVELS) + level];
        path.moveTo(x[l] + size, y(l, j) + size / 2);
        path.lineTo(x[l + 1], y(l + 1, i) + size / 2);
      }
    // Weak edges first, strong ones on top; dense layers fainter, so overlaps stay readable.
    ctx.globalAlpha = Math.min(1, 24 / Math.sqrt(inW * cols[l + 1]));
    for (let level = 0; level < LEVELS; level++)
      for (const sign of [1, -1]) {
        ctx.strokeStyle = colour(sign * (level + 0.5), LEVELS);
        ctx.lineWidth = thin * (0.5 + (4 * (level + 0.5)) / LEVELS);
        ctx.stroke(buckets[(sign > 0 ? 0 : LEVELS) + level]);
      }
    ctx.globalAlpha = 1;
  });
  ctx.imageSmoothingEnabled = false;
  cols.forEach((n, c) => {
    for (let u = 0; u < n; u++) {
      ctx.drawImage(heatMap(unitActs[c], n, u, GRID), x[c], y(c, u), size, size);
      const isDead = c > 0 && c < cols.length - 1 && dead[c - 1]?.[u];
      const g = unitEls[c][u];
      g.setAttribute('aria-label', `${g.dataset.name}${isDead ? ' (dead ReLU)' : ''}`);
      if (isDead) {
        ctx.strokeStyle = '#c01515';
        ctx.lineWidth = size < 14 ? 1 : 2;
        ctx.beginPath();
        ctx.moveTo(x[c], y(c, u));
        ctx.lineTo(x[c] + size, y(c, u) + size);
        ctx.moveTo(x[c] + size, y(c, u));
        ctx.lineTo(x[c], y(c, u) + size);
        ctx.stroke();
      }
    }
  });
}

/** Edges show weights, or after a backward step dL/dw, or after an update the change Δw. */
function edgeValues(): { values: Float32Array[]; what: string } {
  const tr = traceMode?.trace ?? stage.trace;
  if ((stage.done === 3 || traceMode) && tr)
    return { values: net.linears.map((l) => l.weight.grad!.toTypedArray() as Float32Array), what: 'dL/dw' };
  if (stage.done === 4 && stage.trace?.before && stage.trace.after)
    return {
      values: stage.trace.after.map((a, l) => a.w.map((v, k) => v - stage.trace!.before![l].w[k])),
      what: 'the update Δw',
    };
  return { values: net.linears.map((l) => l.weight.toTypedArray() as Float32Array), what: 'the weights' };
}

function renderSelection(): void {
  document
    .querySelectorAll('#network .selected, #network .current')
    .forEach((el) => el.classList.remove('selected', 'current'));
  const line = document.getElementById('edge-selected');
  if (line) {
    const s = selection;
    line.setAttribute('visibility', s?.kind === 'edge' ? 'visible' : 'hidden');
    if (s?.kind === 'edge') {
      const { x, y, size } = layout;
      line.setAttribute('x1', String(x[s.layer] + size));
      line.setAttribute('y1', String(y(s.layer, s.j) + size / 2));
      line.setAttribute('x2', String(x[s.layer + 1]));
      line.setAttribute('y2', String(y(s.layer + 1, s.i) + size / 2));
      line.dataset.edge = `${s.layer}-${s.i}-${s.j}`;
    }
  }
  if (selection) unitEls[selection.layer + 1]?.[selection.i]?.classList.add('selected');
  const node = traceMode?.nodes[traceMode.pos];
  if (node?.kind === 'unit') unitEls[node.layer + 1]?.[node.i]?.classList.add('current');
}

/** Loss and accuracy of the whole train and test sets, refreshed with each full drawing. */
let scores = {
  tr: { loss: Number.NaN, accuracy: null as number | null },
  te: { loss: Number.NaN, accuracy: null as number | null },
};

function renderStatus(full: boolean): void {
  if (full) scores = { tr: net.evaluate('train'), te: net.evaluate('test') };
  const { tr, te } = scores;
  const pct = (a: number | null) => (a === null ? '' : `, accuracy ${(a * 100).toFixed(1)}%`);
  const m = $('metrics');
  m.innerHTML =
    `step <span id="step-count">${net.steps}</span> (epoch ${net.epoch.toFixed(2)}) · train loss ${fmt(tr.loss)}${pct(tr.accuracy)} · ` +
    `test loss ${fmt(te.loss)}<span id="test-accuracy" data-value="${te.accuracy ?? ''}">${pct(te.accuracy)}</span>`;
  const what = edgeValues().what;
  const t = stage.trace;
  const texts = [
    `Ready for step ${net.steps + 1}: press 1 Forward. Edges show ${what}.`,
    `Forward pass of a batch of ${t?.indices.length} samples done; hover a unit for its weighted sum, bias and activation on sample row ${sampleRow()}.`,
    `Loss of the batch: <span id="loss-value" data-value="${t?.loss?.item() ?? ''}">${t?.loss ? fmt(t.loss.item()) : ''}</span> (circles on the plot: each batch sample's loss).`,
    `Backward pass done: edges show ${what}; hover one for its chain-rule product.`,
    `Update done (step ${net.steps}): edges show ${what}; hover one for the weight before and after.`,
  ];
  let text = texts[stage.done];
  if (t && stage.done >= 1 && stage.done < 4) {
    const shown = t.indices.slice(0, 12).map((k) => `#${k}`);
    text += ` <span class="help">Batch: train samples <span id="batch-indices" data-value="${t.indices.join(',')}">${shown.join(', ')}${t.indices.length > 12 ? ', …' : ''}</span>.</span>`;
  }
  if (traceMode) {
    const node = traceMode.nodes[traceMode.pos];
    text = `Stepping through sample #${traceMode.trace.indices[0]} in reverse topological order: node ${traceMode.pos + 1} of ${traceMode.nodes.length} (${node.kind === 'loss' ? 'the loss' : `layer ${node.layer + 1} unit ${node.i + 1}`}). Edges show this sample's dL/dw.`;
  }
  $('stage').innerHTML = text;
  ($('btn-loss') as HTMLButtonElement).disabled = stage.done !== 1;
  ($('btn-backward') as HTMLButtonElement).disabled = stage.done !== 2;
  ($('btn-update') as HTMLButtonElement).disabled = stage.done !== 3;
  ($('btn-forward') as HTMLButtonElement).disabled = stage.done > 0 && stage.done < 4;
  ($('btn-trace-prev') as HTMLButtonElement).disabled = !traceMode || traceMode.pos === 0;
  ($('btn-trace-next') as HTMLButtonElement).disabled = !traceMode || traceMode.pos === traceMode.nodes.length - 1;
}

function unitHeatMap(layer: number, i: number): string {
  const acts = unitActs[layer + 1];
  return `<img class="big" alt="" width="96" height="96" src="${heatMapUrl(acts, unitEls[layer + 1].length, i, GRID)}">`;
}

function renderDetail(): void {
  const box = $('detail');
  if (traceMode) {
    box.innerHTML = traceDetail(traceMode);
    return;
  }
  if (!selection) return;
  const layer = selection.layer;
  if (!net.linears[layer]) return;
  const t = stage.trace;
  const row = Math.min(sampleRow(), (t?.indices.length ?? 1) - 1);
  if (selection.kind === 'unit') {
    const { i } = selection;
    const isOut = layer === net.linears.length - 1;
    let html = `${unitHeatMap(layer, i)}<h3>${isOut ? 'output' : `layer ${layer + 1}`} unit ${i + 1}${dead[layer]?.[i] ? ' — dead ReLU: no train point activates it' : ''}</h3>`;
    if (t && stage.done >= 1) {
      const d = net.unitDetail(t, layer, i, row);
      html += unitTable(d, isOut);
      if (stage.done >= 3) {
        const g = (t.zs[layer].grad!.toTypedArray() as Float32Array)[row * t.zs[layer].shape[1] + i];
        html += `<table><tr><th>dL/dz for this sample</th>${num('d-dz', g)}</tr></table>`;
      }
    } else
      html += `<p>bias ${fmt((net.linears[layer].bias!.toTypedArray() as Float32Array)[i])}. Press 1 Forward to see this unit's numbers for a sample.</p>`;
    box.innerHTML = html;
    return;
  }
  const { i, j } = selection;
  const inName = layer === 0 ? FEATURE_LABELS[settings.features[j]] : `layer ${layer} unit ${j + 1}`;
  const outName = layer === net.linears.length - 1 ? `output ${i + 1}` : `layer ${layer + 1} unit ${i + 1}`;
  let html = `<h3>weight w from ${inName} to ${outName}</h3><table><tr><th>w now</th>${num('d-w', (net.linears[layer].weight.toTypedArray() as Float32Array)[i * widths()[layer] + j])}</tr></table>`;
  if (t && stage.done >= 3) html += edgeTable(net.edgeDetail(t, layer, i, j, row), layer === net.linears.length - 1);
  if (t && stage.done === 4 && t.before && t.after) {
    const k = i * widths()[layer] + j;
    const before = t.before[layer].w[k];
    const after = t.after[layer].w[k];
    const g = (net.linears[layer].weight.grad!.toTypedArray() as Float32Array)[k];
    html += `<table><tr><th>w before the update</th>${num('d-before', before)}</tr><tr><th>dL/dw</th>${num('d-grad', g)}</tr>
      <tr><th>w after (${settings.optimizer === 'sgd' ? 'w − lr·dL/dw' : `${settings.optimizer} step`})</th>${num('d-after', after)}</tr>
      <tr><th>change</th>${num('d-change', after - before)}</tr></table>`;
  }
  const state = net.optimizerState(layer, i, j);
  const names: Record<string, string> = {
    step: 'Adam step',
    expAvg: 'Adam m (1st moment)',
    expAvgSq: 'Adam v (2nd moment)',
    momentumBuffer: 'momentum buffer',
  };
  const rows = Object.entries(state).map(([k, v]) => `<tr><th>${names[k] ?? k}</th>${num(`d-state-${k}`, v)}</tr>`);
  if (rows.length) html += `<table><caption>optimizer state of this weight</caption>${rows.join('')}</table>`;
  if (!t || stage.done < 3) html += '<p>Run 1 Forward, 2 Loss, 3 Backward to see the chain rule for this weight.</p>';
  box.innerHTML = html;
}

function unitTable(d: UnitDetail, isOut: boolean): string {
  const top = [...d.terms].sort((a, b) => Math.abs(b.w * b.a) - Math.abs(a.w * a.a)).slice(0, 6);
  const terms = top.map((t) => `${fmt(t.w)}·${paren(t.a)}`).join(' + ');
  return `<p>sample #${d.sample} (batch row ${d.row})</p><table>
    <tr><th>Σ w·a (${d.terms.length} inputs${d.terms.length > top.length ? ', largest shown' : ''})</th>${num('d-wsum', d.weightedSum)}</tr>
    <tr><td colspan="2" class="help">${terms}${d.terms.length > top.length ? ' + …' : ''}</td></tr>
    <tr><th>+ bias</th>${num('d-bias', d.bias)}</tr>
    <tr><th>= z</th>${num('d-z', d.z)}</tr>
    <tr><th>${isOut ? 'output (logit)' : `a = ${settings.activation}(z)`}</th>${num('d-a', d.a)}</tr></table>`;
}

function edgeTable(d: EdgeDetail, isOut: boolean): string {
  return `<p>sample #${d.sample} (batch row ${d.row}): the chain rule</p><table>
    <tr><th>upstream ${isOut ? 'dL/dz (output)' : 'dL/da'}</th>${num('d-upstream', d.upstream)}</tr>
    <tr><th>× local ${isOut ? '(linear output: 1)' : `d${settings.activation}(z)/dz`}</th>${num('d-local', d.local)}</tr>
    <tr><th>× input a</th>${num('d-input', d.input)}</tr>
    <tr><th>= this sample's share</th>${num('d-product', d.product)}</tr>
    <tr><th>Σ over the batch's ${stage.trace?.indices.length} samples</th>${num('d-batchsum', d.batchSum)}</tr>
    ${d.penaltyGrad ? `<tr><th>+ L1/L2 penalty's gradient</th>${num('d-penalty', d.penaltyGrad)}</tr>` : ''}
    <tr><th>nabla autograd dL/dw</th>${num('d-autograd', d.autograd)}</tr>
    <tr><th>finite difference (float64)</th>${num('d-fd', d.finiteDifference)}</tr></table>`;
}

function showInputDetail(j: number): void {
  $('detail').innerHTML =
    `<h3>input ${FEATURE_LABELS[settings.features[j]]}</h3><p>This feature's value over the plane (blue positive, orange negative).</p>`;
}

function traceDetail(tm: TraceMode): string {
  const node = tm.nodes[tm.pos];
  const t = tm.trace;
  const L = net.linears.length;
  const outZ = t.zs[L - 1];
  const gradsOf = (x: Tensor | null | undefined) => (x ? (x.toTypedArray() as Float32Array) : new Float32Array());
  if (node.kind === 'loss') {
    const g = gradsOf(outZ.grad);
    return `<h3>the loss of sample #${t.indices[0]}</h3><table><tr><th>L</th>${num('t-loss', t.loss!.item())}</tr>
      ${Array.from(g, (v, k) => `<tr><th>dL/dz of output ${k + 1}</th>${num(`t-dz-${k}`, v)}</tr>`).join('')}</table>
      <p>Next: each output unit, then each hidden layer back to the inputs.</p>`;
  }
  const { layer, i } = node;
  const z = t.zs[layer];
  const dz = gradsOf(z.grad)[i];
  const a = gradsOf(t.as[layer]);
  const inW = t.as[layer].shape[1];
  let html = `<h3>${layer === L - 1 ? 'output' : `layer ${layer + 1}`} unit ${i + 1}</h3><table>`;
  if (layer < L - 1) {
    const next = net.linears[layer + 1].weight.toTypedArray() as Float32Array;
    const nextW = t.as[layer + 1].shape[1];
    const dzNext = gradsOf(t.zs[layer + 1].grad);
    const terms = Array.from(dzNext, (g, k) => ({ k, w: next[k * nextW + i], g }));
    html += `<tr><th>dL/da = Σₖ w·dL/dzₖ</th><td class="help">${terms
      .slice(0, 8)
      .map((x) => `${fmt(x.w)}·${paren(x.g)}`)
      .join(' + ')}${terms.length > 8 ? ' + …' : ''}</td></tr>
      <tr><th>sum of these terms</th>${num(
        't-sum',
        terms.reduce((s, x) => s + x.w * x.g, 0),
      )}</tr>
      <tr><th>autograd dL/da</th>${num('t-da', gradsOf(t.as[layer + 1].grad)[i])}</tr>
      <tr><th>× d${settings.activation}(z)/dz</th>${num('t-local', gradsOf(net.localDerivative(z))[i])}</tr>`;
  }
  html += `<tr><th>dL/dz (autograd)</th>${num('t-dz', dz)}</tr><tr><th>dL/db = dL/dz</th>${num('t-db', gradsOf(net.linears[layer].bias!.grad)[i])}</tr></table>
    <p>Its incoming weights: dL/dw = dL/dz × input</p><table>${Array.from(
      { length: Math.min(inW, 8) },
      (_, j) =>
        `<tr><th>from ${layer === 0 ? FEATURE_LABELS[settings.features[j]] : `unit ${j + 1}`}</th><td class="help">${fmt(dz)} × ${paren(a[j])}</td>${num(`t-dw-${j}`, gradsOf(net.linears[layer].weight.grad)[i * inW + j])}</tr>`,
    ).join('')}</table>`;
  return html;
}

// ---------- data plot clicks, CSV, export ----------

function onPlotClick(e: MouseEvent): void {
  const canvas = $('plot') as HTMLCanvasElement;
  const r = canvas.getBoundingClientRect();
  addPoint(((e.clientX - r.left) / r.width) * 2 - 1, 1 - ((e.clientY - r.top) / r.height) * 2);
}

/** The keyboard's way to add points: arrows move a cross on the focused plot, Enter adds a point there. */
let plotCursor: [number, number] | null = null;

function onPlotKey(e: KeyboardEvent): void {
  const step = e.shiftKey ? 0.2 : 0.05;
  const moves: Record<string, [number, number]> = {
    ArrowLeft: [-step, 0],
    ArrowRight: [step, 0],
    ArrowUp: [0, step],
    ArrowDown: [0, -step],
  };
  const c = plotCursor ?? [0, 0];
  if (moves[e.key]) {
    plotCursor = [Math.max(-1, Math.min(1, c[0] + moves[e.key][0])), Math.max(-1, Math.min(1, c[1] + moves[e.key][1]))];
    drawCursor();
    e.preventDefault();
  } else if (e.key === 'Enter' || e.key === ' ') {
    addPoint(c[0], c[1]);
    e.preventDefault();
  }
}

function drawCursor(): void {
  render();
  if (!plotCursor) return;
  const canvas = $('plot') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d')!;
  const px = ((plotCursor[0] + 1) / 2) * canvas.width;
  const py = ((1 - plotCursor[1]) / 2) * canvas.height;
  ctx.strokeStyle = '#111';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(px - 8, py);
  ctx.lineTo(px + 8, py);
  ctx.moveTo(px, py - 8);
  ctx.lineTo(px, py + 8);
  ctx.stroke();
  $('plot-help').textContent =
    `Cross at (${plotCursor[0].toFixed(2)}, ${plotCursor[1].toFixed(2)}): Enter adds a training point there.`;
}

function addPoint(x: number, y: number): void {
  const x1 = Math.round(x * 1000) / 1000;
  const x2 = Math.round(y * 1000) / 1000;
  if (Math.abs(x1) > 1 || Math.abs(x2) > 1) return;
  if (settings.added.length >= 300) {
    notice('at most 300 clicked points (they travel in the link)');
    return;
  }
  settings.added = [...settings.added, [x1, x2, Number(($('brush') as HTMLSelectElement).value)]];
  void rebuild().then(() => {
    if (plotCursor) drawCursor();
  });
}

async function onCsv(): Promise<void> {
  const input = $('csv-file') as HTMLInputElement;
  const file = input.files?.[0];
  const box = $('csv-message');
  if (!file) return;
  try {
    if (file.size > 2_000_000)
      throw new CsvError(`${file.name}: ${file.size} bytes; the playground reads files up to 2 MB`);
    const text = await file.text();
    const points = parseCsv(text, file.name);
    const hash = `${hashText(text)}-${points.y.length}`;
    csvData = { points, text, name: file.name };
    (document.querySelector('#data option[value="csv"]') as HTMLOptionElement).disabled = false;
    // The file a link was made with: its settings and steps come back; any other file is new data.
    const fromLink = linkCsv?.settings.csv === hash ? linkCsv : null;
    const replay = fromLink ? fromLink.steps : 0;
    if (linkCsv)
      notice(fromLink ? '' : `${file.name} is not the file the link was made with; it is loaded as new data`);
    linkCsv = null;
    settings = fromLink ? { ...fromLink.settings } : { ...settings, data: 'csv', csv: hash, added: [] };
    if (points.classes === 0) settings.loss = 'mse';
    box.className = 'ok';
    box.textContent = `${file.name}: ${points.y.length} rows, ${points.classes ? `${points.classes} classes` : 'regression target'}; x1 and x2 scaled by 1/${points.scale[0].toPrecision(4)} and 1/${points.scale[1].toPrecision(4)}`;
    box.hidden = false;
    await rebuild(replay);
  } catch (e) {
    box.className = '';
    box.textContent = e instanceof CsvError ? e.message : `${file.name}: ${(e as Error).message}`;
    box.hidden = false;
  } finally {
    input.value = '';
  }
}

/** Settings of a link made with an uploaded CSV, kept until the same file is uploaded. */
let linkCsv: { settings: Settings; steps: number } | null = null;

function download(bytes: Uint8Array | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function notice(text: string): void {
  const n = $('notice');
  n.textContent = text;
  n.hidden = !text;
}

// ---------- start ----------

async function main(): Promise<void> {
  const features = $('features');
  for (const f of FEATURES) {
    const label = document.createElement('label');
    label.innerHTML = `<input type="checkbox" id="f-${f}"> ${FEATURE_LABELS[f]}`;
    features.append(label);
  }
  let linkError = '';
  try {
    settings = fromQuery(location.search);
  } catch (e) {
    linkError = `${(e as Error).message}; the defaults are used instead`;
    settings = { ...DEFAULTS };
  }
  await selectBackend(settings.backend);
  let replay = settings.steps;
  if (settings.data === 'csv') {
    linkCsv = { settings: { ...settings }, steps: replay };
    replay = 0;
    linkError = `This link was made with an uploaded CSV (${settings.csv.split('-')[1] ?? '?'} rows): upload the same file to replay its ${linkCsv.steps} steps.`;
    settings = { ...settings, data: 'circle', csv: '', added: [] };
  }
  notice(linkError);
  await rebuild(replay);

  for (const id of [...FIELD_IDS, 'lr', 'batch', 'l1', 'l2', 'init', 'seed', 'backend'])
    $(id).addEventListener('change', (e) => void onSettingsChange(e));
  $('features').addEventListener('change', (e) => void onSettingsChange(e));
  $('noise').addEventListener(
    'input',
    () => ($('noise-out').textContent = `${Math.round(Number(($('noise') as HTMLInputElement).value) * 100)}%`),
  );
  $('train').addEventListener(
    'input',
    () => ($('train-out').textContent = `${Math.round(Number(($('train') as HTMLInputElement).value) * 100)}%`),
  );
  const guard = (f: () => void) => () => {
    if (!busy) f();
  };
  $('btn-forward').addEventListener('click', guard(forwardStep));
  $('btn-loss').addEventListener('click', guard(lossStep));
  $('btn-backward').addEventListener('click', guard(backwardStep));
  $('btn-update').addEventListener('click', guard(updateStep));
  $('btn-step').addEventListener('click', guard(fullStep));
  $('btn-run').addEventListener('click', guard(toggleRun));
  $('btn-reset').addEventListener(
    'click',
    guard(() => void rebuild()),
  );
  $('btn-trace').addEventListener('click', guard(startTraceMode));
  $('btn-trace-prev').addEventListener('click', () => moveTrace(-1));
  $('btn-trace-next').addEventListener('click', () => moveTrace(1));
  $('sample-row').addEventListener('change', () => {
    render();
  });
  $('plot').addEventListener('click', onPlotClick);
  $('plot').addEventListener('keydown', onPlotKey);
  $('network').addEventListener('mousemove', (e) => {
    if ((e.target as Element).closest('.unit')) return;
    const hit = edgeAt(e);
    if (hit && JSON.stringify(hit) !== JSON.stringify(selection)) select(hit);
  });
  $('csv-file').addEventListener('change', () => void onCsv());
  $('btn-safetensors').addEventListener('click', () =>
    download(
      io.encodeSafetensors(net.model.stateDict(), { steps: String(net.steps), link: toQuery(settings) }),
      'playground.safetensors',
      'application/octet-stream',
    ),
  );
  $('btn-onnx').addEventListener('click', () =>
    download(
      io.exportOnnx(net.model, { inputShape: [settings.features.length] }),
      'playground.onnx',
      'application/octet-stream',
    ),
  );
  $('btn-csv').addEventListener('click', () => download(toCsv(data), 'playground-data.csv', 'text/csv'));
  document.body.dataset.ready = 'true';
}

type Tensor = import('nabla').Tensor;

main().catch((e: unknown) => {
  notice(`the playground failed to start: ${e instanceof Error ? e.message : String(e)}`);
  console.error(e);
});
