// The saescope dashboard: one page that reads location.pathname (history API), so every view has
// its own URL. Every token and user text is put in the page with textContent, never as HTML.
import uPlot from '/webjars/uplot/uPlot.esm.js';

const main = document.getElementById('main');
let closers = [];

/** An element with text children only: strings become text nodes, never markup. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function link(href, text) {
  return el('a', { href, text, onclick: (ev) => { ev.preventDefault(); go(href); } });
}

async function api(path, options) {
  const r = await fetch(path, options);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.status);
  return body;
}

function fmt(x, d = 3) { return x === null || x === undefined ? '–' : Number(x).toFixed(d); }

function go(href) { history.pushState({}, '', href); route(); }
window.addEventListener('popstate', route);

function route() {
  closers.forEach((c) => c());
  closers = [];
  main.replaceChildren();
  const p = location.pathname.split('/').filter((s) => s).map(decodeURIComponent);
  let view;
  if (p.length === 0) view = runsView();
  else if (p[0] === 'runs' && p.length === 2) view = runView(p[1]);
  else if (p[0] === 'runs' && p[2] === 'latents' && p.length === 5) view = cardView(p[1], p[3], p[4]);
  else if (p[0] === 'runs' && p[2] === 'items' && p.length === 4) view = itemView(p[1], p[3]);
  else view = Promise.reject(new Error('no such page: ' + location.pathname));
  view.catch((e) => main.append(el('p', { class: 'error', id: 'error', text: String(e.message || e) })));
}

async function runsView() {
  document.title = 'saescope: runs';
  const runs = await api('/api/runs');
  const t = el('table', { id: 'runs' }, el('tr', {}, el('th', { text: 'run' }), el('th', { text: 'tasks done' }), el('th', { text: 'expected' })));
  for (const r of runs) {
    t.append(el('tr', {}, el('td', {}, link('/runs/' + encodeURIComponent(r.run_id), r.run_id)),
      el('td', { text: r.tasks_done }), el('td', { text: r.tasks_expected ?? '?' })));
  }
  main.append(el('h1', { text: 'Runs' }), t);
}

function progressBox(run) {
  const box = el('div', { id: 'progress' }, el('span', { text: 'waiting for progress…' }));
  const es = new EventSource('/api/runs/' + encodeURIComponent(run) + '/events');
  es.addEventListener('progress', (ev) => {
    const s = JSON.parse(ev.data);
    const bar = el('progress', { class: 'progress', max: s.tasks_expected || s.tasks_done || 1, value: s.tasks_done });
    box.replaceChildren(bar, el('span', { id: 'progress-text',
      text: ` ${s.tasks_done} of ${s.tasks_expected ?? '?'} tasks${s.tasks_submitted ? ` (${s.tasks_submitted} sent in here)` : ''}, ${fmt(s.tasks_per_second, 1)} tasks/s, ETA ${s.eta_seconds === null ? '–' : fmt(s.eta_seconds, 0) + ' s'}` }));
    box.dispatchEvent(new CustomEvent('progress', { detail: s }));
  });
  closers.push(() => es.close());
  return box;
}

/** Layers are whole numbers: ticks only at integer steps, their labels kept for the tests. */
function layerAxis(box) {
  return { incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, splits) => {
    const labels = splits.map((v) => (Number.isInteger(v) ? String(v) : ''));
    box.dataset.xTicks = labels.filter((v) => v !== '').join(' ');
    return labels;
  } };
}

