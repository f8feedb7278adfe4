// Discover's histogram of hits over time, drawn by ECharts: a bar per interval; dragging across
// it (or clicking a bar) asks for that time range.
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, BrushComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { formatTime, formatCount } from './format.js';
import { Chart } from './chart_base.js';

echarts.use([BarChart, GridComponent, TooltipComponent, BrushComponent, CanvasRenderer]);

export class Histogram extends Chart {
  // `onRange(from, to)` is told the time range the user picked, in ms: a drag across the bars,
  // or a click on one.
  constructor(element, onRange) {
    super(element, (p) => {
      const start = p.value?.[0];
      if (Number.isFinite(start)) onRange(start, start + this.intervalMs - 1);
    });
    this.element = element;
    this.onRange = onRange;
    this.intervalMs = 0;
    this.chart.on('brushEnd', (e) => {
      const area = e.areas?.[0];
      if (!area?.coordRange) return;
      const [a, b] = area.coordRange;
      this.chart.dispatchAction({ type: 'brush', areas: [] });
      if (Number.isFinite(a) && Number.isFinite(b) && b > a) this.onRange(Math.floor(a), Math.ceil(b));
    });
  }

  // buckets: [{key (ms), doc_count}]; the chart keeps its size and redraws without flicker.
  update(buckets, intervalMs) {
    this.intervalMs = intervalMs;
    this.element.dataset.buckets = String(buckets.length);
    this.element.dataset.total = String(buckets.reduce((n, b) => n + b.doc_count, 0));
    this.chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 12, bottom: 28 },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (ps) => {
          const p = ps[0];
          return `${formatTime(p.value[0])}<br>${formatCount(p.value[1])} findings`;
        },
      },
      brush: { xAxisIndex: 0, brushType: 'lineX', brushMode: 'single', throttleType: 'debounce', transformable: false },
      toolbox: { show: false },
      xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1, splitNumber: 3 },
      series: [{
        type: 'bar',
        name: 'findings',
        barCategoryGap: '10%',
        itemStyle: { color: '#3b6fd4' },
        data: buckets.map((b) => [b.key, b.doc_count]),
      }],
    }, { notMerge: false, lazyUpdate: true });
    // Dragging selects a range without first choosing a tool.
    this.chart.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
  }
}
