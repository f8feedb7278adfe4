// What every page of findings shares: the query bar (KQL or Lucene), the time picker, the filter
// pills and the error box; and the live indicator with its Pause/Resume button.
import { el } from './dom.js';
import { QUICK_RANGES } from './timerange.js';
import { formatCount, formatValue } from './format.js';
import { authHeaders } from './api.js';
import { LiveStream } from './stream.js';

const PLACEHOLDER = {
  kql: 'KQL, e.g. severity >= 7 and type : *Portscan*',
  lucene: 'Lucene, e.g. severity:>=7 AND type:*Portscan*',
};
const toInput = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16) : '');

export class QueryControls {
  // onSubmit({query, syntax, range}) when the user searches; onRemoveFilter(i) for a pill's ×.
  constructor(state, { onSubmit, onRemoveFilter }) {
    this.onSubmit = onSubmit;
    this.onRemoveFilter = onRemoveFilter;
    this.queryInput = el('input', {
      id: 'query', type: 'search', value: state.query, 'aria-label': 'Search findings',
      placeholder: PLACEHOLDER[state.syntax], autocomplete: 'off', spellcheck: 'false',
    });
    this.syntaxSelect = el('select', { id: 'syntax', 'aria-label': 'Query language' },
      el('option', { value: 'kql', selected: state.syntax === 'kql' }, 'KQL'),
      el('option', { value: 'lucene', selected: state.syntax === 'lucene' }, 'Lucene'));
    this.rangeSelect = el('select', { id: 'range', 'aria-label': 'Time range' },
      QUICK_RANGES.map((r) => el('option', { value: r.id, selected: state.range.quick === r.id }, r.label)),
      el('option', { value: 'custom', selected: state.range.quick === undefined }, 'Absolute…'));
    this.fromInput = el('input', { id: 'from', type: 'datetime-local', 'aria-label': 'From (UTC)', value: toInput(state.range.from) });
    this.toInput = el('input', { id: 'to', type: 'datetime-local', 'aria-label': 'To (UTC)', value: toInput(state.range.to) });
    this.absolute = el('span', { class: 'absolute', hidden: state.range.quick !== undefined }, this.fromInput, ' → ', this.toInput, ' UTC');
    this.rangeSelect.addEventListener('change', () => {
      this.absolute.hidden = this.rangeSelect.value !== 'custom';
      if (this.rangeSelect.value !== 'custom') this.submit();
    });
    this.form = el('form', { class: 'querybar', role: 'search', onsubmit: (e) => { e.preventDefault(); this.submit(); } },
      this.syntaxSelect, this.queryInput, this.rangeSelect, this.absolute, el('button', { type: 'submit' }, 'Search'));
    this.errorBox = el('div', { id: 'error', class: 'error', role: 'alert', hidden: true });
    this.pills = el('ul', { id: 'filters', class: 'pills', 'aria-label': 'Filters' });
  }

  // The elements, in page order.
  elements() { return [this.form, this.errorBox, this.pills]; }

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
    this.queryInput.placeholder = PLACEHOLDER[this.syntaxSelect.value];
    return this.onSubmit({ query: this.queryInput.value, syntax: this.syntaxSelect.value, range });
  }

  // Shows a range chosen elsewhere (a drag across a chart).
  syncRange(r) {
    this.rangeSelect.value = r.quick ?? 'custom';
    this.absolute.hidden = r.quick !== undefined;
    if (r.quick === undefined) {
      this.fromInput.value = toInput(r.from);
      this.toInput.value = toInput(r.to);
    }
  }

  renderPills(filters) {
    this.pills.replaceChildren(...filters.map((f, i) => {
      const text = `${f.negate ? 'NOT ' : ''}${f.field}: ${formatValue(f.value)}`;
      return el('li', { class: f.negate ? 'pill negate' : 'pill' },
        el('span', {}, text),
        el('button', { type: 'button', 'aria-label': `Remove filter ${text}`, onclick: () => this.onRemoveFilter(i) }, '×'));
    }));
  }

  showError(message) {
    this.errorBox.hidden = !message;
    this.errorBox.textContent = message ?? '';
  }
}

// Adds {field, value, negate} to `filters`, replacing the same field and value.
export function withFilter(filters, field, value, negate) {
  return [...filters.filter((f) => !(f.field === field && f.value === value)), { field, value, negate }];
}

// The live indicator: listens to /api/stream, calls refresh() (at most twice a second) for new
// and updated findings, or counts them while paused and refreshes on resume.
export class LiveControl {
  constructor(refresh) {
    this.refresh = refresh;
    this.paused = false;
    this.missed = 0;
    this.status = 'connecting';
    this.timer = null;
    this.box = el('span', { id: 'live', class: 'live', role: 'status' }, 'Connecting…');
    this.button = el('button', { id: 'pause', type: 'button', 'aria-pressed': 'false', onclick: () => this.toggle() }, 'Pause');
    this.element = el('span', { class: 'livebox' }, this.box, this.button);
    this.stream = new LiveStream({
      headers: authHeaders,
      onFinding: () => this.onFinding(),
      onStatus: (status) => { this.status = status; this.render(); },
    });
  }

  onFinding() {
    if (this.paused) {
      this.missed += 1;
      this.render();
      return;
    }
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, 500);
  }

  toggle() {
    this.paused = !this.paused;
    if (!this.paused && this.missed > 0) {
      this.missed = 0;
      this.refresh();
    }
    this.render();
  }

  render() {
    const texts = { live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'Live updates need a key' };
    let text = texts[this.status] ?? 'Connecting…';
    if (this.paused) text = this.missed ? `Paused · ${formatCount(this.missed)} new or updated` : 'Paused';
    this.box.textContent = text;
    this.box.dataset.status = this.paused ? 'paused' : this.status;
    this.box.dataset.missed = String(this.missed);
    this.button.textContent = this.paused ? 'Resume' : 'Pause';
    this.button.setAttribute('aria-pressed', String(this.paused));
  }

  stop() {
    this.stream.stop();
    clearTimeout(this.timer);
  }
}