/** A line chart of estimates per layer with their CI bands (uPlot's band fill). */
function ciChart(title, layers, series, id) {
  const x = layers.map((l) => l.layer);
  const data = [x];
  const box = el('div', id ? { class: 'chart layer-chart', id } : { class: 'chart layer-chart' });
  const opts = { title, width: 560, height: 260, series: [{ label: 'layer' }], bands: [], scales: { x: { time: false } }, axes: [layerAxis(box), {}] };
  // Tableau 10: the per-family chart can have as many series as the dataset has families.
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  series.forEach((s, i) => {
    const v = layers.map(s.get);
    data.push(v.map((e) => (e ? e.value : null)), v.map((e) => (e ? e.ci_low : null)), v.map((e) => (e ? e.ci_high : null)));
    const c = colors[i % colors.length];
    const base = 1 + i * 3;
    opts.series.push({ label: s.label, stroke: c }, { label: s.label + ' lo', stroke: c, dash: [4, 4], width: 0.5 }, { label: s.label + ' hi', stroke: c, dash: [4, 4], width: 0.5 });
    opts.bands.push({ series: [base + 2, base + 1], fill: c + '33' });
  });
  new uPlot(opts, data, box);
  return box;
}

function e2a(rows, comparison, rep) {
  return (l) => l.e2a.find((r) => r.comparison === comparison && r.representation === rep)?.delta;
}

/** The evasive families of the report's split rows {@code direct_vs_evasive[family=...]}, sorted. */
function families(layers) {
  const out = new Set();
  for (const l of layers) {
    for (const r of l.e2a) {
      const m = /^direct_vs_evasive\[family=(.*)\]$/.exec(r.comparison);
      if (m) out.add(m[1]);
    }
  }
  return [...out].sort();
}

async function runView(run) {
  document.title = 'saescope: ' + run;
  main.append(el('h1', { id: 'title', text: 'Run ' + run }), progressBox(run));
  const form = promptForm(run);
  const browser = latentBrowser(run);
  try {
    const layers = await api('/api/runs/' + encodeURIComponent(run) + '/layers');
    const ls = layers.layers;
    main.append(el('h2', { text: 'Per layer' }),
      el('p', { id: 'verdicts', text: (layers.verdicts || []).join(' ') }),
      ciChart('E1a drift: cos(h_l, h_l+1) at q_end', ls.filter((l) => l.drift), [
        { label: 'next layer', get: (l) => l.drift?.next_q_end }, { label: 'final layer', get: (l) => l.drift?.final_q_end }]),
      ciChart('E2a: d(direct) - d(evasive), and controls', ls, [
        { label: 'vs evasive (h)', get: e2a(ls, 'direct_vs_evasive', 'h') },
        { label: 'vs counterfactual (h)', get: e2a(ls, 'direct_vs_counterfactual', 'h') },
        { label: 'vs other item (h)', get: e2a(ls, 'direct_vs_other_item', 'h') },
        { label: 'vs evasive (z)', get: e2a(ls, 'direct_vs_evasive', 'z') }]));
    const fs = families(ls);
    if (fs.length) {
      main.append(ciChart('E2a per evasive family: d(direct) - d(evasive) (h)', ls,
        fs.map((f) => ({ label: f, get: e2a(ls, `direct_vs_evasive[family=${f}]`, 'h') })), 'e2a-families'));
    }
  } catch (e) {
    main.append(el('p', { class: 'muted', text: 'No per-layer statistics yet: ' + e.message }));
  }
  main.append(browser, form);
}

function latentBrowser(run) {
  const layer = el('input', { id: 'latent-layer', type: 'number', min: '0', value: '1' });
  const sort = el('select', { id: 'latent-sort' }, el('option', { value: 'frequency', text: 'frequency' }), el('option', { value: 'max', text: 'max activation' }), el('option', { value: 'index', text: 'index' }));
  const q = el('input', { id: 'latent-q', placeholder: 'promoted token' });
  const index = el('input', { id: 'latent-index', type: 'number', min: '0', placeholder: 'index' });
  const out = el('div', { id: 'latent-results' });
  const search = async () => {
    try {
      const r = await api(`/api/runs/${encodeURIComponent(run)}/latents?layer=${encodeURIComponent(layer.value)}&sort=${sort.value}&q=${encodeURIComponent(q.value)}`);
      const t = el('table', {}, el('tr', {}, ...['latent', 'fires', 'frequency', 'max', 'promotes'].map((h) => el('th', { text: h }))));
      for (const l of r.latents) {
        t.append(el('tr', {}, el('td', {}, link(`/runs/${encodeURIComponent(run)}/latents/${r.layer}/${l.latent}`, String(l.latent))),
          el('td', { text: l.fires }), el('td', { text: fmt(l.frequency) }), el('td', { text: fmt(l.max) }),
          el('td', {}, ...(l.top_tokens || []).map((s) => el('span', { class: 'tok', text: s })))));
      }
      out.replaceChildren(el('p', { text: `${r.matched} latents (SAE ${r.sae_id})` }), t);
    } catch (e) { out.replaceChildren(el('p', { class: 'error', text: e.message })); }
  };
  return el('section', {}, el('h2', { text: 'Latents' }),
    el('form', { id: 'latent-search', onsubmit: (ev) => { ev.preventDefault(); search(); } },
      'layer ', layer, ' sort ', sort, ' ', q, ' ', el('button', { type: 'submit', text: 'search' }), ' or open ', index,
      el('button', { type: 'button', id: 'latent-open', text: 'open', onclick: () => go(`/runs/${encodeURIComponent(run)}/latents/${layer.value}/${index.value}`) })),
    out);
}

