// The diffusion4j demo page: draws on a canvas, posts a run to /api/run and shows the
// server-sent events of its answer (read from the fetch body, since EventSource cannot POST).
'use strict';

const $ = (id) => document.getElementById(id);
const draw = $('draw');
const overlay = $('overlay');
const dctx = draw.getContext('2d');
const octx = overlay.getContext('2d');
// the mask as the server takes it: white = regenerate, on black
const maskCanvas = document.createElement('canvas');
maskCanvas.width = draw.width;
maskCanvas.height = draw.height;
const mctx = maskCanvas.getContext('2d');

let current = null; // {id, controller} of the run in progress

function clearAll() {
  dctx.fillStyle = '#000';
  dctx.fillRect(0, 0, draw.width, draw.height);
  octx.clearRect(0, 0, overlay.width, overlay.height);
  mctx.fillStyle = '#000';
  mctx.fillRect(0, 0, maskCanvas.width, maskCanvas.height);
}

function strokeOn(ctx, from, to, style, width) {
  ctx.strokeStyle = style;
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(from.x, from.y);
  ctx.lineTo(to.x, to.y);
  ctx.stroke();
}

let last = null;
function point(e) {
  const r = overlay.getBoundingClientRect();
  return { x: (e.clientX - r.left) * overlay.width / r.width,
           y: (e.clientY - r.top) * overlay.height / r.height };
}
overlay.addEventListener('pointerdown', (e) => {
  last = point(e);
  overlay.setPointerCapture(e.pointerId);
  paint(last, last);
});
overlay.addEventListener('pointermove', (e) => {
  if (last) {
    const p = point(e);
    paint(last, p);
    last = p;
  }
});
overlay.addEventListener('pointerup', () => { last = null; });
overlay.addEventListener('pointercancel', () => { last = null; });

function paint(from, to) {
  if ($('mask-mode').checked) {
    strokeOn(octx, from, to, 'rgba(255, 0, 0, 0.45)', 40);
    strokeOn(mctx, from, to, '#fff', 40);
  } else {
    strokeOn(dctx, from, to, '#fff', 22);
  }
}

function option(select, value, text) {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  select.appendChild(o);
}

function setStatus(text, error) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

function updateRows() {
  const t = $('technique').value;
  const isIf = $('model').value === 'if';
  $('prompt-row').classList.toggle('hidden', !isIf);
  $('digit-row').classList.toggle('hidden', isIf);
  $('technique').disabled = isIf;
  if (isIf) { $('technique').value = 'sample'; }
  $('digit2-row').classList.toggle('hidden', isIf || (t !== 'anagram' && t !== 'hybrid'));
  $('view-row').classList.toggle('hidden', isIf || t !== 'anagram');
  $('strength-row').classList.toggle('hidden', isIf || t !== 'sdedit');
  $('digit-label').textContent = {
    sample: 'digit', sdedit: 'target digit', inpaint: 'digit to fill in',
    anagram: 'digit upright', hybrid: 'digit from afar (low frequencies)' }[t] || 'digit';
  $('digit2-label').textContent = t === 'hybrid' ? 'digit up close (high frequencies)'
    : 'digit in the view';
}

async function loadConfig() {
  const config = await (await fetch('api/config')).json();
  for (let d = 0; d <= 9; d++) {
    option($('digit'), d, d);
    option($('digit2'), d, d);
    option($('test-digit'), d, d);
  }
  $('digit').value = '8';
  $('digit2').value = '9';
  for (const s of config.samplers) { option($('sampler'), s, s); }
  $('sampler').value = config.samplers.includes('dpm++') ? 'dpm++' : config.samplers[0];
  for (const v of config.views) { option($('view'), v, v); }
  $('view').value = config.views.includes('rot180') ? 'rot180' : config.views[0];
  $('steps').max = config.limits.steps;
  $('guidance').max = config.limits.guidance;
  $('test-index').max = config.limits.digitsPerClass - 1;
  $('model-row').classList.toggle('hidden', !config.models.includes('if'));
  updateRows();
}

async function loadDigit() {
  const url = 'api/digit?digit=' + $('test-digit').value + '&index=' + ($('test-index').value || 0);
  const res = await fetch(url);
  if (!res.ok) {
    setStatus((await res.json()).error, true);
    return;
  }
  const img = new Image();
  img.onload = () => {
    dctx.imageSmoothingEnabled = false;
    dctx.drawImage(img, 0, 0, draw.width, draw.height);
    URL.revokeObjectURL(img.src);
  };
  img.src = URL.createObjectURL(await res.blob());
}

