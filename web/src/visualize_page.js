// Visualize: the list of saved visualizations (#/visualize) and the editor (#/visualize/edit,
// ?id= for a saved one, ?kind= for a new one): kind, metric, buckets and fields picked from the
// mapping, the visualization's own query and filters, a live preview over the chosen time range,
// and Save (kept by the server under /api/objects; a save over a newer one is refused).
import { search, mapping, ApiError, reportError } from './api.js';
import { el } from './dom.js';
import { QueryControls, withFilter } from './controls.js';
import { resolveRange, pickInterval } from './timerange.js';
import { formatTime } from './format.js';
import { listObjects, getObject, saveObject, deleteObject } from './objects.js';
import {
  KINDS, METRICS, BUCKETS, KIND_BUCKETS, MAX_TERMS, mappingFields, fieldsFor, defaultVis, normalizeVis,
  checkVis, visRequest, visData, bucketFilter,
} from './visualization.js';
import { VisPanel } from './vis_panel.js';

const INDEX = 'findings';

// The time range a page shows its data over: all time when it has none.
export function spanOf(range) {
  const { from, to } = resolveRange(range, Date.now());
  const interval = pickInterval(from ?? Date.now() - 365 * 86_400_000, to ?? Date.now());
  return { from, to, interval };
}

export class VisualizeList {
  constructor(root) {
    this.root = root;
    this.root.dataset.state = 'loading';
    this.status = el('p', { id: 'list-status', role: 'status' });
    this.list = el('div', { id: 'vis-list' });
    root.replaceChildren(
      el('h1', {}, 'Visualizations'),
      el('div', { class: 'toolbar' }, 'New: ', KINDS.map((k) => el('a', { class: 'button', href: `#/visualize/edit?kind=${k.id}`, id: `new-${k.id}` }, k.label))),
      this.status, this.list);
    this.load();
  }

  async load() {
    try {
      const objects = await listObjects('visualization');
      this.render(objects);
      this.root.dataset.state = 'ready';
    } catch (e) {
      this.status.textContent = reportError(e);
      this.root.dataset.state = 'error';
    }
  }

  render(objects) {
    if (objects.length === 0) {
      this.list.replaceChildren(el('p', { class: 'empty' }, 'No saved visualizations yet: make one with the buttons above.'));
      return;
    }
    this.list.replaceChildren(el('table', { class: 'rank objects' },
      el('thead', {}, el('tr', {}, ['Title', 'Kind', 'Saved (UTC)', ''].map((c) => el('th', { scope: 'col' }, c)))),
      el('tbody', {}, objects.map((o) => {
        const del = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${o.attributes.title}` }, 'Delete');
        del.addEventListener('click', async () => {
          if (del.dataset.confirm !== 'yes') {
            del.dataset.confirm = 'yes';
            del.textContent = 'Really delete?';
            return;
          }
          try {
            await deleteObject('visualization', o.id, o.version);
            this.status.textContent = `Deleted "${o.attributes.title}".`;
            this.load();
          } catch (e) { this.status.textContent = reportError(e); }
        });
        return el('tr', { 'data-id': o.id },
          el('td', {}, el('a', { href: `#/visualize/edit?id=${encodeURIComponent(o.id)}` }, o.attributes.title)),
          el('td', {}, KINDS.find((k) => k.id === o.attributes.kind)?.label ?? o.attributes.kind),
          el('td', {}, formatTime(o.updated_at)), el('td', {}, del));
      }))));
  }

  dispose() {}
}

function select(id, label, options, value) {
  return el('select', { id, 'aria-label': label },
    options.map((o) => el('option', { value: o.id, selected: o.id === value }, o.label)));
}

export class VisualizeEditor {
  // The address keeps the id only: the preview's time range is the editor's own.
  constructor(root, state, onState, params) {
    this.root = root;
    this.state = state; // the preview's time range
    this.id = params.get('id') ?? null;
    this.version = null;
    this.vis = defaultVis(params.get('kind') ?? 'pie');
    this.fields = [];
    this.controller = null;
    this.root.dataset.state = 'loading';
    this.start();
  }

