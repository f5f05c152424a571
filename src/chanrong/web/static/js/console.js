/* Console charts: every element with data-chart="bar|pie" and data-series='[{name, value, href?}]'
   becomes an ECharts chart (vendored, no network). Once drawn (animation done) the element gets
   data-rendered="true". */
(function () {
  'use strict';
  var PALETTE = ['#c0392b', '#e67e22', '#2c7be5', '#27ae60', '#8e44ad', '#16a085', '#d35400', '#7f8c8d'];

  function barOption(points) {
    return {
      color: PALETTE,
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}},
      grid: {left: 8, right: 16, top: 28, bottom: 8, containLabel: true},
      xAxis: {
        type: 'category',
        data: points.map(function (p) { return p.name; }),
        axisLabel: {rotate: points.length > 6 ? 40 : 0, interval: 0},
        axisTick: {alignWithLabel: true}
      },
      yAxis: {type: 'value', minInterval: 1},
      series: [{
        type: 'bar',
        barMaxWidth: 36,
        data: points.map(function (p) { return p.value; }),
        itemStyle: {color: PALETTE[0], borderRadius: [3, 3, 0, 0]},
        label: {show: points.length <= 12, position: 'top'}
      }]
    };
  }

  function pieOption(points) {
    return {
      color: PALETTE,
      tooltip: {trigger: 'item', formatter: '{b}: {c} ({d}%)'},
      legend: {bottom: 0, type: 'scroll'},
      series: [{
        type: 'pie',
        radius: ['40%', '68%'],
        center: ['50%', '44%'],
        avoidLabelOverlap: true,
        label: {formatter: '{c}'},
        data: points.map(function (p) { return {name: p.name, value: p.value}; })
      }]
    };
  }

  function render(el) {
    if (el.dataset.chartReady || typeof window.echarts === 'undefined') { return; }
    el.dataset.chartReady = 'true';
    var points = JSON.parse(el.dataset.series || '[]');
    var chart = window.echarts.init(el, null, {renderer: 'canvas'});
    var option = el.dataset.chart === 'pie' ? pieOption(points) : barOption(points);
    option.textStyle = {fontFamily: window.getComputedStyle(document.body).fontFamily};
    chart.setOption(option);
    chart.on('click', function (params) {
      var point = points[params.dataIndex];
      if (point && point.href) { window.location.href = point.href; }
    });
    window.addEventListener('resize', function () { chart.resize(); });
    // "rendered" once drawn and animated: the bars are where a click would find them.
    chart.on('finished', function () { el.dataset.rendered = 'true'; });
  }

  function renderAll() {
    document.querySelectorAll('[data-chart]').forEach(render);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', renderAll);
  } else {
    renderAll();
  }
})();
