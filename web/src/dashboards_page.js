// Dashboards: the list (#/dashboards: the shipped GuardDuty overview and the saved ones, and a
// form to create one) and a dashboard (#/dashboard?id=): its saved visualizations on a grid 12
// columns wide, with the query bar, the time range and the filters applying to every panel, a
// click on a bucket filtering all of them, and live refresh. Edit adds panels, moves and resizes
// them (buttons, so the keyboard does it too) and removes them; Save keeps the layout on the
// server, refusing to overwrite a newer save.
import { search, ApiError, reportError } from './api.js';
import { el } from './dom.js';
import { QueryControls, LiveControl, withFilter } from './controls.js';
import { formatCount, formatTime } from './format.js';
import { listObjects, getObject, saveObject, deleteObject } from './objects.js';
import { normalizeVis, checkVis, visRequest, visData, bucketFilter } from './visualization.js';
import { VisPanel } from './vis_panel.js';
import { addPanel, movePanel, resizePanel, removePanel, readingOrder, COLUMNS } from './grid.js';
import { spanOf } from './visualize_page.js';

const INDEX = 'findings';
const ROW_PX = 64; // the height of a grid row

export class DashboardList {
  constructor(root) {
    this.root = root;
    this.root.dataset.state = 'loading';
    this.status = el('p', { id: 'list-status', role: 'status' });
    this.list = el('div', { id: 'dash-list' });
    this.titleInput = el('input', { id: 'new-dashboard-title', type: 'text', maxlength: 200, placeholder: 'Title of a new dashboard', 'aria-label': 'Title of a new dashboard' });
    const form = el('form', { class: 'toolbar', onsubmit: (e) => { e.preventDefault(); this.create(); } },
      this.titleInput, el('button', { type: 'submit', id: 'create-dashboard' }, 'Create dashboard'));
    root.replaceChildren(el('h1', {}, 'Dashboards'), form, this.status, this.list);
    this.load();
  }

  async create() {
    const title = this.titleInput.value.trim();
    if (!title) { this.status.textContent = 'Give the dashboard a title.'; return; }
    try {
      const d = await saveObject('dashboard', null, { title, panels: [] });
      location.hash = `#/dashboard?id=${encodeURIComponent(d.id)}&edit=1`;
    } catch (e) { this.status.textContent = `Not created: ${reportError(e)}`; }
  }

  async load() {
    try {
      const objects = await listObjects('dashboard');
      this.list.replaceChildren(el('ul', { class: 'objects' },
        el('li', {}, el('a', { href: '#/overview' }, 'GuardDuty overview'), ' (shipped)'),
        objects.map((o) => {
          const del = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${o.attributes.title}` }, 'Delete');
          del.addEventListener('click', async () => {
            if (del.dataset.confirm !== 'yes') { del.dataset.confirm = 'yes'; del.textContent = 'Really delete?'; return; }
            try { await deleteObject('dashboard', o.id, o.version); this.load(); } catch (e) { this.status.textContent = reportError(e); }
          });
          return el('li', { 'data-id': o.id }, el('a', { href: `#/dashboard?id=${encodeURIComponent(o.id)}` }, o.attributes.title),
            ` · ${o.attributes.panels.length} ${o.attributes.panels.length === 1 ? 'panel' : 'panels'} · saved ${formatTime(o.updated_at)} `, del);
        })));
      this.root.dataset.state = 'ready';
    } catch (e) {
      this.status.textContent = reportError(e);
      this.root.dataset.state = 'error';
    }
  }

  dispose() {}
}

export class Dashboard {
  constructor(root, state, onState, params) {
    this.root = root;
    this.state = state;
    this.onState = onState;
    this.id = params.get('id');
    this.editing = params.get('edit') === '1';
    this.dashboard = null; // {version, attributes}
    this.panels = [];
    this.visualizations = new Map(); // id → normalized attributes, or null when missing
    this.views = new Map(); // panel element → VisPanel
    this.controller = null;
    this.root.dataset.state = 'loading';
    this.start();
  }

  async start() {
    try {
      const [d, all] = await Promise.all([getObject('dashboard', this.id), listObjects('visualization')]);
      this.dashboard = d;
      this.panels = d.attributes.panels.map((p) => ({ ...p }));
      for (const o of all) this.visualizations.set(o.id, normalizeVis(o.attributes));
      this.build();
      this.layout();
      this.run();
    } catch (e) {
      this.root.replaceChildren(el('p', { class: 'error', role: 'alert' },
        e.status === 404 ? `There is no saved dashboard [${this.id}].` : reportError(e)),
      el('a', { href: '#/dashboards' }, 'Back to the dashboards'));
      this.root.dataset.state = 'error';
    }
  }

