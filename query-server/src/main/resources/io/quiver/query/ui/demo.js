// The demo page: plain JavaScript against Quiver's public HTTP API, no build step.
// URL parameters: collection (default fashion-mnist), queries (default <collection>-test),
// search=<test point id> (search it at load, as a click would), live=0 (no live chart).
'use strict';

const params = new URLSearchParams(location.search);
const COLLECTION = params.get('collection') || 'fashion-mnist';
const QUERIES = params.get('queries') || COLLECTION + '-test';
const PROBE = COLLECTION + '-probe';
const SHOWN = 16;
const LIMIT = 12;
const HISTORY_S = 120;

const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method: method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const json = await response.json();
  if (!response.ok) {
    const e = json.error || {};
    throw new Error((e.code || response.status) + ': ' + (e.message || 'request failed'));
  }
  return json;
}

// Draws a vector as a square grey image (28 x 28 for Fashion-MNIST), dark on light.
function image(vector) {
  const side = Math.round(Math.sqrt(vector.length));
  const canvas = document.createElement('canvas');
  canvas.className = 'digit';
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  const pixels = ctx.createImageData(side, side);
  for (let i = 0; i < side * side && i < vector.length; i++) {
    const v = 255 - Math.max(0, Math.min(255, Math.round(vector[i])));
    pixels.data[4 * i] = v;
    pixels.data[4 * i + 1] = v;
    pixels.data[4 * i + 2] = v;
    pixels.data[4 * i + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
  return canvas;
}

function label(payload) {
  if (!payload) return '';
  return payload['class'] !== undefined ? payload['class'] : String(payload.label || '');
}

function figure(point, caption, className) {
  const f = document.createElement('figure');
  f.className = className;
  f.dataset.id = point.id;
  f.appendChild(image(point.vector || []));
  const c = document.createElement('figcaption');
  c.textContent = caption;
  f.appendChild(c);
  return f;
}

async function loadQueries() {
  const status = $('queries-status');
  const grid = $('queries');
  grid.textContent = '';
  let count = 0;
  try {
    count = (await api('GET', '/collections/' + QUERIES)).result.points_count || 0;
  } catch (e) {
    status.textContent = 'No test images yet (' + e.message + '). Is scripts/quiver-local --demo loading?';
    status.className = 'status error';
    return;
  }
  const wanted = new Set();
  while (wanted.size < Math.min(SHOWN, count)) wanted.add(Math.floor(Math.random() * count));
  const points = await Promise.all(Array.from(wanted).map((i) =>
    api('GET', '/collections/' + QUERIES + '/points/t' + i).then((a) => a.result, () => null)));
  for (const p of points) {
    if (!p) continue;
    const f = figure(p, label(p.payload), 'query');
    f.addEventListener('click', () => search(p));
    grid.appendChild(f);
  }
  status.className = 'status';
  status.textContent = count + ' test images; showing ' + grid.children.length + '.';
}

async function search(point) {
  for (const f of document.querySelectorAll('figure.query')) {
    f.classList.toggle('selected', f.dataset.id === point.id);
  }
  const selected = $('selected');
  selected.textContent = '';
  selected.appendChild(figure(point, point.id + ' ' + label(point.payload), 'chosen'));
  const latency = $('latency');
  const results = $('results');
  latency.className = 'status';
  latency.textContent = 'searching…';
  const started = performance.now();
  try {
    const answer = await api('POST', '/collections/' + COLLECTION + '/points/search', {
      vector: point.vector, limit: LIMIT, with_payload: true, with_vector: true });
    const roundTrip = performance.now() - started;
    results.textContent = '';
    answer.result.forEach((hit, rank) => {
      const f = figure(hit, '#' + (rank + 1) + ' ' + label(hit.payload) + ' ' +
        hit.score.toFixed(1), 'hit');
      f.title = hit.id + ' score ' + hit.score;
      results.appendChild(f);
    });
    latency.textContent = answer.result.length + ' neighbours in ' + answer.time_ms.toFixed(1) +
      ' ms on the server, ' + roundTrip.toFixed(1) + ' ms round trip' +
      (answer.partial ? ' (partial: shards ' + answer.missing_shards.join(', ') + ' missing)' : '') +
      '. Score: Euclidean distance, lower is closer.';
  } catch (e) {
    latency.className = 'status error';
    latency.textContent = 'search failed: ' + e.message;
  }
}

// --- Live chart: ingest rate from the point count, freshness from a probe ---------------------

const samples = [];
let lastCount = null;
let lastFreshness = null;

async function sampleCount() {
  try {
    const count = (await api('GET', '/collections/' + COLLECTION)).result.points_count;
    const now = performance.now();
    if (count !== null) {
      $('points').textContent = count.toLocaleString('en');
      if (lastCount) {
        const rate = Math.max(0, (count - lastCount.n) * 1000 / (now - lastCount.t));
        $('rate').textContent = Math.round(rate).toLocaleString('en');
        samples.push({ t: now, rate: rate, freshness: lastFreshness });
        while (samples.length && now - samples[0].t > HISTORY_S * 1000) samples.shift();
        draw();
      }
      lastCount = { n: count, t: now };
    }
  } catch (e) {
    $('points').textContent = '–';
  }
}

let probeSeq = 0;
async function probe() {
  const id = 'probe-' + Date.now() + '-' + (probeSeq++);
  const vector = [Math.random(), Math.random(), Math.random(), Math.random()];
  const started = performance.now();
  try {
    await api('PUT', '/collections/' + PROBE + '/points', { points: [{ id: id, vector: vector }] });
    for (let poll = 0; performance.now() - started < 5000; poll++) {
      // A changing last digit keeps the 1 s result cache from answering the poll.
      const q = vector.slice();
      q[3] += poll * 1e-7;
      const answer = await api('POST', '/collections/' + PROBE + '/points/search',
        { vector: q, limit: 1, consistency: 'eventual' });
      if (answer.result.length && answer.result[0].id === id) {
        lastFreshness = performance.now() - started;
        $('freshness').textContent = lastFreshness.toFixed(0);
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await api('POST', '/collections/' + PROBE + '/points/delete', { points: [id] });
  } catch (e) {
    $('freshness').textContent = '–';
  }
}

function draw() {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = 40;
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px sans-serif';
  if (samples.length < 2) return;
  const t1 = samples[samples.length - 1].t, t0 = t1 - HISTORY_S * 1000;
  const maxRate = Math.max(10, ...samples.map((s) => s.rate));
  const maxFresh = Math.max(50, ...samples.map((s) => s.freshness || 0));
  const x = (t) => pad + (w - 2 * pad) * (t - t0) / (t1 - t0);
  const series = [
    { key: 'rate', max: maxRate, color: '#1c7ed6', label: 'ingest points/s (max ' + Math.round(maxRate) + ')' },
    { key: 'freshness', max: maxFresh, color: '#d9480f', label: 'freshness ms (max ' + Math.round(maxFresh) + ')' },
  ];
  series.forEach((s, i) => {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.beginPath();
    let started = false;
    for (const p of samples) {
      const v = p[s.key];
      if (v === null || v === undefined) continue;
      const y = h - pad / 2 - (h - pad) * v / s.max;
      if (started) ctx.lineTo(x(p.t), y); else ctx.moveTo(x(p.t), y);
      started = true;
    }
    ctx.stroke();
    ctx.fillText(s.label, pad + i * 260, 14);
  });
  ctx.fillStyle = '#777';
  ctx.fillText('last ' + HISTORY_S + ' s', w - pad - 60, h - 4);
}

$('collection-name').textContent = COLLECTION;
$('probe-name').textContent = PROBE;
$('shuffle').addEventListener('click', loadQueries);

(async function start() {
  await loadQueries();
  const first = params.get('search');
  if (first) {
    try {
      await search((await api('GET', '/collections/' + QUERIES + '/points/' +
        encodeURIComponent(first))).result);
    } catch (e) {
      $('latency').className = 'status error';
      $('latency').textContent = 'cannot read test image ' + first + ': ' + e.message;
    }
  }
  if (params.get('live') !== '0') {
    try {
      await api('PUT', '/collections/' + PROBE, { dimension: 4, metric: 'l2' });
    } catch (e) {
      // Already there with the same spec is fine; anything else shows as a missing freshness.
    }
    setInterval(sampleCount, 1000);
    setInterval(probe, 2000);
  }
})();
