// Draws one visualization into an element: a metric as a big number, a table as a table, pie,
// bar and line charts with ECharts, and a region map with the overview's world map. Clicking a
// slice, a bar, a row or a country calls onBucket(row); a date bucket calls onRange(from, to).
// Redraws of the same kind update the chart in place (no flicker on live refresh).
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { el } from './dom.js';
import { Chart } from './chart_base.js';
import { WorldMap, countryLabel } from './charts.js';
import { choropleth } from './countries.js';
import { formatCount, formatTime } from './format.js';
import { METRICS } from './visualization.js';

echarts.use([LineChart]);

const formatMetric = (v) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? formatCount(v) : Number(v).toLocaleString('en-US', { maximumFractionDigits: 2 }));

function metricLabel(vis) {
  const m = METRICS.find((x) => x.id === vis.metric?.type) ?? METRICS[0];
  return m.field ? `${m.label} of ${vis.metric.field}` : 'Findings';
}

class Plot extends Chart {
  update(vis, data, intervalMs) {
    const dates = vis.buckets.type === 'date_histogram';
    const rows = data.rows;
    const label = (r) => (dates ? formatTime(r.key) : r.label);
    if (vis.kind === 'pie') {
      this.chart.setOption({
        animation: false,
        tooltip: { trigger: 'item', formatter: (p) => `${p.name}<br>${formatMetric(p.value)} (${p.percent}%)` },
        series: [{
          type: 'pie', radius: ['40%', '72%'], label: { show: rows.length <= 12, formatter: '{b}' },
          data: rows.map((r) => ({ name: r.label, value: r.value, row: r })),
        }],
      }, true);
      return;
    }
    const series = {
      type: vis.kind === 'line' ? 'line' : 'bar',
      name: metricLabel(vis),
      data: rows.map((r) => ({ value: dates ? [r.key, r.value] : r.value, row: r })),
      ...(vis.kind === 'line' ? { showSymbol: rows.length <= 60 } : { barMaxWidth: 48 }),
    };
    this.intervalMs = intervalMs;
    this.chart.setOption({
      animation: false,
      grid: { left: 56, right: 16, top: 16, bottom: dates ? 28 : 64 },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: vis.kind === 'line' ? 'line' : 'shadow' },
        formatter: (ps) => `${dates ? formatTime(ps[0].value[0]) : ps[0].name}<br>${ps[0].seriesName}: ${formatMetric(dates ? ps[0].value[1] : ps[0].value)}`,
      },
      xAxis: dates
        ? { type: 'time' }
        : { type: 'category', data: rows.map(label), axisLabel: { rotate: rows.length > 6 ? 30 : 0, interval: 0, width: 120, overflow: 'truncate' } },
      yAxis: { type: 'value', minInterval: vis.metric.type === 'count' || vis.metric.type === 'cardinality' ? 1 : 0 },
      series: [series],
    }, true);
  }
}

export class VisPanel {
  // element: where to draw; onBucket(row) for a click on a bucket; onRange(from, to) for a click
  // on a date bucket.
  constructor(element, { onBucket = () => {}, onRange = () => {} } = {}) {
    this.element = element;
    this.onBucket = onBucket;
    this.onRange = onRange;
    this.kind = null;
    this.chart = null;
  }

