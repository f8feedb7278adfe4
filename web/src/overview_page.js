// The "GuardDuty overview" dashboard: findings by severity, the world map of attacks by the
// attacker's country, findings by type, over time by severity, top accounts, top attacker IPs,
// resource types, and the newest High and Critical findings. The query bar, the time range and
// the filters apply to every panel; clicking a severity, a country, a slice, a bar's label or a
// row adds a filter. Sample findings are hidden by a filter that can be removed.
import { search, ApiError } from './api.js';
import { resolveRange, pickInterval } from './timerange.js';
import { el } from './dom.js';
import { QueryControls, LiveControl, withFilter } from './controls.js';
import { overviewRequests, mergeAnswers, latestRequest, panels, SEVERITY_ORDER } from './overview.js';
import { choropleth } from './countries.js';
import { hitValue } from './fields.js';
import { formatCount, formatTime } from './format.js';
import { Donut, SeverityBars, WorldMap, countryLabel } from './charts.js';
import { TIME_FIELD } from './request.js';

const INDEX = 'findings';

function panel(id, title, ...body) {
  return el('section', { class: 'panel', id: `panel-${id}`, 'aria-labelledby': `title-${id}` },
    el('h2', { id: `title-${id}` }, title), ...body);
}

// A list of [key, count] rows whose key is a button that filters for it.
function rankTable(id, columns, rows, onPick) {
  return el('table', { id, class: 'rank' },
    el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c)))),
    el('tbody', {}, rows.length === 0
      ? el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, 'No data'))
      : rows.map((r) => el('tr', {}, r.cells.map((c, i) => el('td', { class: i === r.cells.length - 1 ? 'num' : undefined },
        i === 0 ? el('button', { type: 'button', class: 'link', 'aria-label': `Filter for ${r.label ?? c}`, onclick: () => onPick(r.value ?? c) }, c) : c))))));
}

export class Overview {
  constructor(root, state, onState) {
    this.root = root;
    this.state = state;
    this.onState = onState;
    this.controller = null;
    this.build();
    this.run();
  }

  setState(patch) {
    this.state = { ...this.state, ...patch };
    this.onState(this.state);
    this.run();
  }

  addFilter(field, value) {
    this.setState({ filters: withFilter(this.state.filters, field, value, false) });
  }

  build() {
    this.controls = new QueryControls(this.state, {
      onSubmit: (patch) => this.setState(patch),
      onRemoveFilter: (i) => this.setState({ filters: this.state.filters.filter((_, j) => j !== i) }),
    });
    this.total = el('div', { id: 'total', class: 'total', role: 'status', 'aria-live': 'polite' });
    this.live = new LiveControl(() => this.run());
    this.tiles = el('div', { id: 'severity', class: 'tiles' });
    this.mapBox = el('div', { id: 'map', class: 'chart map', role: 'img', 'aria-label': 'World map of attacks by attacker country' });
    this.unknown = el('p', { class: 'note', id: 'map-unknown' });
    this.countryList = el('div', { id: 'countries' });
    this.typeBox = el('div', { id: 'types', class: 'chart donut', role: 'img', 'aria-label': 'Findings by type' });
    this.typeList = el('div', { id: 'types-legend' });
    this.timeBox = el('div', { id: 'overtime', class: 'chart', role: 'img', 'aria-label': 'Findings over time by severity' });
    this.accounts = el('div', { id: 'accounts' });
    this.ips = el('div', { id: 'ips' });
    this.resources = el('div', { id: 'resources' });
    this.latest = el('div', { id: 'latest' });
    this.root.replaceChildren(...this.controls.elements(),
      el('div', { class: 'status' }, this.total, this.live.element),
      this.tiles,
      el('div', { class: 'grid' },
        panel('map', 'Attacks by attacker country (inbound)', this.mapBox, this.unknown, this.countryList),
        panel('types', 'Findings by type (top 10)', this.typeBox, this.typeList),
        panel('overtime', 'Findings over time by severity', this.timeBox),
        panel('accounts', 'Top accounts', this.accounts),
        panel('ips', 'Top attacker IPs', this.ips),
        panel('resources', 'Findings by resource type', this.resources),
        panel('latest', 'Latest High and Critical findings', this.latest)));
    this.map = new WorldMap(this.mapBox, (code) => this.addFilter('derived.attacker.countryCode', code));
    this.donut = new Donut(this.typeBox, (type) => this.addFilter('type', type));
    this.bars = new SeverityBars(this.timeBox);
  }

