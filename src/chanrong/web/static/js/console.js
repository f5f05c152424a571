/* Console charts: every element with data-chart="bar|pie|bar-line" and
   data-series='[{name, value, href?}]'
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

  /* data-chart="bar-line": bars of `value` (left axis) and a line of `line` (right axis);
     data-legend='["bars", "line"]' names the two series. */
  function barLineOption(points, legend) {
    return {
      color: [PALETTE[0], PALETTE[2]],
      tooltip: {trigger: 'axis'},
      legend: {top: 0, data: legend},
      grid: {left: 8, right: 8, top: 36, bottom: 8, containLabel: true},
      xAxis: {type: 'category', data: points.map(function (p) { return p.name; })},
      yAxis: [{type: 'value', minInterval: 1}, {type: 'value', splitLine: {show: false}}],
      series: [
        {name: legend[0], type: 'bar', barMaxWidth: 36, label: {show: true, position: 'top'},
         itemStyle: {borderRadius: [3, 3, 0, 0]},
         data: points.map(function (p) { return p.value; })},
        {name: legend[1], type: 'line', yAxisIndex: 1, smooth: true, symbolSize: 8,
         data: points.map(function (p) { return p.line; })}
      ]
    };
  }

  function render(el) {
    if (el.dataset.chartReady || typeof window.echarts === 'undefined') { return; }
    el.dataset.chartReady = 'true';
    var points = JSON.parse(el.dataset.series || '[]');
    var chart = window.echarts.init(el, null, {renderer: 'canvas'});
    var kind = el.dataset.chart;
    var option = kind === 'pie' ? pieOption(points) : kind === 'bar-line'
      ? barLineOption(points, JSON.parse(el.dataset.legend || '["", ""]')) : barOption(points);
    var unit = el.dataset.unit;  // e.g. "%": shown after bar labels and axis values
    if (unit && kind === 'bar') {
      option.series[0].label.formatter = '{c}' + unit;
      option.yAxis.axisLabel = {formatter: '{value}' + unit};
      option.tooltip.valueFormatter = function (v) { return v + unit; };
    }
    option.textStyle = {fontFamily: window.getComputedStyle(document.body).fontFamily};
    var every = el.dataset.axisInterval;  // "auto" lets ECharts thin a long axis's labels
    if (every && option.xAxis) {
      option.xAxis.axisLabel = {interval: every === 'auto' ? every : Number(every), rotate: 0};
    }
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

/* Forms with data-confirm="question" ask before they are sent (revoking a grant is final). */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm &&
        !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);
})();

/* The browser's own check of a ledger entry (element with data-proof-check): recompute the leaf
   hash SHA-256(0x00 || entry) with Web Crypto and fold the inclusion proof to the root as
   RFC 9162 section 2.1.3.2 says. The element ends with data-checked="ok|fail|unavailable". */
(function () {
  'use strict';

  function bytesOf(b64) {
    var raw = window.atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function joined(prefix, parts) {
    var size = 1;
    parts.forEach(function (p) { size += p.length; });
    var out = new Uint8Array(size);
    out[0] = prefix;
    var at = 1;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await window.crypto.subtle.digest('SHA-256', bytes));
  }

  function same(a, b) {
    if (a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i += 1) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  async function rootFromProof(index, size, leaf, proof) {
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i += 1) {
      if (sn === 0) { throw new Error('proof is longer than the path to the root'); }
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(joined(1, [proof[i], r]));
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(joined(1, [r, proof[i]]));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) { throw new Error('proof is shorter than the path to the root'); }
    return r;
  }

  async function check(el) {
    var d = el.dataset;
    if (!window.isSecureContext || !window.crypto || !window.crypto.subtle) {
      el.textContent = d.unavailable;
      el.dataset.checked = 'unavailable';
      return;
    }
    var ok = false;
    try {
      var leaf = await sha256(joined(0, [new TextEncoder().encode(d.entry)]));
      var proof = JSON.parse(d.proof).map(bytesOf);
      ok = same(leaf, bytesOf(d.leaf)) &&
        same(await rootFromProof(Number(d.seq), Number(d.size), leaf, proof), bytesOf(d.root));
    } catch (error) {
      ok = false;
    }
    el.textContent = ok ? d.ok : d.fail;
    el.classList.remove('pending');
    el.classList.add(ok ? 'ok' : 'fail');
    el.dataset.checked = ok ? 'ok' : 'fail';
  }

  function checkAll() {
    document.querySelectorAll('[data-proof-check]').forEach(check);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', checkAll);
  } else {
    checkAll();
  }
})();

/* An empty purpose is not sent: a request that names a purpose is an audited cross-party read
   and runs as a writing transaction, while a plain resolution only reads. */
document.addEventListener('htmx:configRequest', function (event) {
  'use strict';
  if (event.detail.parameters.purpose === '') { delete event.detail.parameters.purpose; }
});