function promptForm(run) {
  const f = (id, label) => el('label', {}, label, el('br'), el('input', { id, name: id }));
  const status = el('div', { id: 'prompt-status' });
  const form = el('form', { id: 'prompt-form' },
    f('p-subject', 'subject'), f('p-objects', 'gold object'), f('p-question', 'question'),
    f('p-direct', 'direct answer'), f('p-evasive', 'evasive answer'),
    el('button', { type: 'submit', text: 'send into the pipeline' }), status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (id) => document.getElementById(id).value;
    const item = { relation: 'user', subject: v('p-subject'), objects: [v('p-objects')], question: v('p-question'),
      direct_answers: [v('p-direct')], evasive_answers: [v('p-evasive')] };
    try {
      const r = await api('/api/prompts?run=' + encodeURIComponent(run), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(item) });
      status.replaceChildren(el('p', { id: 'prompt-accepted', text: `accepted: ${r.tasks.length} tasks for item ` }),
        link(`/runs/${encodeURIComponent(r.run_id)}/items/${encodeURIComponent(r.item_id)}`, r.item_id));
    } catch (e) { status.replaceChildren(el('p', { class: 'error', id: 'prompt-error', text: e.message })); }
  });
  return el('section', {}, el('h2', { text: 'Ask a new question' }), form);
}

/** Tokens of a context, the activating one outlined, each shaded by its share of the maximum. */
function tokens(list, at, alpha) {
  return el('div', { class: 'ctx' }, ...list.map((t, i) => {
    const s = el('span', { class: 'tok' + (i === at ? ' at' : ''), text: t });
    if (i === at) s.style.backgroundColor = `rgba(255, 120, 0, ${alpha})`;
    return s;
  }));
}

async function cardView(run, layer, index) {
  document.title = `saescope: latent ${layer}/${index}`;
  const c = await api(`/api/runs/${encodeURIComponent(run)}/latents/${encodeURIComponent(layer)}/${encodeURIComponent(index)}`);
  main.append(el('h1', { id: 'title', text: `Latent ${c.latent} of ${c.sae_id} (layer ${c.layer})` }),
    link('/runs/' + encodeURIComponent(run), 'back to run ' + run),
    el('p', { id: 'card-stats', text: `fires ${c.fires} times, frequency ${fmt(c.frequency, 4)}, max ${fmt(c.max)}` }));
  const ctx = el('section', { id: 'contexts' }, el('h2', { text: 'Top contexts' }));
  for (const x of c.top) {
    ctx.append(el('div', {}, el('span', { class: 'muted', text: fmt(x.value) + ' ' }), link(`/runs/${encodeURIComponent(run)}/items/${encodeURIComponent(x.item_id)}`, x.item_id), tokens(x.tokens, x.at, c.max > 0 ? x.value / c.max : 0)));
  }
  const h = c.histogram.filter((b) => b.count > 0);
  const hist = el('div', { class: 'chart', id: 'histogram' });
  new uPlot({ title: 'Activation histogram (log bins)', width: 560, height: 220, scales: { x: { time: false, distr: 3 } },
    series: [{ label: 'activation' }, { label: 'count', stroke: '#1f77b4', fill: '#1f77b455', paths: uPlot.paths.bars({ size: [0.8] }) }] },
  [h.map((b) => Math.max(b.lower, 1e-4)), h.map((b) => b.count)], hist);
  main.append(ctx, el('h2', { text: 'Histogram' }), hist);
  if (c.logit_effects) {
    const list = (id, xs) => el('ol', { id }, ...xs.map((t) => el('li', {}, el('span', { class: 'tok', text: t.text }), ' ' + fmt(t.value))));
    main.append(el('h2', { text: 'Logit effects' }), el('p', { text: 'promotes' }), list('promoted', c.logit_effects.promoted),
      el('p', { text: 'suppresses' }), list('suppressed', c.logit_effects.suppressed));
  }
}

