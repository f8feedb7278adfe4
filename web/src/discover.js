// Discover: the query bar (KQL or Lucene), the time picker, filter pills, the histogram of hits
// over time, and the table of findings with chosen columns, sorting, paging and an expandable
// row holding every field.
import { search, ApiError } from './api.js';
import { resolveRange, pickInterval } from './timerange.js';
import { el } from './dom.js';
import { QueryControls, LiveControl, withFilter } from './controls.js';
import { discoverRequest, boundsRequest, TIME_FIELD } from './request.js';
import { hitValue, hitFields, filterable } from './fields.js';
import { formatTime, formatValue, formatCount, severityLabel } from './format.js';
import { Histogram } from './histogram.js';

export const INDEX = 'findings';
export const PAGE_SIZE = 50;
export const MAX_WINDOW = 10_000; // the most hits paging reaches, as Elasticsearch's result window

export const DEFAULT_COLUMNS = [
  TIME_FIELD, 'derived.severityLabel', 'type', 'accountId', 'region', 'resource.resourceType', 'derived.attacker.countryName',
];
const TITLES = {
  [TIME_FIELD]: 'Time (UTC)', 'derived.severityLabel': 'Severity', type: 'Type', accountId: 'Account', region: 'Region',
  'resource.resourceType': 'Resource', 'derived.attacker.countryName': 'Attacker country',
};
// Sorting by a label sorts by the number behind it.
const SORT_FIELD = { 'derived.severityLabel': 'severity' };

function cellText(hit, column) {
  const v = hitValue(hit, column);
  if (column === TIME_FIELD) return formatTime(v);
  if (column === 'derived.severityLabel' && v === undefined) return severityLabel(hit._source?.severity);
  return formatValue(v);
}

export class Discover {
  // `state` as state.js decodes it; `onState(next)` is told of every change the user makes.
  constructor(root, state, onState) {
    this.root = root;
    this.state = state;
    this.onState = onState;
    this.page = 0;
    this.expanded = new Set();
    this.controller = null;
    this.build();
    this.run();
  }

  columns() { return this.state.columns ?? DEFAULT_COLUMNS; }

  setState(patch, { resetPage = true } = {}) {
    this.state = { ...this.state, ...patch };
    if (resetPage) {
      this.page = 0;
      this.expanded.clear();  // other rows now: none starts open
    }
    this.onState(this.state);
    this.run();
  }

  build() {
    this.controls = new QueryControls(this.state, {
      onSubmit: (patch) => this.setState(patch),
      onRemoveFilter: (i) => this.removeFilter(i),
    });
    this.total = el('div', { id: 'total', class: 'total', role: 'status', 'aria-live': 'polite' });
    // New and updated findings refresh the view as they arrive.
    this.live = new LiveControl(() => this.run());
    const status = el('div', { class: 'status' }, this.total, this.live.element);
    this.chartBox = el('div', { id: 'histogram', class: 'histogram', 'aria-label': 'Findings over time; drag across it to zoom in' });
    this.table = el('table', { id: 'hits', class: 'hits' });
    this.pager = el('nav', { class: 'pager', 'aria-label': 'Pages of findings' });
    this.root.replaceChildren(...this.controls.elements(), status, this.chartBox, this.table, this.pager);
    this.histogram = new Histogram(this.chartBox, (from, to) => {
      this.setState({ range: { from, to } });
      this.controls.syncRange(this.state.range);
    });
  }

  addFilter(field, value, negate) {
    this.setState({ filters: withFilter(this.state.filters, field, value, negate) });
  }

  removeFilter(i) {
    this.setState({ filters: this.state.filters.filter((_, j) => j !== i) });
  }

  toggleColumn(field) {
    const cols = this.columns();
    const next = cols.includes(field) ? cols.filter((c) => c !== field) : [...cols, field];
    this.setState({ columns: next }, { resetPage: false });
  }

  sortBy(column) {
    const field = SORT_FIELD[column] ?? column;
    const cur = this.state.sort ?? { field: TIME_FIELD, order: 'desc' };
    const order = cur.field === field && cur.order === 'desc' ? 'asc' : 'desc';
    this.setState({ sort: { field, order } });
  }

  showError(message) {
    this.controls.showError(message);
  }

