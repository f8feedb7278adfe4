// What every ECharts chart of the dashboard does: made on its element, resized with the window,
// told of clicks, disposed with its page. Each chart registers the ECharts parts it uses.
import * as echarts from 'echarts/core';

export class Chart {
  constructor(element, onClick) {
    this.chart = echarts.init(element, null, { renderer: 'canvas' });
    if (onClick) this.chart.on('click', (p) => onClick(p));
    this.resize = () => this.chart.resize();
    window.addEventListener('resize', this.resize);
  }

  dispose() {
    window.removeEventListener('resize', this.resize);
    this.chart.dispose();
  }
}