async function itemView(run, item) {
  document.title = 'saescope: item ' + item;
  main.append(el('h1', { id: 'title', text: 'Item ' + item }), link('/runs/' + encodeURIComponent(run), 'back to run ' + run));
  const body = el('div', { id: 'item-body' }, el('p', { id: 'item-waiting', text: 'waiting for results…' }));
  const progress = progressBox(run);
  main.append(progress, body);
  const load = async () => {
    try { renderItem(body, await api(`/api/runs/${encodeURIComponent(run)}/items/${encodeURIComponent(item)}`), run); }
    catch (e) { body.replaceChildren(el('p', { id: 'item-waiting', text: 'waiting for results… (' + e.message + ')' })); }
  };
  progress.addEventListener('progress', load);
  await load();
}

/** The lens top-1 token as text (untrusted: textContent only), or its id when the run lacks it. */
function lensTop1(l) {
  if (l.lens_top1 === null || l.lens_top1 === undefined) return '–';
  if (l.lens_top1_text === null || l.lens_top1_text === undefined) return el('span', { class: 'muted lens-id', text: 'id ' + l.lens_top1 });
  return el('span', { class: 'tok lens-text', title: 'id ' + l.lens_top1, text: l.lens_top1_text });
}

function renderItem(body, o, run) {
  const out = [];
  for (const t of o.tasks) {
    const sec = el('section', { class: 'task' }, el('h2', { text: `${t.variant}${t.family ? ' (' + t.family + ')' : ''}: ${t.task_id}` }),
      tokens(t.tokens, -1, 0));
    const lens = el('table', { class: 'lens' }, el('tr', {}, el('th', { text: 'layer' }), el('th', { text: 'lens top-1 at q_end' }), el('th', { text: 'KL bits' })));
    for (const l of t.layers) lens.append(el('tr', {}, el('td', { text: l.layer + ' ' + l.site }), el('td', {}, lensTop1(l)), el('td', { text: fmt(l.kl_bits) })));
    sec.append(lens);
    for (const l of t.layers.filter((x) => x.sae_id)) {
      const max = Math.max(1e-9, ...l.map.flatMap((m) => m.values.map((v) => v || 0)));
      const map = el('table', { class: 'datamap' }, el('tr', {}, el('th', { text: 'token' }), el('th', { text: 'recon error' }), el('th', { text: 'top latents' })));
      l.map.forEach((m) => {
        const cells = m.latents.map((id, k) => {
          const td = el('td', {}, link(`/runs/${encodeURIComponent(run)}/latents/${l.layer}/${id}`, String(id)));
          td.style.backgroundColor = `rgba(255, 120, 0, ${(m.values[k] || 0) / max})`;
          return td;
        });
        map.append(el('tr', {}, el('td', {}, el('span', { class: 'tok', text: t.tokens[m.position] })), el('td', { text: fmt(l.recon_error[m.position]) }), ...cells));
      });
      sec.append(el('h3', { text: `layer ${l.layer} ${l.sae_id}: tokens × top latents` }), map);
    }
    out.push(sec);
  }
  body.replaceChildren(...out);
}

route();