  setState(patch) {
    this.state = { ...this.state, ...patch };
    this.onState(this.state);
    this.run();
  }

  build() {
    this.controls = new QueryControls(this.state, {
      onSubmit: (patch) => this.setState(patch),
      onRemoveFilter: (i) => this.setState({ filters: this.state.filters.filter((_, j) => j !== i) }),
    });
    this.total = el('div', { id: 'total', class: 'total', role: 'status', 'aria-live': 'polite' });
    this.live = new LiveControl(() => this.run());
    this.status = el('span', { id: 'dash-status', role: 'status' });
    this.editButton = el('button', { type: 'button', id: 'dash-edit', onclick: () => this.setEditing(!this.editing) });
    this.saveButton = el('button', { type: 'button', id: 'dash-save', onclick: () => this.save() }, 'Save');
    this.addSelect = el('select', { id: 'dash-add-vis', 'aria-label': 'Visualization to add' });
    this.addButton = el('button', { type: 'button', id: 'dash-add', onclick: () => this.add() }, 'Add panel');
    this.editBar = el('span', { class: 'editbar' }, this.addSelect, this.addButton, this.saveButton);
    this.grid = el('div', { id: 'dash-grid', class: 'dash-grid' });
    this.heading = el('h1', {}, el('a', { href: '#/dashboards' }, 'Dashboards'), ' / ', this.dashboard.attributes.title);
    this.root.replaceChildren(this.heading, el('div', { class: 'toolbar' }, this.editButton, this.editBar, this.status),
      ...this.controls.elements(), el('div', { class: 'status' }, this.total, this.live.element), this.grid);
    this.setEditing(this.editing);
  }

  setEditing(on) {
    this.editing = on;
    this.root.classList.toggle('editing', on);
    this.editButton.textContent = on ? 'Done' : 'Edit';
    this.editButton.setAttribute('aria-pressed', String(on));
    this.editBar.hidden = !on;
    const options = [...this.visualizations.entries()].sort((a, b) => a[1].title.localeCompare(b[1].title));
    this.addSelect.replaceChildren(...(options.length
      ? options.map(([id, v]) => el('option', { value: id }, v.title))
      : [el('option', { value: '' }, 'No saved visualizations: make one in Visualize')]));
    this.addButton.disabled = options.length === 0;
    if (this.grid) this.layout();
  }

  add() {
    if (!this.addSelect.value) return;
    this.panels = addPanel(this.panels, this.addSelect.value);
    this.dirty();
    this.layout();
    this.run();
  }

  dirty() { this.status.textContent = 'Unsaved changes'; }

  // Places the panels on the grid (in reading order, for the keyboard), keeping the chart of a
  // panel that stays; true when a panel was made (and has no data yet).
  layout() {
    let created = false;
    const order = readingOrder(this.panels);
    const old = [...this.grid.children];
    const boxes = order.map((i) => {
      const p = this.panels[i];
      let box = old.find((b) => Number(b.dataset.index) === i && b.dataset.visualization === p.visualization);
      if (!box) {
        box = this.panelBox(p);
        created = true;
      }
      box.dataset.index = String(i);
      box.dataset.x = String(p.x);
      box.dataset.y = String(p.y);
      box.dataset.w = String(p.w);
      box.dataset.h = String(p.h);
      box.style.gridColumn = `${p.x + 1} / span ${p.w}`;
      box.style.gridRow = `${p.y + 1} / span ${p.h}`;
      box.querySelector('.panel-tools').hidden = !this.editing;
      return box;
    });
    for (const b of old) {
      if (!boxes.includes(b)) { this.views.get(b)?.dispose(); this.views.delete(b); }
    }
    this.grid.replaceChildren(...boxes);
    this.grid.style.gridAutoRows = `${ROW_PX}px`;
    if (boxes.length === 0) {
      this.grid.append(el('p', { class: 'empty' }, this.editing ? 'An empty dashboard: add a saved visualization above.' : 'An empty dashboard: press Edit to add panels.'));
    }
    for (const v of this.views.values()) if (v.chart) v.fit();
    return created;
  }

