// Discover: the query bar (KQL or Lucene), the time picker, filter pills, the histogram of hits
// over time, and the table of findings with chosen columns, sorting, paging and an expandable
// row holding every field.
import { search, authHeaders, ApiError } from './api.js';
import { LiveStream } from './stream.js';
import { QUICK_RANGES, resolveRange, pickInterval } from './timerange.js';
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

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

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
    this.paused = false;
    this.missed = 0; // findings that arrived while paused
    this.refreshTimer = null;
    this.build();
    this.run();
    // New and updated findings refresh the view as they arrive (at most twice a second).
    this.live = new LiveStream({
      headers: authHeaders,
      onFinding: () => this.onLiveFinding(),
      onStatus: (status) => this.setLiveStatus(status),
    });
  }

  onLiveFinding() {
    if (this.paused) {
      this.missed += 1;
      this.renderLive();
      return;
    }
    if (this.refreshTimer !== null) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.run();
    }, 500);
  }

  setLiveStatus(status) {
    this.liveStatus = status;
    this.renderLive();
  }

  togglePause() {
    this.paused = !this.paused;
    if (!this.paused && this.missed > 0) {
      this.missed = 0;
      this.run();
    }
    this.renderLive();
  }

  renderLive() {
    const texts = { live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'Live updates need a key' };
    let text = texts[this.liveStatus] ?? 'Connecting…';
    if (this.paused) text = this.missed ? `Paused · ${formatCount(this.missed)} new or updated` : 'Paused';
    this.liveBox.textContent = text;
    this.liveBox.dataset.status = this.paused ? 'paused' : (this.liveStatus ?? 'connecting');
    this.liveBox.dataset.missed = String(this.missed);
    this.pauseButton.textContent = this.paused ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(this.paused));
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
    const s = this.state;
    this.queryInput = el('input', {
      id: 'query', type: 'search', value: s.query, 'aria-label': 'Search findings',
      placeholder: s.syntax === 'kql' ? 'KQL, e.g. severity >= 7 and type : *Portscan*' : 'Lucene, e.g. severity:>=7 AND type:*Portscan*',
      autocomplete: 'off', spellcheck: 'false',
    });
    this.syntaxSelect = el('select', { id: 'syntax', 'aria-label': 'Query language' },
      el('option', { value: 'kql', selected: s.syntax === 'kql' }, 'KQL'),
      el('option', { value: 'lucene', selected: s.syntax === 'lucene' }, 'Lucene'));
    this.rangeSelect = el('select', { id: 'range', 'aria-label': 'Time range' },
      QUICK_RANGES.map((r) => el('option', { value: r.id, selected: s.range.quick === r.id }, r.label)),
      el('option', { value: 'custom', selected: s.range.quick === undefined }, 'Absolute…'));
    const toInput = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16) : '');
    this.fromInput = el('input', { id: 'from', type: 'datetime-local', 'aria-label': 'From (UTC)', value: toInput(s.range.from) });
    this.toInput = el('input', { id: 'to', type: 'datetime-local', 'aria-label': 'To (UTC)', value: toInput(s.range.to) });
    this.absolute = el('span', { class: 'absolute', hidden: s.range.quick !== undefined }, this.fromInput, ' → ', this.toInput, ' UTC');
    this.rangeSelect.addEventListener('change', () => {
      this.absolute.hidden = this.rangeSelect.value !== 'custom';
      if (this.rangeSelect.value !== 'custom') this.submit();
    });
    const form = el('form', { class: 'querybar', role: 'search', onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.syntaxSelect, this.queryInput, this.rangeSelect, this.absolute, el('button', { type: 'submit' }, 'Search'));
    this.errorBox = el('div', { id: 'error', class: 'error', role: 'alert', hidden: true });
    this.pills = el('ul', { id: 'filters', class: 'pills', 'aria-label': 'Filters' });
    this.total = el('div', { id: 'total', class: 'total', role: 'status', 'aria-live': 'polite' });
    this.liveBox = el('span', { id: 'live', class: 'live', role: 'status' }, 'Connecting…');
    this.pauseButton = el('button', { id: 'pause', type: 'button', 'aria-pressed': 'false', onclick: () => this.togglePause() }, 'Pause');
    const status = el('div', { class: 'status' }, this.total, el('span', { class: 'livebox' }, this.liveBox, this.pauseButton));
    this.chartBox = el('div', { id: 'histogram', class: 'histogram', 'aria-label': 'Findings over time; drag across it to zoom in' });
    this.table = el('table', { id: 'hits', class: 'hits' });
    this.pager = el('nav', { class: 'pager', 'aria-label': 'Pages of findings' });
    this.root.replaceChildren(form, this.errorBox, this.pills, status, this.chartBox, this.table, this.pager);
    this.histogram = new Histogram(this.chartBox, (from, to) => {
      this.setState({ range: { from, to } });
      this.syncRangeControls();
    });
  }

  syncRangeControls() {
    const r = this.state.range;
    this.rangeSelect.value = r.quick ?? 'custom';
    this.absolute.hidden = r.quick !== undefined;
    if (r.quick === undefined) {
      this.fromInput.value = new Date(r.from).toISOString().slice(0, 16);
      this.toInput.value = new Date(r.to).toISOString().slice(0, 16);
    }
  }

  submit() {
    let range;
    if (this.rangeSelect.value === 'custom') {
      const from = Date.parse(`${this.fromInput.value}:00Z`);
      const to = Date.parse(`${this.toInput.value}:59.999Z`);
      if (!Number.isFinite(from) || !Number.isFinite(to)) return this.showError('Give both ends of the absolute time range.');
      if (from > to) return this.showError('The start of the time range is after its end.');
      range = { from, to };
    } else {
      range = { quick: this.rangeSelect.value };
    }
    this.queryInput.placeholder = this.syntaxSelect.value === 'kql' ? 'KQL, e.g. severity >= 7 and type : *Portscan*' : 'Lucene, e.g. severity:>=7 AND type:*Portscan*';
    this.setState({ query: this.queryInput.value, syntax: this.syntaxSelect.value, range });
  }

  addFilter(field, value, negate) {
    const filters = this.state.filters.filter((f) => !(f.field === field && f.value === value));
    filters.push({ field, value, negate });
    this.setState({ filters });
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
    this.errorBox.hidden = !message;
    this.errorBox.textContent = message ?? '';
    this.root.dataset.state = message ? 'error' : this.root.dataset.state;
  }

  async run() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.root.dataset.state = 'loading';
    this.showError(null);
    this.renderPills();
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

  renderPills() {
    this.pills.replaceChildren(...this.state.filters.map((f, i) => {
      const text = `${f.negate ? 'NOT ' : ''}${f.field}: ${formatValue(f.value)}`;
      return el('li', { class: f.negate ? 'pill negate' : 'pill' },
        el('span', {}, text),
        el('button', { type: 'button', 'aria-label': `Remove filter ${text}`, onclick: () => this.removeFilter(i) }, '×'));
    }));
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
    clearTimeout(this.refreshTimer);
    this.controller?.abort();
    this.histogram.dispose();
  }
}