  async start() {
    try {
      const [m, saved] = await Promise.all([
        mapping(INDEX).catch((e) => { if (e.status === 404) return {}; throw e; }),
        this.id ? getObject('visualization', this.id) : null,
      ]);
      this.fields = mappingFields(m, INDEX);
      if (saved) {
        this.vis = normalizeVis(saved.attributes);
        this.version = saved.version;
      }
      this.build();
      this.preview();
    } catch (e) {
      this.root.replaceChildren(el('p', { class: 'error', role: 'alert' },
        e.status === 404 ? `There is no saved visualization [${this.id}].` : reportError(e)),
      el('a', { href: '#/visualize' }, 'Back to the visualizations'));
      this.root.dataset.state = 'error';
    }
  }

  build() {
    const v = this.vis;
    const datalist = (id, list) => el('datalist', { id }, list.map((f) => el('option', { value: f.name }, f.type)));
    this.title = el('input', { id: 'vis-title', type: 'text', value: v.title, maxlength: 200, placeholder: 'Title', 'aria-label': 'Title' });
    this.kind = select('vis-kind', 'Kind', KINDS, v.kind);
    this.metric = select('vis-metric', 'Metric', METRICS, v.metric.type);
    this.metricField = el('input', { id: 'vis-metric-field', type: 'text', list: 'fields-metric', value: v.metric.field ?? '', 'aria-label': 'Metric field', autocomplete: 'off', spellcheck: 'false' });
    this.buckets = select('vis-buckets', 'Buckets', BUCKETS, v.buckets.type);
    this.field = el('input', { id: 'vis-field', type: 'text', list: 'fields-buckets', value: v.buckets.field ?? '', 'aria-label': 'Bucket field', autocomplete: 'off', spellcheck: 'false' });
    this.size = el('input', { id: 'vis-size', type: 'number', min: 1, max: MAX_TERMS, value: v.buckets.size ?? 10, 'aria-label': 'Number of top values' });
    this.metricList = datalist('fields-metric', []);
    this.bucketList = datalist('fields-buckets', []);
    this.problems = el('ul', { id: 'vis-problems', class: 'error', role: 'alert', hidden: true });
    this.status = el('span', { id: 'vis-status', role: 'status' });
    this.saveButton = el('button', { id: 'vis-save', type: 'submit' }, 'Save');
    this.panel = el('div', { id: 'preview', class: 'vis' });
    this.controls = new QueryControls({ ...this.state, query: v.query.text, syntax: v.query.syntax }, {
      onSubmit: ({ query, syntax, range }) => {
        this.vis.query = { text: query, syntax };
        this.state = { ...this.state, range };
        this.preview();
      },
      onRemoveFilter: (i) => { this.vis.filters = this.vis.filters.filter((_, j) => j !== i); this.preview(); },
    });
    this.view = new VisPanel(this.panel, {
      onBucket: (row) => {
        const f = bucketFilter(this.vis, row);
        if (f) { this.vis.filters = withFilter(this.vis.filters, f.field, f.value, false); this.preview(); }
      },
      onRange: (from, to) => {
        this.state = { ...this.state, range: { from, to } };
        this.controls.syncRange(this.state.range);
        this.preview();
      },
    });
    const form = el('form', { id: 'vis-form', class: 'vis-form', onsubmit: (e) => { e.preventDefault(); this.save(); } },
      el('label', {}, 'Title ', this.title),
      el('label', {}, 'Kind ', this.kind),
      el('label', {}, 'Metric ', this.metric),
      el('label', { class: 'metric-field' }, 'of field ', this.metricField),
      el('label', {}, 'Buckets ', this.buckets),
      el('label', { class: 'bucket-field' }, 'field ', this.field),
      el('label', { class: 'bucket-size' }, 'top ', this.size),
      this.saveButton, this.status, this.metricList, this.bucketList);
    const changed = () => { this.readForm(); this.preview(); };
    for (const input of [this.kind, this.metric, this.buckets, this.size]) input.addEventListener('change', changed);
    for (const input of [this.metricField, this.field]) input.addEventListener('change', changed);
    this.kind.addEventListener('change', () => {
      // A kind that does not take the current buckets gets its own defaults.
      if (!KIND_BUCKETS[this.kind.value].includes(this.vis.buckets.type)) {
        this.vis.buckets = defaultVis(this.kind.value).buckets;
        this.syncForm();
        this.preview();
      }
    });
    this.root.replaceChildren(
      el('h1', {}, el('a', { href: '#/visualize' }, 'Visualizations'), ' / ', this.id ? 'Edit' : 'New'),
      form, ...this.controls.elements(), this.problems, this.panel);
    this.syncForm();
  }