  async run() {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.root.dataset.state = 'loading';
    this.controls.showError(null);
    this.controls.renderPills(this.state.filters);
    try {
      const { from, to } = resolveRange(this.state.range, Date.now());
      // All time: a day's bars over the last year of data at most.
      const span = from === null ? { from: null, to: null } : { from, to };
      const interval = pickInterval(span.from ?? Date.now() - 365 * 86_400_000, span.to ?? Date.now());
      const groups = overviewRequests(this.state, { ...span, interval });
      const answers = await Promise.all([
        ...groups.map((body) => search(INDEX, body, { signal: controller.signal })),
        search(INDEX, latestRequest(this.state, span), { signal: controller.signal }),
      ]);
      if (controller !== this.controller) return;
      const latest = answers.pop();
      this.render(panels(mergeAnswers(answers)), latest, interval);
      this.root.dataset.state = 'ready';
    } catch (e) {
      if (e.name === 'AbortError') return;
      if (e instanceof ApiError && e.unauthorized) {
        document.dispatchEvent(new CustomEvent('vigil:unauthorized', { detail: e.message }));
      }
      this.controls.showError(e instanceof ApiError && e.status >= 400 && e.status < 500 ? `The query is wrong: ${e.message}` : e.message);
      this.root.dataset.state = 'error';
    }
  }

  render(p, latest, interval) {
    this.total.textContent = `${formatCount(p.total)} ${p.total === 1 ? 'finding' : 'findings'}`;
    this.total.dataset.count = String(p.total);
    this.tiles.replaceChildren(...SEVERITY_ORDER.map((s) => el('button', {
      type: 'button', class: `tile tile-${s.toLowerCase()}`, 'data-label': s, 'data-count': String(p.severity[s]),
      'aria-label': `${s}: ${formatCount(p.severity[s])} findings; filter for ${s}`,
      onclick: () => this.addFilter('derived.severityLabel', s),
    }, el('span', { class: 'label' }, s), el('span', { class: 'count' }, formatCount(p.severity[s])))));

    const { byNumeric, unknown } = choropleth(p.countries);
    this.map.update(byNumeric);
    this.mapBox.dataset.countries = JSON.stringify([...byNumeric.values()].map((v) => [v.code, v.count]));
    this.unknown.textContent = unknown.length ? `Not on the map: ${unknown.join(', ')}` : '';
    this.countryList.replaceChildren(rankTable('countries-table', ['Country', 'Attacks'],
      p.countries.slice(0, 10).map((c) => ({ cells: [countryLabel(c.key), formatCount(c.count)], value: c.key, label: c.key })),
      (code) => this.addFilter('derived.attacker.countryCode', code)));

    this.donut.update(p.types);
    this.typeBox.dataset.items = JSON.stringify(p.types.map((t) => [t.key, t.count]));
    this.typeList.replaceChildren(el('ul', { class: 'legend' }, p.types.map((t) => el('li', {},
      el('button', { type: 'button', class: 'link', 'aria-label': `Filter for type ${t.key}`, onclick: () => this.addFilter('type', t.key) }, t.key),
      ` ${formatCount(t.count)}`))));

    this.bars.update(p.overTime, interval.ms);
    this.timeBox.dataset.total = String(p.overTime.reduce((n, b) => n + SEVERITY_ORDER.reduce((m, s) => m + b[s], 0), 0));

    this.accounts.replaceChildren(rankTable('accounts-table', ['Account', 'Findings'],
      p.accounts.map((a) => ({ cells: [a.key, formatCount(a.count)] })), (v) => this.addFilter('accountId', v)));
    this.ips.replaceChildren(rankTable('ips-table', ['IP', 'Organisation', 'Country', 'Findings'],
      p.attackerIps.map((a) => ({ cells: [a.ip, a.org, a.country, formatCount(a.count)] })), (v) => this.addFilter('derived.attacker.ip', v)));
    this.resources.replaceChildren(rankTable('resources-table', ['Resource type', 'Findings'],
      p.resources.map((r) => ({ cells: [r.key, formatCount(r.count)] })), (v) => this.addFilter('resource.resourceType', v)));

    const hits = latest.hits.hits;
    this.latest.replaceChildren(el('table', { id: 'latest-table', class: 'rank' },
      el('thead', {}, el('tr', {}, ['Time (UTC)', 'Severity', 'Type', 'Account'].map((c) => el('th', { scope: 'col' }, c)))),
      el('tbody', {}, hits.length === 0
        ? el('tr', {}, el('td', { colspan: 4, class: 'empty' }, 'No High or Critical findings'))
        : hits.map((h) => {
          const label = hitValue(h, 'derived.severityLabel') ?? '';
          return el('tr', { 'data-id': h._id },
            el('td', {}, formatTime(hitValue(h, TIME_FIELD))),
            el('td', { class: `sev sev-${String(label).toLowerCase()}` }, label),
            el('td', {}, hitValue(h, 'type')), el('td', {}, hitValue(h, 'accountId')));
        }))));
  }

  dispose() {
    this.live.stop();
    this.controller?.abort();
    this.map.dispose();
    this.donut.dispose();
    this.bars.dispose();
  }
}