  // Keeps the chart when the kind is the same; otherwise starts again.
  prepare(kind) {
    const charted = ['pie', 'bar', 'line', 'map'].includes(kind);
    if (this.kind === kind && (this.chart || !charted)) return;
    this.chart?.dispose();
    this.chart = null;
    this.kind = kind;
    this.element.replaceChildren();
    for (const c of [...this.element.classList]) if (c.startsWith('vis-')) this.element.classList.remove(c);
    this.element.classList.add('vis', `vis-${kind}`);
    if (!charted) return;
    const box = el('div', { class: 'chart', role: 'img' });
    this.emptyNote = el('p', { class: 'empty', hidden: true }, 'No data for this query and time range.');
    // The buckets as buttons too: what a click on the chart does, for the keyboard.
    this.legend = el('ul', { class: 'legend vis-legend' });
    this.element.append(this.emptyNote, box);
    if (kind === 'map') {
      this.chart = new WorldMap(box, (code) => this.onBucket({ key: code, label: code }));
      this.note = el('p', { class: 'note' });
      this.element.append(this.note, this.legend);
    } else {
      this.chart = new Plot(box, (p) => {
        const row = p.data?.row;
        if (!row) return;
        if (this.dates) this.onRange(row.key, row.key + this.intervalMs - 1);
        else this.onBucket(row);
      });
      this.element.append(this.legend);
    }
    this.box = box;
  }

  // data: visData()'s answer; intervalMs: the date histogram's bucket length.
  update(vis, data, intervalMs = 86_400_000) {
    this.prepare(vis.kind);
    this.dates = vis.buckets.type === 'date_histogram';
    this.intervalMs = intervalMs;
    const rows = data.rows ?? [];
    this.element.dataset.total = String(data.total);
    if (vis.kind === 'metric') {
      this.element.dataset.value = String(data.value ?? '');
      this.element.replaceChildren(el('div', { class: 'metric-value' }, formatMetric(data.value)),
        el('div', { class: 'metric-label' }, metricLabel(vis)));
      return;
    }
    this.element.dataset.rows = JSON.stringify(rows.map((r) => [r.key, r.value]));
    if (vis.kind === 'table') {
      const head = vis.buckets.type === 'date_histogram' ? 'Time (UTC)' : vis.buckets.field;
      this.element.replaceChildren(el('table', { class: 'rank' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, head), el('th', { scope: 'col' }, metricLabel(vis)))),
        el('tbody', {}, rows.length === 0
          ? el('tr', {}, el('td', { colspan: 2, class: 'empty' }, 'No data'))
          : rows.map((r) => el('tr', {},
            el('td', {}, el('button', {
              type: 'button', class: 'link',
              onclick: () => (this.dates ? this.onRange(r.key, r.key + intervalMs - 1) : this.onBucket(r)),
            }, this.dates ? formatTime(r.key) : r.label)),
            el('td', { class: 'num' }, formatMetric(r.value)))))));
      return;
    }
    this.box.setAttribute('aria-label', `${vis.title || 'Visualization'}: ${rows.length} ${rows.length === 1 ? 'bucket' : 'buckets'}`);
    this.box.dataset.empty = String(rows.length === 0);
    this.emptyNote.hidden = rows.length > 0;
    const LEGEND_ROWS = 10;
    this.legend.replaceChildren(...(this.dates ? [] : rows.slice(0, LEGEND_ROWS).map((r) => el('li', {},
      el('button', { type: 'button', class: 'link', 'aria-label': `Filter for ${r.label}`, onclick: () => this.onBucket(r) },
        vis.kind === 'map' ? countryLabel(r.label) : r.label),
      ` ${formatMetric(r.value)}`))));
    if (vis.kind === 'map') {
      const { byNumeric, unknown } = choropleth(rows.map((r) => ({ key: String(r.key), count: r.value ?? 0 })));
      this.chart.update(byNumeric);
      this.box.dataset.countries = JSON.stringify([...byNumeric.values()].map((v) => [v.code, v.count]));
      this.note.textContent = unknown.length ? `Not on the map: ${unknown.map(countryLabel).join(', ')}` : '';
    } else {
      this.chart.update(vis, data, intervalMs);
    }
    this.fit();
  }

  // The chart's box may have changed size with the legend under it: the canvas follows.
  fit() {
    const size = `${this.box.clientWidth}x${this.box.clientHeight}`;
    if (size !== this.size) {
      this.size = size;
      this.chart.chart.resize();
    }
  }

  dispose() {
    this.chart?.dispose();
    this.chart = null;
  }
}