  async run() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.root.dataset.state = 'loading';
    this.showError(null);
    this.controls.renderPills(this.state.filters);
    const now = Date.now();
    try {
      let { from, to } = resolveRange(this.state.range, now);
      if (from === null) {
        // All time: the histogram spans the data that matches.
        const b = await search(INDEX, boundsRequest(this.state), { signal: controller.signal });
        from = b.aggregations?.first?.value ?? null;
        to = b.aggregations?.last?.value ?? null;
        if (from !== null) from = Math.floor(from);
        if (to !== null) to = Math.ceil(to);
      }
      const interval = from !== null && to !== null ? pickInterval(from, to) : null;
      const range = this.state.range.quick === 'all' ? { from: null, to: null } : { from, to };
      const body = discoverRequest(this.state, { page: this.page, pageSize: PAGE_SIZE, interval, ...range });
      if (interval && range.from === null) body.aggs.over_time.date_histogram.extended_bounds = { min: from, max: to };
      const res = await search(INDEX, body, { signal: controller.signal });
      if (controller !== this.controller) return;
      this.render(res, interval);
      this.root.dataset.state = 'ready';
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e instanceof ApiError && e.unauthorized) {
        document.dispatchEvent(new CustomEvent('vigil:unauthorized', { detail: e.message }));
      }
      this.showError(e instanceof ApiError && e.status >= 400 && e.status < 500 ? `The query is wrong: ${e.message}` : e.message);
      this.root.dataset.state = 'error';
    }
  }

  render(res, interval) {
    const total = res.hits.total.value;
    this.total.textContent = `${formatCount(total)} ${total === 1 ? 'finding' : 'findings'}`;
    this.total.dataset.count = String(total);
    const buckets = res.aggregations?.over_time?.buckets ?? [];
    this.histogram.update(buckets, interval?.ms ?? 0);
    this.renderTable(res.hits.hits, total);
  }

  renderTable(hits, total) {
    const cols = this.columns();
    const sort = this.state.sort ?? { field: TIME_FIELD, order: 'desc' };
    const head = el('tr', {}, el('th', { scope: 'col', class: 'expand' }, el('span', { class: 'sr-only' }, 'Details')),
      cols.map((c) => {
        const field = SORT_FIELD[c] ?? c;
        const sorted = sort.field === field;
        return el('th', { scope: 'col', 'aria-sort': sorted ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none' },
          el('button', { type: 'button', class: 'sort', onclick: () => this.sortBy(c) }, TITLES[c] ?? c, sorted ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''),
          el('button', { type: 'button', class: 'remove', 'aria-label': `Remove column ${TITLES[c] ?? c}`, onclick: () => this.toggleColumn(c) }, '×'));
      }));
    const body = el('tbody');
    if (hits.length === 0) {
      body.append(el('tr', {}, el('td', { colspan: cols.length + 1, class: 'empty' },
        'No findings match this query in this time range. Widen the time range or remove a filter.')));
    }
    for (const hit of hits) {
      const open = this.expanded.has(hit._id);
      const row = el('tr', { class: 'hit', 'data-id': hit._id },
        el('td', { class: 'expand' }, el('button', {
          type: 'button', 'aria-expanded': String(open), 'aria-label': `Details of finding ${hit._id}`,
          onclick: () => { if (open) this.expanded.delete(hit._id); else this.expanded.add(hit._id); this.renderTable(hits, total); },
        }, open ? '▾' : '▸')),
        cols.map((c) => el('td', { 'data-column': c, class: c === 'derived.severityLabel' ? `sev sev-${cellText(hit, c).toLowerCase()}` : undefined }, cellText(hit, c))));
      body.append(row);
      if (open) body.append(this.detailsRow(hit, cols));
    }
    this.table.replaceChildren(el('thead', {}, head), body);
    this.renderPager(total);
  }

  detailsRow(hit, cols) {
    const rows = hitFields(hit).map(([field, value]) => {
      const canFilter = filterable(value);
      return el('tr', {},
        el('th', { scope: 'row' }, field),
        el('td', {}, formatValue(value)),
        el('td', { class: 'actions' },
          canFilter ? el('button', { type: 'button', title: 'Filter for this value', 'aria-label': `Filter for ${field}: ${value}`, onclick: () => this.addFilter(field, value, false) }, '+') : null,
          canFilter ? el('button', { type: 'button', title: 'Filter out this value', 'aria-label': `Filter out ${field}: ${value}`, onclick: () => this.addFilter(field, value, true) }, '−') : null,
          el('button', { type: 'button', title: 'Toggle column', 'aria-label': `Toggle column ${field}`, onclick: () => this.toggleColumn(field) }, '▥')));
    });
    return el('tr', { class: 'details' }, el('td', { colspan: cols.length + 1 },
      el('table', { class: 'fields', 'aria-label': `Fields of finding ${hit._id}` }, el('tbody', {}, rows))));
  }

  renderPager(total) {
    const reachable = Math.min(total, MAX_WINDOW);
    const pages = Math.max(1, Math.ceil(reachable / PAGE_SIZE));
    const go = (p) => { this.page = p; this.expanded.clear(); this.run(); };
    this.pager.replaceChildren(
      el('button', { type: 'button', disabled: this.page === 0, onclick: () => go(this.page - 1) }, '← Newer'),
      el('span', { class: 'pageinfo' }, `Page ${this.page + 1} of ${formatCount(pages)}${total > MAX_WINDOW ? ` (the first ${formatCount(MAX_WINDOW)} findings; narrow the query for the rest)` : ''}`),
      el('button', { type: 'button', disabled: this.page + 1 >= pages, onclick: () => go(this.page + 1) }, 'Older →'));
  }

  dispose() {
    this.live.stop();
    this.controller?.abort();
    this.histogram.dispose();
  }
}