function request() {
  const model = $('model').value;
  const r = {
    technique: $('technique').value,
    sampler: $('sampler').value,
    steps: Number($('steps').value),
    seed: Number($('seed').value),
    guidance: Number($('guidance').value),
  };
  if (model === 'if') {
    r.model = 'if';
    r.prompt = $('prompt').value;
    r.negativePrompt = $('negative-prompt').value;
    return r;
  }
  r.digit = Number($('digit').value);
  if (r.technique === 'anagram' || r.technique === 'hybrid') { r.digit2 = Number($('digit2').value); }
  if (r.technique === 'anagram') { r.view = $('view').value; }
  if (r.technique === 'sdedit') { r.strength = Number($('strength').value); }
  if (r.technique === 'sdedit' || r.technique === 'inpaint') { r.image = draw.toDataURL('image/png'); }
  if (r.technique === 'inpaint') { r.mask = maskCanvas.toDataURL('image/png'); }
  return r;
}

function onEvent(name, data) {
  if (name === 'queued') {
    current.id = data.id;
    $('stop').disabled = false;
    setStatus(data.ahead > 0 ? 'queued: ' + data.ahead + ' run(s) ahead' : 'starting');
  } else if (name === 'started') {
    setStatus('running');
  } else if (name === 'step') {
    const c = $('counter');
    c.dataset.frames = String(Number(c.dataset.frames) + 1);
    c.textContent = 'step ' + data.step + ' / ' + data.total + '  (t = ' + data.timestep + ')';
    $('xt').src = data.xt;
    $('x0').src = data.x0;
  } else if (name === 'done') {
    $('final').src = data.images[0];
    $('download-png').href = data.images[0];
    $('download-gif').href = data.gif;
    $('download-png').classList.remove('hidden');
    $('download-gif').classList.remove('hidden');
    setStatus('done in ' + data.seconds.toFixed(2) + ' s');
    document.body.dataset.state = 'done';
  } else if (name === 'cancelled') {
    setStatus('stopped');
    document.body.dataset.state = 'cancelled';
  } else if (name === 'error') {
    setStatus('error: ' + data.error, true);
    document.body.dataset.state = 'error';
  }
}

async function run() {
  if (current) { return; }
  const controller = new AbortController();
  current = { id: null, controller };
  document.body.dataset.state = 'running';
  $('run').disabled = true;
  $('counter').dataset.frames = '0';
  $('counter').textContent = 'step 0 / ' + $('steps').value;
  $('download-png').classList.add('hidden');
  $('download-gif').classList.add('hidden');
  setStatus('sending');
  try {
    const res = await fetch('api/run', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(request()), signal: controller.signal });
    if (!res.ok) {
      const e = await res.json().catch(() => ({ error: res.statusText }));
      setStatus('refused (' + res.status + (e.field ? ', ' + e.field : '') + '): ' + e.error, true);
      document.body.dataset.state = 'refused';
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) { break; }
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) { name = line.slice(7); }
          else if (line.startsWith('data: ')) { data += line.slice(6); }
        }
        if (data) { onEvent(name, JSON.parse(data)); }
      }
    }
  } catch (e) {
    if (e.name !== 'AbortError') { setStatus('connection lost: ' + e.message, true); }
  } finally {
    current = null;
    $('run').disabled = false;
    $('stop').disabled = true;
  }
}

async function stop() {
  if (!current) { return; }
  const { id, controller } = current;
  if (id) {
    await fetch('api/runs/' + encodeURIComponent(id) + '/stop', { method: 'POST' }).catch(() => {});
  }
  controller.abort(); // a client that leaves cancels its run as well
  setStatus('stopped');
  document.body.dataset.state = 'cancelled';
}

$('clear').addEventListener('click', clearAll);
$('load-digit').addEventListener('click', loadDigit);
$('technique').addEventListener('change', updateRows);
$('model').addEventListener('change', () => {
  // each model's default guidance: 5 for the MNIST UNet, 7 for IF (Pipeline's constants)
  $('guidance').value = $('model').value === 'if' ? '7' : '5';
  updateRows();
});
$('run').addEventListener('click', run);
$('stop').addEventListener('click', stop);
clearAll();
loadConfig().then(() => { document.body.dataset.ready = 'true'; },
  (e) => setStatus('cannot read the server config: ' + e.message, true));
