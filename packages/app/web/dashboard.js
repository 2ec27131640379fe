// Live training view: batch progress and loss/accuracy curves pushed by the server (SSE).

const $ = (id) => document.getElementById(id);
const events = new EventSource('/events');
const fmt = (v) => (v == null ? '–' : v.toFixed(4));

events.addEventListener('batch', (e) => {
  const b = JSON.parse(e.data);
  $('status').textContent = `training: epoch ${b.epoch}`;
  $('epoch-progress').max = b.total;
  $('epoch-progress').value = b.done;
  $('batch-line').textContent = `batch ${b.done}/${b.total} — loss ${fmt(b.loss)}, accuracy ${fmt(b.accuracy)}`;
});

events.addEventListener('epoch', (e) => {
  const { record, charts } = JSON.parse(e.data);
  // The SVGs are rendered by nabla's own report code on the server.
  $('loss-chart').innerHTML = charts.loss;
  $('accuracy-chart').innerHTML = charts.accuracy;
  // `nabla train --plasticity`: dead units, effective and stable rank, mean |w|.
  $('plasticity-charts').innerHTML = charts.plasticity
    ? Object.values(charts.plasticity)
        .map((svg) => `<figure>${svg}</figure>`)
        .join('')
    : '';
  $('last-epoch').textContent =
    `epoch ${record.epoch}: loss ${fmt(record.loss)}, accuracy ${fmt(record.accuracy)}, ` +
    `validation loss ${fmt(record.valLoss)}, validation accuracy ${fmt(record.valAccuracy)}`;
});

events.addEventListener('done', (e) => {
  const { epochs } = JSON.parse(e.data);
  $('status').textContent = `training finished after ${epochs} epochs`;
  events.close();
});
events.onerror = () => {
  $('status').textContent = 'disconnected from the training process';
};