  // The form's values into this.vis.
  readForm() {
    const kind = this.kind.value;
    const metric = this.metric.value;
    this.vis.kind = kind;
    this.vis.title = this.title.value;
    this.vis.metric = METRICS.find((m) => m.id === metric).field ? { type: metric, field: this.metricField.value.trim() } : { type: metric };
    const type = this.buckets.value;
    this.vis.buckets = type === 'none' ? { type } : type === 'terms'
      ? { type, field: this.field.value.trim(), size: Number(this.size.value) }
      : { type, field: this.field.value.trim() };
    this.syncForm();
  }

  // What the form shows for this.vis: which inputs apply, and the fields that suit them.
  syncForm() {
    const v = this.vis;
    this.kind.value = v.kind;
    this.metric.value = v.metric.type;
    const metric = METRICS.find((m) => m.id === v.metric.type);
    this.metricField.closest('label').hidden = !metric.field;
    this.metricField.value = v.metric.field ?? '';
    this.metricList.replaceChildren(...fieldsFor(this.fields, metric.field ?? 'terms').map((f) => el('option', { value: f.name }, f.type)));
    for (const o of this.buckets.options) o.disabled = !KIND_BUCKETS[v.kind].includes(o.value);
    this.buckets.value = v.buckets.type;
    this.field.closest('label').hidden = v.buckets.type === 'none';
    this.size.closest('label').hidden = v.buckets.type !== 'terms';
    this.field.value = v.buckets.field ?? '';
    if (v.buckets.size) this.size.value = String(v.buckets.size);
    this.bucketList.replaceChildren(...fieldsFor(this.fields, v.buckets.type === 'date_histogram' ? 'date' : 'terms').map((f) => el('option', { value: f.name }, f.type)));
    this.controls.renderPills(v.filters);
  }

  showProblems(problems) {
    this.problems.hidden = problems.length === 0;
    this.problems.replaceChildren(...problems.map((p) => el('li', {}, p)));
  }

  async preview() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.controls.renderPills(this.vis.filters);
    this.controls.showError(null);
    const problems = checkVis(this.vis, this.fields.length ? this.fields : null);
    this.showProblems(problems);
    if (problems.length) {
      this.root.dataset.state = 'ready';
      return;
    }
    this.root.dataset.state = 'loading';
    try {
      const { from, to, interval } = spanOf(this.state.range);
      const res = await search(INDEX, visRequest(this.vis, { from, to }, interval), { signal: controller.signal });
      if (controller !== this.controller) return;
      this.view.update(this.vis, visData(this.vis, res), interval.ms);
      this.root.dataset.state = 'ready';
    } catch (e) {
      if (e.name === 'AbortError') return;
      this.controls.showError(e instanceof ApiError && e.status >= 400 && e.status < 500 ? `The query is wrong: ${e.message}` : reportError(e));
      this.root.dataset.state = 'error';
    }
  }

  async save() {
    this.readForm();
    const problems = checkVis(this.vis, this.fields.length ? this.fields : null);
    if (!this.vis.title.trim()) problems.unshift('Give the visualization a title.');
    this.showProblems(problems);
    if (problems.length) return;
    this.status.textContent = 'Saving…';
    try {
      const saved = await saveObject('visualization', this.id, this.vis, this.id ? this.version : undefined);
      this.id = saved.id;
      this.version = saved.version;
      this.status.textContent = `Saved (version ${saved.version}).`;
      this.status.dataset.saved = saved.id;
      history.replaceState(null, '', `#/visualize/edit?id=${encodeURIComponent(saved.id)}`);
    } catch (e) {
      this.status.textContent = e.status === 409
        ? 'Not saved: somebody else saved this visualization meanwhile. Reload it to see their version.'
        : `Not saved: ${reportError(e)}`;
    }
  }

  dispose() {
    this.controller?.abort();
    this.view?.dispose();
  }
}
