// The image-recognition page: upload an image, show the top classes and the model's input.

const $ = (id) => document.getElementById(id);
let model = null;

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
  $('result').hidden = true;
}

async function loadModel() {
  const res = await fetch('/api/model');
  model = await res.json();
  const acc = model.testAccuracy == null ? '' : `, test accuracy ${(model.testAccuracy * 100).toFixed(1)}%`;
  $('model-info').textContent =
    `${model.name}: ${model.classes.length} classes, ${model.parameters.toLocaleString()} parameters${acc}`;
  if (model.preprocessing.kind === 'standardize') {
    // A model of table rows: type a row instead of dropping an image.
    $('title').textContent = 'nabla classifier';
    document.title = 'nabla — classifier';
    $('drop-zone').hidden = true;
    $('row-form').hidden = false;
    $('row-columns').textContent = model.preprocessing.columns.join(', ');
  }
}

/** Draws the [C, H, W] input in [0, 1] the model received, scaled up without smoothing. */
function drawModelView(input) {
  const { channels, height, width, pixels } = input;
  const small = document.createElement('canvas');
  small.width = width;
  small.height = height;
  const ctx = small.getContext('2d');
  const img = ctx.createImageData(width, height);
  const plane = width * height;
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) img.data[p * 4 + c] = Math.round(255 * pixels[(channels === 1 ? 0 : c) * plane + p]);
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const view = $('model-view');
  const vctx = view.getContext('2d');
  vctx.imageSmoothingEnabled = false;
  vctx.clearRect(0, 0, view.width, view.height);
  vctx.drawImage(small, 0, 0, view.width, view.height);
  $('model-view-caption').textContent = `as the model sees it (${width}×${height}${channels === 1 ? ', grey' : ''})`;
}

function showPrediction(result) {
  $('error').hidden = true;
  $('result').hidden = false;
  $('result-class').textContent = result.class;
  $('result-probability').textContent = `(${(result.probability * 100).toFixed(1)}%)`;
  const list = $('predictions');
  list.replaceChildren();
  for (const p of result.predictions.slice(0, 5)) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = p.class;
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${(p.probability * 100).toFixed(1)}%`;
    bar.append(fill);
    const pct = document.createElement('span');
    pct.className = 'pct';
    pct.textContent = `${(p.probability * 100).toFixed(1)}%`;
    li.append(name, bar, pct);
    list.append(li);
  }
  $('images').hidden = !result.input;
  if (result.input) drawModelView(result.input);
}

/** Sends one typed row of a tabular model to the API. */
async function predictRow(text) {
  const values = text
    .split(/[\s,;]+/)
    .filter((v) => v !== '')
    .map(Number);
  const want = model.preprocessing.columns.length;
  if (values.length !== want || values.some(Number.isNaN)) {
    return showError(`enter ${want} numbers (${model.preprocessing.columns.join(', ')}); got ${values.length} values`);
  }
  const res = await fetch('/api/predict', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows: [values] }),
  });
  const body = await res.json();
  if (!res.ok) return showError(body.error || `the server answered ${res.status}`);
  const p = body.predictions[0];
  showPrediction({ class: p.class, probability: p.probability, predictions: p.ranking });
}

async function predict(file) {
  if (!file) return;
  $('preview').src = URL.createObjectURL(file);
  const form = new FormData();
  form.append('image', file);
  try {
    const res = await fetch('/api/predict', { method: 'POST', body: form });
    const body = await res.json();
    if (!res.ok) return showError(body.error || `the server answered ${res.status}`);
    showPrediction(body);
  } catch (e) {
    showError(`could not reach the server: ${e.message}`);
  }
}

const zone = $('drop-zone');
zone.addEventListener('click', (e) => {
  if (e.target.tagName !== 'LABEL') $('file-input').click();
});
zone.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') $('file-input').click();
});
zone.addEventListener('dragover', (e) => {
  e.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  predict(e.dataTransfer.files[0]);
});
$('file-input').addEventListener('change', (e) => predict(e.target.files[0]));
$('row-form').addEventListener('submit', (e) => {
  e.preventDefault();
  predictRow($('row-input').value).catch((err) => showError(`could not reach the server: ${err.message}`));
});
loadModel().catch((e) => showError(`could not load the model description: ${e.message}`));