  panelBox(p) {
    const vis = this.visualizations.get(p.visualization);
    const title = vis?.title ?? 'Missing visualization';
    const body = el('div', { class: 'panel-body' });
    const index = () => Number(box.dataset.index);
    const tool = (label, text, f) => el('button', {
      type: 'button', 'aria-label': `${label}: ${title}`, title: label,
      onclick: () => { this.panels = f(index()); this.dirty(); if (this.layout()) this.run(); },
    }, text);
    const tools = el('span', { class: 'panel-tools' },
      tool('Move left', '←', (i) => movePanel(this.panels, i, -1, 0)),
      tool('Move right', '→', (i) => movePanel(this.panels, i, 1, 0)),
      tool('Move up', '↑', (i) => movePanel(this.panels, i, 0, -1)),
      tool('Move down', '↓', (i) => movePanel(this.panels, i, 0, 1)),
      tool('Narrower', '−w', (i) => resizePanel(this.panels, i, -1, 0)),
      tool('Wider', '+w', (i) => resizePanel(this.panels, i, 1, 0)),
      tool('Shorter', '−h', (i) => resizePanel(this.panels, i, 0, -1)),
      tool('Taller', '+h', (i) => resizePanel(this.panels, i, 0, 1)),
      tool('Remove', '✕', (i) => removePanel(this.panels, i)));
    const box = el('section', { class: 'panel dash-panel', 'data-visualization': p.visualization, 'aria-label': title },
      el('header', {}, el('h2', {}, title), tools), body);
    if (!vis) {
      body.append(el('p', { class: 'empty' }, `The visualization [${p.visualization}] was deleted.`));
    } else {
      this.views.set(box, new VisPanel(body, {
        onBucket: (row) => {
          const f = bucketFilter(vis, row);
          if (f) this.setState({ filters: withFilter(this.state.filters, f.field, f.value, false) });
        },
        onRange: (from, to) => {
          this.controls.syncRange({ from, to });
          this.setState({ range: { from, to } });
        },
      }));
    }
    return box;
  }

  // Every panel's search at once; each panel draws its own answer or its own error.
  async run() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.root.dataset.state = 'loading';
    this.controls.showError(null);
    this.controls.renderPills(this.state.filters);
    let span;
    try {
      span = spanOf(this.state.range);
    } catch (e) {
      this.controls.showError(e.message);
      this.root.dataset.state = 'error';
      return;
    }
    const { from, to, interval } = span;
    const page = { query: this.state.query, syntax: this.state.syntax, filters: this.state.filters, from, to };
    const countBody = visRequest({ kind: 'metric', metric: { type: 'count' }, buckets: { type: 'none' } }, page);
    const jobs = [...this.views.entries()].map(async ([box, view]) => {
      const vis = this.visualizations.get(box.dataset.visualization);
      const problems = checkVis(vis);
      if (problems.length) { view.element.textContent = problems.join(' '); return; }
      const res = await search(INDEX, visRequest(vis, page, interval), { signal: controller.signal });
      if (controller === this.controller) view.update(vis, visData(vis, res), interval.ms);
    });
    try {
      const [count] = await Promise.all([search(INDEX, countBody, { signal: controller.signal }), ...jobs]);
      if (controller !== this.controller) return;
      const n = count.hits.total.value;
      this.total.textContent = `${formatCount(n)} ${n === 1 ? 'finding' : 'findings'}`;
      this.total.dataset.count = String(n);
      this.root.dataset.state = 'ready';
    } catch (e) {
      if (e.name === 'AbortError') return;
      this.controls.showError(e instanceof ApiError && e.status >= 400 && e.status < 500 ? `The query is wrong: ${e.message}` : reportError(e));
      this.root.dataset.state = 'error';
    }
  }

  async save() {
    this.status.textContent = 'Saving…';
    try {
      const attributes = { ...this.dashboard.attributes, panels: this.panels };
      const saved = await saveObject('dashboard', this.id, attributes, this.dashboard.version);
      this.dashboard = saved;
      this.status.textContent = `Saved (version ${saved.version}).`;
      this.status.dataset.version = String(saved.version);
    } catch (e) {
      this.status.textContent = e.status === 409
        ? 'Not saved: somebody else saved this dashboard meanwhile. Reload it to see their version.'
        : `Not saved: ${reportError(e)}`;
    }
  }

  dispose() {
    this.live?.stop();
    this.controller?.abort();
    for (const v of this.views.values()) v.dispose();
  }
}

export { COLUMNS };
