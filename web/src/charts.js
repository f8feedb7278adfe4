// The overview's charts, drawn by ECharts: a donut, bars stacked by severity over time, and the
// world choropleth (world-atlas geometry through topojson-client). Each takes the element and
// the data; clicks call back with what was clicked. Redraws merge into the chart in place.
import * as echarts from 'echarts/core';
import { BarChart, PieChart, MapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { feature } from 'topojson-client';
import world from 'world-atlas/countries-110m.json';
import { formatCount, formatTime } from './format.js';
import { SEVERITY_ORDER } from './overview.js';
import { Chart } from './chart_base.js';
import { numericOf, unwrapGeometry } from './countries.js';

echarts.use([BarChart, PieChart, MapChart, GridComponent, TooltipComponent, LegendComponent, VisualMapComponent, CanvasRenderer]);

export const SEVERITY_COLORS = { Critical: '#9b1c1c', High: '#d9480f', Medium: '#e0a800', Low: '#5b8c5a' };

// The map's countries, named by their ISO numeric code (what the data joins on); their own
// names are kept for tooltips.
const NAMES = new Map();
echarts.registerMap('world', {
  type: 'FeatureCollection',
  // Antarctica (010) is left out: no attacks come from it, and its ring spans every longitude.
  features: feature(world, world.objects.countries).features.filter((f) => f.id !== '010').map((f) => {
    const id = f.id ?? `none:${f.properties.name}`;
    NAMES.set(id, f.properties.name);
    return { ...f, geometry: unwrapGeometry(f.geometry), properties: { name: id } };
  }),
});
export const countryName = (numeric) => NAMES.get(numeric) ?? numeric;
// "China (CN)" for an alpha-2 code; the code alone when no map knows it.
export const countryLabel = (alpha2) => {
  const n = numericOf(alpha2);
  return n !== null && NAMES.has(n) ? `${NAMES.get(n)} (${alpha2})` : alpha2;
};

export class Donut extends Chart {
  // items: [{key, count}]; onSlice(key).
  constructor(element, onSlice) { super(element, (p) => onSlice(p.name)); }

  update(items) {
    this.chart.setOption({
      animation: false,
      tooltip: { trigger: 'item', formatter: (p) => `${p.name}<br>${formatCount(p.value)} (${p.percent}%)` },
      series: [{
        type: 'pie', radius: ['45%', '75%'], avoidLabelOverlap: true, label: { show: false },
        data: items.map((i) => ({ name: i.key, value: i.count })),
      }],
    });
  }
}

export class SeverityBars extends Chart {
  update(overTime, intervalMs) {
    this.intervalMs = intervalMs;
    this.chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 30, bottom: 28 },
      legend: { top: 0, data: SEVERITY_ORDER },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: (ps) => `${formatTime(ps[0].value[0])}<br>${ps.map((p) => `${p.seriesName}: ${formatCount(p.value[1])}`).join('<br>')}` },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', minInterval: 1, splitNumber: 3 },
      series: SEVERITY_ORDER.map((s) => ({
        type: 'bar', name: s, stack: 'severity', barCategoryGap: '10%', itemStyle: { color: SEVERITY_COLORS[s] },
        data: overTime.map((b) => [b.key, b[s]]),
      })),
    });
  }
}

export class WorldMap extends Chart {
  // onCountry(alpha2) for a click on a country that has attacks.
  constructor(element, onCountry) {
    super(element, (p) => { if (p.data?.code) onCountry(p.data.code); });
  }

  // byNumeric: Map(numeric → {code, count}) from countries.js's choropleth().
  update(byNumeric) {
    const data = [...byNumeric.entries()].map(([name, v]) => ({ name, value: v.count, code: v.code }));
    const max = Math.max(1, ...data.map((d) => d.value));
    this.chart.setOption({
      animation: false,
      tooltip: {
        trigger: 'item',
        formatter: (p) => `${countryName(p.name)}<br>${Number.isFinite(p.value) ? `${formatCount(p.value)} attacks` : 'no attacks'}`,
      },
      visualMap: {
        min: 0, max, left: 8, bottom: 8, text: [formatCount(max), '0'], calculable: false,
        inRange: { color: ['#fde2d0', '#f08c4a', '#9b1c1c'] }, outOfRange: { color: '#e9edf2' },
      },
      series: [{
        type: 'map', map: 'world', roam: false, nameProperty: 'name',
        itemStyle: { areaColor: '#e9edf2', borderColor: '#9aa5b5', borderWidth: 0.4 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: '#3b6fd4' } },
        select: { disabled: true },
        data,
      }],
    });
  }
}
