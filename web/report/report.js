// The report page (docs/report.md): reads the runs from the JSON block the binary wrote into the
// page and draws every section with ECharts. Nothing is fetched: the page works from file://.
(function () {
  'use strict';

  const data = JSON.parse(document.getElementById('tinderbox-data').textContent);
  const runs = data.runs;
  const charts = [];

  // ---------------------------------------------------------------- formatting

  const num = (x, digits = 1) =>
    x === null || x === undefined || !isFinite(x) ? 'n/a'
      : Number(x).toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
  const usd = (x, digits = 1) => (x === null || x === undefined || !isFinite(x) ? 'n/a' : '$' + num(x, digits) + 'M');
  const pct = (x, digits = 2) => (x === null || x === undefined || !isFinite(x) ? 'n/a' : num(100 * x, digits) + ' %');
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const monthLabel = (iso) => MONTHS[Number(iso.slice(5, 7)) - 1] + ' ' + iso.slice(0, 4);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const runLabel = (r) => `run ${r.id} · ${r.command} · ${r.created_at}`;

  // ---------------------------------------------------------------- charts

  // Options every chart shares: no animation (the page is read, and screenshotted, as drawn).
  function baseOption(extra) {
    return Object.assign({
      animation: false,
      textStyle: {fontFamily: 'DejaVu Sans, Helvetica, Arial, sans-serif'},
      grid: {left: 16, right: 24, top: 56, bottom: 36, containLabel: true},
      // A plain legend, wrapped onto as many lines as it needs (chart() makes room for them): a
      // scrolling one names only some series on a screenshot or a printed page.
      legend: {top: 4},
      // Sixteen colours, so that a maturity wall of many instruments repeats none.
      color: ['#4263eb', '#94d82d', '#fab005', '#f03e3e', '#3bc9db', '#2b8a3e', '#fd7e14', '#9c36b5',
              '#e64980', '#1864ab', '#5c940d', '#c92a2a', '#0b7285', '#862e9c', '#e67700', '#495057'],
    }, extra);
  }

  // A category axis of period-end dates, labelled by month.
  function dateAxis(dates, name) {
    return {
      type: 'category', data: dates, name: name || 'period end', nameLocation: 'middle', nameGap: 28,
      axisLabel: {formatter: monthLabel, hideOverlap: true},
      axisTick: {alignWithLabel: true},
    };
  }
  function valueAxis(name, extra) {
    return Object.assign({type: 'value', name: name, nameTextStyle: {align: 'left'},
      axisLabel: {formatter: (v) => num(v, 0)}}, extra || {});
  }
  // A tooltip for charts over dates: the date, then each series' value formatted by `show`.
  function dateTooltip(show) {
    return {
      trigger: 'axis',
      formatter: (params) => {
        const list = Array.isArray(params) ? params : [params];
        if (!list.length) return '';
        const rows = list.filter((p) => !p.seriesName.startsWith('_'))
          .map((p) => `${p.marker} ${p.seriesName}: <b>${show(p)}</b>`);
        return `${list[0].axisValue}<br>` + rows.join('<br>');
      },
    };
  }

  function chart(parent, name, option, height) {
    const div = el('div', {class: 'chart', 'data-chart': name});
    div.style.height = (height || 340) + 'px';
    parent.append(div);
    const c = echarts.init(div, null, {renderer: 'canvas'});
    c.setOption(option);
    // A legend at the top that wrapped onto more lines: the title and the plot move down by as
    // much, and the chart grows by as much, so that the plot keeps its height.
    const legend = legendBox(c);
    const grid = option.grid || {};
    if (legend && option.series.every((x) => x.type !== 'graph') && typeof grid.top === 'number') {
      const below = legend.y + legend.height - ONE_LINE_LEGEND;
      if (below > 0) {
        const update = {grid: {top: grid.top + below}};
        if (option.title) update.title = {top: option.title.top + below};
        c.setOption(update);
        div.style.height = ((height || 340) + below) + 'px';
        c.resize();
      }
    }
    charts.push({name: name, chart: c, div: div});
    return c;
  }
  // Where a one-line legend at the top ends (4 px from the top, items of 14 px, padding 5).
  const ONE_LINE_LEGEND = 4 + 5 + 14 + 5;

  // Where a chart's legend is drawn, in pixels of the chart, or null without one.
  function legendBox(c) {
    const legend = c.getModel().getComponent('legend');
    const view = legend && c.getViewOfComponentModel(legend);
    if (!view) return null;
    const b = view.group.getBoundingRect();
    return {x: view.group.x + b.x, y: view.group.y + b.y, width: b.width, height: b.height};
  }

  // With runs side by side, the two charts of one figure share each value axis's range (from the
  // lower of their minimums to the higher of their maximums), so that the same numbers look the
  // same on the left and on the right.
  function shareAxes() {
    if (runs.length < 2) return;
    const pairs = new Map();
    for (const c of charts) {
      const key = c.div.closest('section').id + '|' + c.name;
      if (!pairs.has(key)) pairs.set(key, []);
      pairs.get(key).push(c);
    }
    for (const list of pairs.values()) {
      if (list.length < 2) continue;
      for (const dim of ['xAxis', 'yAxis']) {
        const axes = list.map((c) => c.chart.getModel().findComponents({mainType: dim}));
        const count = Math.min(...axes.map((a) => a.length));
        const update = [];
        for (let i = 0; i < count; ++i) {
          if (!axes.every((a) => a[i].axis && a[i].axis.type === 'value')) { update.push({}); continue; }
          const extents = axes.map((a) => a[i].axis.scale.getExtent());
          // On the coarser of the two tick steps, so that both sides get the same ticks and no
          // label crowds the end of the axis.
          const step = Math.max(...axes.map((a) => a[i].axis.scale.getInterval()));
          const tick = (x, round) => Number((round(x / step - 1e-9 * Math.sign(x)) * step).toPrecision(12));
          update.push({min: tick(Math.min(...extents.map((e) => e[0])), Math.floor),
                       max: tick(Math.max(...extents.map((e) => e[1])), Math.ceil), interval: step});
        }
        if (update.some((u) => 'min' in u)) for (const c of list) c.chart.setOption({[dim]: update});
      }
    }
  }
  function note(parent, text) { parent.append(el('p', {class: 'note', text: text})); }

  // One section: a heading, what it shows, and a column per run.
  function section(id, title, lead, render) {
    const s = el('section', {id: id}, el('h2', {text: title}), el('p', {class: 'lead', text: lead}));
    const grid = el('div', {class: 'runs'});
    grid.style.setProperty('--n', String(runs.length));
    s.append(grid);
    // In the page before anything is drawn: a chart takes the size of its place.
    document.getElementById('report').append(s);
    runs.forEach((r, i) => {
      const col = el('div', {class: 'run'});
      if (runs.length > 1) col.append(el('h3', {text: runLabel(r)}));
      grid.append(col);
      render(r, col, i);
    });
    nav.append(el('a', {href: '#' + id, text: title}));
  }

  // Entities that keep books (cash, debt, a fleet): the ones with figures to chart.
  const bookEntities = (r) => r.entities.filter((e) => e.has_books === 1);
  const series = (r, entity, name) => (r.series[entity] || {})[name] || [];
  const maxOf = (xs) => xs.reduce((m, x) => Math.max(m, x), -Infinity);
  const noSimulation = (col) => note(col, 'No Monte Carlo in this run: store one with ' +
    '`tinderbox simulate SCENARIO --paths N --db FILE`.');

  // ---------------------------------------------------------------- sections

  function headline(r, col) {
    const cards = el('div', {class: 'cards'});
    const card = (label, value, sub) => cards.append(el('div', {class: 'card'},
      el('div', {class: 'label', text: label}), el('div', {class: 'value', text: value}),
      sub ? el('div', {class: 'sub', text: sub}) : null));
    const horizon = `${r.horizon} ${r.period}s to ${r.dates[r.dates.length - 1]}`;
    for (const e of bookEntities(r)) {
      const m = e.metrics, id = e.entity;
      const cash = series(r, id, 'cash'), debt = series(r, id, 'debt');
      const low = cash.indexOf(Math.min(...cash));
      // The runway is cash-based (docs/cli.md), but an entity that defaults is not modelled past its
      // default: its runway ends there, not "beyond the horizon".
      const outBefore = m.runway_date && (!e.default_date || m.runway_date <= e.default_date);
      if (e.default_date && !outBefore)
        card(`${id}: runway (base case)`, `ends at the default`, `defaulted ${e.default_date}; cash had not run out`);
      else
        card(`${id}: runway (base case)`, m.runway_months === null ? 'beyond the horizon' : `${m.runway_months} months`,
          m.runway_date ? `cash runs out ${m.runway_date}` : horizon);
      card(`${id}: default (base case)`, e.default_date || 'none', e.default_reason || 'every payment made');
      const breach = r.events.find((ev) => ev.entity === id && ev.type === 'covenant_breach');
      card(`${id}: first covenant breach`, breach ? breach.date : 'none', breach ? breach.detail : 'every test passed');
      card(`${id}: lowest cash`, usd(cash[low], 0), `on ${r.dates[low]}`);
      card(`${id}: peak debt`, usd(maxOf(debt), 0), `debt/EBITDA year one ${num(m.debt_to_ebitda, 2)}${m.debt_to_ebitda == null ? '' : 'x'}`);
      const sim = r.simulation;
      if (sim && sim.pd[id]) {
        const pd = sim.pd[id].pd, se = sim.pd[id].pd_se, n = pd.length - 1;
        card(`${id}: default probability`, pct(pd[n]), `by ${r.dates[n]}, ± ${pct(se[n])} (s.e.), ${num(r.paths, 0)} paths`);
        const rq = sim.runway_quantiles.find((q) => q.entity === id);
        const months = (v) => (v === null ? 'none' : String(v));
        if (rq && rq.p05 === null) card(`${id}: runway (Monte Carlo)`, 'beyond the horizon', 'in more than 95 % of paths');
        else if (rq) card(`${id}: runway p05 / p50 / p95`, `${months(rq.p05)} / ${months(rq.p50)} / ${months(rq.p95)} months`,
          '"none": that share of paths does not run out of cash');
      }
    }
    if (r.simulation && r.simulation.system) {
      const s = r.simulation.system;
      card('all lenders: expected loss', usd(s.loss_mean, 2), `VaR99 ${usd(s.loss_var99, 0)}, ES99 ${usd(s.loss_es99, 0)}`);
      // Not a silent approximation: periods whose fire-sale passes stopped at network.max_rounds.
      if (s.fire_sale_unsettled_periods > 0)
        card('fire sales not settled', `${num(s.fire_sale_unsettled_periods, 0)} periods`,
          'summed over paths: the passes reached network.max_rounds before the GPUs sold stopped changing; the last pass is reported');
    }
    col.append(cards);
  }

  function maturityWall(r, col) {
    const paid = r.principal_by_year.filter((p) => Math.abs(p.amount) > 1e-9);
    // What is still owed at the horizon falls due at each debt's maturity.
    const owed = r.debts.filter((d) => d.balance_end > 1e-6)
      .map((d) => ({entity: d.entity, instrument: d.instrument, year: d.maturity.slice(0, 4), amount: d.balance_end}));
    if (!paid.length && !owed.length) return note(col, 'No principal is repaid in this run.');
    const multi = new Set(paid.concat(owed).map((p) => p.entity)).size > 1;
    const key = (p) => (multi ? `${p.entity} · ${p.instrument}` : p.instrument);
    const all = paid.concat(owed).map((p) => Number(p.year));
    const years = [];
    for (let y = Math.min(...all); y <= Math.max(...all); ++y) years.push(String(y));
    const names = [...new Set(paid.concat(owed).map(key))];
    const sum = (list, n, y) => list.filter((p) => key(p) === n && p.year === y).reduce((t, p) => t + p.amount, 0);
    const horizon = r.dates[r.dates.length - 1];
    const option = baseOption({
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, formatter: (ps) => {
        const list = ps.filter((p) => p.value);
        const total = list.reduce((t, p) => t + p.value, 0);
        return `${ps[0].axisValue}: <b>${usd(total, 0)}</b><br>` + list.map((p) =>
          `${p.marker} ${p.seriesName}: ${usd(p.value, 0)}${p.data.owed ? ' (owed at the horizon, due at maturity)' : ''}`).join('<br>');
      }},
      xAxis: {type: 'category', data: years, name: 'year repaid', nameLocation: 'middle', nameGap: 28},
      yAxis: valueAxis('principal, $M'),
      series: names.map((n) => ({name: n, type: 'bar', stack: 'wall', emphasis: {focus: 'series'},
        data: years.map((y) => {
          const p = sum(paid, n, y), o = sum(owed, n, y);
          // A year is either inside the run (paid) or past its end (owed), except the last one.
          if (o > 0 && p === 0) return {value: o, owed: true, itemStyle: {opacity: 0.5, decal: {symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: -0.8}}};
          return p + o || null;
        })})),
    });
    option.aria = {enabled: true, decal: {show: false}};
    chart(col, 'maturity-wall', option, 380);
    note(col, `Solid: principal paid in the base case through ${horizon}. Hatched: the balance still owed at ${horizon}, ` +
      'shown in the year its debt matures.');
  }

  function cashFan(r, col) {
    for (const e of bookEntities(r)) {
      const id = e.entity, base = series(r, id, 'cash');
      const q = r.simulation && r.simulation.cash_quantiles[id];
      const band = (lo, hi) => lo.map((v, k) => hi[k] - v);
      const s = [];
      if (q) {
        s.push({name: '_p05', type: 'line', stack: 'outer', data: q.p05, symbol: 'none', lineStyle: {opacity: 0}, silent: true});
        s.push({name: '5–95 % of paths', type: 'line', stack: 'outer', data: band(q.p05, q.p95), symbol: 'none',
          lineStyle: {opacity: 0}, areaStyle: {color: 'rgba(84,112,198,0.18)'}, itemStyle: {color: 'rgba(84,112,198,0.35)'}});
        s.push({name: '_p25', type: 'line', stack: 'inner', data: q.p25, symbol: 'none', lineStyle: {opacity: 0}, silent: true});
        s.push({name: '25–75 % of paths', type: 'line', stack: 'inner', data: band(q.p25, q.p75), symbol: 'none',
          lineStyle: {opacity: 0}, areaStyle: {color: 'rgba(84,112,198,0.35)'}, itemStyle: {color: 'rgba(84,112,198,0.6)'}});
        s.push({name: 'median of paths', type: 'line', data: q.p50, symbol: 'none', lineStyle: {type: 'dashed', width: 2}, itemStyle: {color: '#3a56b0'}});
      }
      s.push({name: 'base case', type: 'line', data: base, symbol: 'none', lineStyle: {width: 2.5}, itemStyle: {color: '#d9480f'}});
      const option = baseOption({
        title: {text: id, left: 'center', top: 24, textStyle: {fontSize: 13}},
        grid: {left: 16, right: 24, top: 64, bottom: 36, containLabel: true},
        legend: {top: 4, data: s.filter((x) => !x.name.startsWith('_')).map((x) => x.name)},
        tooltip: {trigger: 'axis', formatter: (ps) => {
          const k = ps[0].dataIndex;
          let out = `${r.dates[k]}<br>base case: <b>${usd(base[k], 0)}</b>`;
          if (q) out += `<br>paths p05 ${usd(q.p05[k], 0)} · p25 ${usd(q.p25[k], 0)} · p50 ${usd(q.p50[k], 0)}` +
            ` · p75 ${usd(q.p75[k], 0)} · p95 ${usd(q.p95[k], 0)}`;
          return out;
        }},
        xAxis: dateAxis(r.dates), yAxis: valueAxis('cash at period end, $M'), series: s,
      });
      chart(col, 'cash-' + id, option, 360);
      if (!q) noSimulation(col);
    }
  }

  // Trailing twelve-month ratio of two series, as the covenant tests compute it: in the first year,
  // over the periods since the start (docs/model.md); null when the denominator is zero.
  function trailing(a, b, perYear) {
    return a.map((_, k) => {
      let x = 0, y = 0;
      for (let j = Math.max(0, k - perYear + 1); j <= k; ++j) { x += a[j]; y += b[j]; }
      return y > 0 ? x / y : null;
    });
  }
  const perYear = (r) => (r.period === 'quarter' ? 4 : 12);

  function serviceVsEbitda(r, col) {
    for (const e of bookEntities(r)) {
      const id = e.entity, service = series(r, id, 'debt_service'), ebitda = series(r, id, 'ebitda');
      const dscr = trailing(ebitda, service, perYear(r));
      const option = baseOption({
        title: {text: id, left: 'center', top: 24, textStyle: {fontSize: 13}},
        grid: {left: 16, right: 16, top: 64, bottom: 36, containLabel: true},
        tooltip: dateTooltip((p) => (p.seriesName.startsWith('DSCR') ? num(p.value, 2) + 'x' : usd(p.value, 0))),
        xAxis: dateAxis(r.dates),
        yAxis: [valueAxis(`$M per ${r.period}`), valueAxis('DSCR, x', {position: 'right', splitLine: {show: false},
          nameTextStyle: {align: 'right'}, axisLabel: {formatter: (v) => num(v, 1) + 'x'}})],
        series: [
          {name: 'debt service (interest, fees, scheduled principal)', type: 'bar', data: service, itemStyle: {color: '#c92a2a'}},
          {name: 'EBITDA', type: 'line', data: ebitda, symbol: 'none', lineStyle: {width: 2}, itemStyle: {color: '#2b8a3e'}},
          {name: 'DSCR (trailing, up to 12 months)', type: 'line', yAxisIndex: 1, data: dscr, symbol: 'none',
            lineStyle: {type: 'dashed'}, itemStyle: {color: '#5f3dc4'}},
        ],
      });
      chart(col, 'service-' + id, option, 360);
    }
  }

  // How far a measure can fall (a minimum) or rise (a maximum) before it breaks its limit, as a
  // share of its current value; below 0 it is in breach.
  function cushion(covenant, v, limit) {
    if (v === 0) return v >= limit ? 0 : null;
    return covenant === 'max_ltv' ? (limit - v) / Math.abs(v) : (v - limit) / Math.abs(v);
  }

  // Headroom of a covenant at each period end, as a share of its limit, from the stored series
  // (docs/report.md says how each measure is computed).
  function headroomSeries(r, c) {
    const id = c.entity, cash = series(r, id, 'cash'), n = r.dates.length;
    let value;
    if (c.covenant === 'min_liquidity') value = cash;
    else if (c.covenant === 'max_ltv') {
      const debt = series(r, id, 'debt'), mv = series(r, id, 'collateral_market');
      value = debt.map((d, k) => (mv[k] > 0 ? d / mv[k] : null));
    } else if (c.covenant === 'min_dscr') value = trailing(series(r, id, 'ebitda'), series(r, id, 'debt_service'), perYear(r));
    // Contract realization: its measure (contract revenue due and received) is not among the
    // stored series, so only its breaches are drawn (docs/report.md).
    else if (c.covenant === 'min_contract_realization') value = cash.map(() => null);
    else value = trailing(series(r, id, 'ebitda'), series(r, id, 'interest'), perYear(r));
    const defaulted = r.entities.find((e) => e.entity === id).default_period;
    return Array.from({length: n}, (_, k) => {
      if ((c.from_date && r.dates[k] < c.from_date) || (defaulted !== null && k > defaulted)) return null;
      const v = value[k];
      if (v === null || !isFinite(v) || c.threshold === 0) return null;
      return cushion(c.covenant, v, c.threshold);
    });
  }

  function covenantHeadroom(r, col) {
    if (!r.covenants.length) return note(col, 'No debt in this run carries a covenant.');
    // With covenants on more than one entity's debt, each line names its entity too.
    const several = new Set(r.covenants.map((c) => c.entity)).size > 1;
    const s = r.covenants.map((c) => ({
      name: `${several ? c.entity + ' · ' : ''}${c.instrument} ${c.covenant} ${num(c.threshold, c.covenant === 'min_liquidity' ? 0 : 2)}`,
      type: 'line', symbol: 'none', connectNulls: false, data: headroomSeries(r, c).map((v) => (v === null ? null : 100 * v)),
    }));
    const breaches = r.events.filter((e) => e.type === 'covenant_breach' || e.type === 'covenant_waived');
    s.push({name: 'breach (as the engine measured it)', type: 'scatter', symbol: 'triangle', symbolSize: 11,
      itemStyle: {color: '#c92a2a'},
      data: breaches.map((b) => [b.date, 100 * (cushion(b.detail.includes('max_ltv') ? 'max_ltv' : 'min', b.value, b.threshold) || 0), b.detail])});
    s[0].markLine = {silent: true, symbol: 'none', lineStyle: {color: '#c92a2a', type: 'solid'},
      label: {formatter: 'limit', position: 'insideEndTop'}, data: [{yAxis: 0}]};
    const option = baseOption({
      tooltip: {trigger: 'item', formatter: (p) => (p.seriesType === 'scatter'
        ? `${p.value[0]}<br>${p.value[2]}` : `${p.name}<br>${p.marker} ${p.seriesName}: the measure can ` +
          `${p.seriesName.includes('max_') ? 'rise' : 'fall'} <b>${num(p.value, 1)} %</b> before it breaks the limit`)},
      xAxis: dateAxis(r.dates),
      yAxis: valueAxis('headroom, % of the measure (below 0: breach)', {axisLabel: {formatter: (v) => num(v, 0) + ' %'}}),
      dataZoom: [{type: 'inside'}],
      series: s,
    });
    chart(col, 'covenants', option, 380);
  }

  function defaultProbability(r, col) {
    const sim = r.simulation;
    if (!sim) return noSimulation(col);
    const ids = Object.keys(sim.pd).filter((id) => maxOf(sim.pd[id].pd) > 0);
    if (!ids.length) return note(col, `No entity defaults in any of the ${num(r.paths, 0)} paths.`);
    const option = baseOption({
      tooltip: dateTooltip((p) => `${pct(p.value)} ± ${pct(sim.pd[p.seriesName].pd_se[p.dataIndex])}`),
      xAxis: dateAxis(r.dates),
      yAxis: valueAxis('defaulted by the period end, % of paths', {axisLabel: {formatter: (v) => num(v, 1) + ' %'}}),
      series: ids.map((id) => ({name: id, type: 'line', symbol: 'none', step: 'end', lineStyle: {width: 2},
        data: sim.pd[id].pd.map((v) => 100 * v)})),
    });
    option.tooltip.formatter = (ps) => `${ps[0].axisValue}<br>` + ps.map((p) =>
      `${p.marker} ${p.seriesName}: <b>${num(p.value, 2)} %</b> ± ${num(100 * sim.pd[p.seriesName].pd_se[p.dataIndex], 2)}`).join('<br>');
    chart(col, 'pd', option, 360);
  }

  function lenderLosses(r, col) {
    const sim = r.simulation;
    if (!sim) return noSimulation(col);
    const rows = sim.lenders.slice();
    if (sim.system) rows.push({lender: 'all lenders', el: sim.system.loss_mean, var99: sim.system.loss_var99, es99: sim.system.loss_es99, p_loss: null});
    const names = rows.map((l) => l.lender);
    const option = baseOption({
      grid: {left: 16, right: 40, top: 56, bottom: 40, containLabel: true},
      tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'}, formatter: (ps) => {
        const l = rows[ps[0].dataIndex];
        return `${l.lender}<br>expected loss <b>${usd(l.el, 2)}</b><br>99 % VaR <b>${usd(l.var99, 1)}</b><br>` +
          `99 % expected shortfall <b>${usd(l.es99, 1)}</b>` + (l.p_loss === null ? '' : `<br>P(any loss) ${pct(l.p_loss)}`);
      }},
      yAxis: {type: 'category', data: names, inverse: true,
        axisLabel: {formatter: (n, i) => `${n}  (EL ${num(rows[i].el, 2)})`}},
      xAxis: valueAxis('loss to the horizon, $M', {nameLocation: 'middle', nameGap: 26}),
      series: [
        {name: 'expected loss (EL)', type: 'bar', data: rows.map((l) => l.el), itemStyle: {color: '#f08c00'}},
        {name: '99 % VaR', type: 'bar', data: rows.map((l) => l.var99), itemStyle: {color: '#e8590c'}},
        {name: '99 % expected shortfall (ES)', type: 'bar', data: rows.map((l) => l.es99), itemStyle: {color: '#c92a2a'},
          label: {show: true, position: 'right', fontSize: 11, formatter: (p) => (p.value > 0 ? num(p.value, 0) : '')}},
      ],
    });
    chart(col, 'lender-losses', option, Math.max(300, 70 + 44 * rows.length));
  }

  function gpuAndCollateral(r, col) {
    const base = r.market.base || {}, paths = r.market.paths || {};
    const gens = Object.keys(base).filter((d) => d.startsWith('gpu.'));
    if (gens.length) {
      const palette = ['#1971c2', '#2f9e44', '#e8590c', '#9c36b5', '#0c8599', '#c2255c'];
      const s = [];
      gens.forEach((g, i) => {
        const color = palette[i % palette.length], name = g.slice(4);
        s.push({name: `${name} curve`, type: 'line', symbol: 'none', data: base[g].mean, itemStyle: {color: color}, lineStyle: {width: 2}});
        if (paths[g]) s.push({name: `${name} mean of paths`, type: 'line', symbol: 'none', data: paths[g].mean,
          itemStyle: {color: color}, lineStyle: {type: 'dashed'}});
      });
      chart(col, 'gpu-rent', baseOption({
        tooltip: dateTooltip((p) => '$' + num(p.value, 2) + ' per GPU-hour'),
        xAxis: dateAxis(base[gens[0]].dates, 'period start'),
        yAxis: valueAxis('market rent, $ per GPU-hour', {axisLabel: {formatter: (v) => '$' + num(v, 2)}}),
        series: s,
      }), 340);
    }
    const haircuts = r.gpu_markets.map((g) => `${g.gpu} ${pct(g.liquidation_haircut, 0)}`).join(', ');
    for (const e of bookEntities(r)) {
      const id = e.entity, market = series(r, id, 'collateral_market');
      if (maxOf(market) <= 0) continue;
      const fire = series(r, id, 'collateral_fire_sale');
      chart(col, 'collateral-' + id, baseOption({
        title: {text: id, left: 'center', top: 24, textStyle: {fontSize: 13}},
        grid: {left: 16, right: 24, top: 64, bottom: 36, containLabel: true},
        tooltip: dateTooltip((p) => usd(p.value, 0)),
        xAxis: dateAxis(r.dates),
        yAxis: valueAxis('$M at period end'),
        series: [
          {name: 'fleet at market (income approach)', type: 'line', symbol: 'none', data: market, lineStyle: {width: 2}, itemStyle: {color: '#1971c2'}},
          {name: 'fire-sale value (market less haircut)', type: 'line', symbol: 'none', data: fire,
            areaStyle: {color: 'rgba(201,42,42,0.08)'}, itemStyle: {color: '#c92a2a'}},
          {name: 'book value', type: 'line', symbol: 'none', data: series(r, id, 'collateral_book'), lineStyle: {type: 'dotted'}, itemStyle: {color: '#495057'}},
          {name: 'debt', type: 'line', symbol: 'none', data: series(r, id, 'debt'), lineStyle: {type: 'dashed'}, itemStyle: {color: '#000000'}},
        ],
      }), 360);
      note(col, `Liquidation haircuts: ${haircuts || 'none'}. The gap between the blue and red lines is what a forced sale of the fleet would cost its lenders.`);
    }
  }

  // Entities whose GPUs run within the MW of their sites: the ones with capacity series.
  const siteEntities = (r) => r.entities.filter((e) => series(r, e.entity, 'active_mw').length > 0);

  function capacityCharts(r, col, id) {
    const active = series(r, id, 'active_mw'), contracted = series(r, id, 'contracted_mw');
    const used = series(r, id, 'powered_utilization'), idle = series(r, id, 'idle_gpus');
    const lost = series(r, id, 'revenue_lost_capacity');
    // The three charts share fixed margins, so that their time axes line up one above the other.
    const titled = (extra) => baseOption(Object.assign({
      title: {text: id, left: 'center', top: 24, textStyle: {fontSize: 13}},
      grid: {left: 64, right: 72, top: 64, bottom: 36, containLabel: false},
    }, extra));
    // Where the sites fell short: the engine's capacity events, on the active MW line.
    const events = r.events.filter((e) => e.entity === id && ['capacity_shortfall', 'delivery_missed', 'site_stopped'].includes(e.type));
    const mw = [
      {name: 'contracted MW (sites signed)', type: 'line', step: 'end', symbol: 'none', data: contracted,
        lineStyle: {type: 'dashed', width: 2}, itemStyle: {color: '#495057'}},
      {name: 'active MW (average over the period)', type: 'line', symbol: 'none', data: active,
        lineStyle: {width: 2.5}, areaStyle: {color: 'rgba(25,113,194,0.12)'}, itemStyle: {color: '#1971c2'}},
    ];
    if (events.length) mw.push({name: 'capacity events', type: 'scatter', symbol: 'triangle', symbolSize: 12, itemStyle: {color: '#c92a2a'},
      data: events.map((e) => [e.date, active[r.dates.indexOf(e.date)], `${e.type.replace('_', ' ')}${e.instrument ? ' (' + e.instrument + ')' : ''}: ${e.detail}`])});
    chart(col, 'capacity-mw-' + id, titled({
      tooltip: dateTooltip((p) => (p.seriesType === 'scatter' ? p.value[2] : num(p.value, 1) + ' MW')),
      xAxis: dateAxis(r.dates),
      yAxis: valueAxis('data-center capacity, MW'),
      series: mw,
    }), 320);
    chart(col, 'capacity-use-' + id, titled({
      tooltip: dateTooltip((p) => (p.seriesIndex === 1 ? num(p.value, 1) + ' %' : num(p.value, 0) + ' GPUs')),
      xAxis: dateAxis(r.dates),
      yAxis: [valueAxis('powered utilization, %', {min: 0, max: 100, axisLabel: {formatter: (v) => num(v, 0) + ' %'}}),
        valueAxis('idle GPUs', {position: 'right', splitLine: {show: false}, nameTextStyle: {align: 'right'}, minInterval: 1})],
      series: [
        {name: 'idle GPUs, for lack of power (right)', type: 'bar', yAxisIndex: 1, data: idle, itemStyle: {color: '#f08c00'}},
        {name: 'powered utilization (left)', type: 'line', symbol: 'none', data: used.map((v) => 100 * v),
          lineStyle: {width: 2}, itemStyle: {color: '#2b8a3e'}},
      ],
    }), 320);
    const total = lost.reduce((t, v) => t + v, 0);
    chart(col, 'capacity-lost-' + id, titled({
      tooltip: dateTooltip((p) => usd(p.value, 1)),
      xAxis: dateAxis(r.dates),
      yAxis: valueAxis(`revenue lost, $M per ${r.period}`, {axisLabel: {formatter: (v) => num(v, maxOf(lost) < 10 ? 1 : 0)}}),
      series: [{name: 'revenue lost to missing capacity', type: 'bar', data: lost, itemStyle: {color: '#c92a2a'}}],
    }), 280);
    note(col, `${id}: powered utilization is the share of the active MW that holds GPUs (below 100 %: power to spare); ` +
      `idle GPUs (averages over the ${r.period}) are GPUs the sites cannot power. ${usd(total, 0)} of revenue lost over the run: ` +
      'contracts the sites could not serve, spot GPU-hours with no power, delivery remedies and penalties (docs/model.md, Capacity).');
  }

  // Customer concentration per twelve-month block, for every entity with contract revenue.
  function concentration(r, col) {
    const named = r.years.filter((y) => y.hhi !== null);
    const entities = [...new Set(named.map((y) => y.entity))];
    const without = r.entities.map((e) => e.entity).filter((id) => !entities.includes(id));
    col.append(el('h4', {text: 'Customer concentration by year'}));
    if (named.length) {
      const t = table(['entity', 'year to', 'largest customer', 'its share of revenue', 'HHI', '1 / HHI'],
        named.map((y) => [y.entity, y.end_date + (y.months < 12 ? ` (${y.months} months)` : ''), y.top_customer,
          pct(y.top_customer_share, 1), num(y.hhi, 3), num(1 / y.hhi, 1)]));
      t.dataset.table = 'concentration';
      col.append(t);
      note(col, 'Shares of the year\'s revenue, spot sales counted as many small buyers. HHI is the sum of the ' +
        'customers\' squared shares: 1 for a single customer; 1 / HHI is the number of equal customers with the same HHI.');
    }
    const earned = new Set(r.years.filter((y) => y.revenue > 0).map((y) => y.entity));
    if (!named.length && data.schema_version < 2) {
      note(col, 'No customer concentration: this report comes from a results database of schema version 1, ' +
        'which did not keep it (schema version 2 does; docs/store.md).');
    } else if (!named.length && earned.size) {
      note(col, 'No customer concentration is stored for this run: its revenue is all spot sales, or it was stored ' +
        'before the database was migrated to schema version 2 (docs/store.md).');
    } else if (without.length) {
      note(col, `No contract revenue, so no concentration: ${without.join(', ')}.`);
    }
  }

  function poweredCapacity(r, col) {
    const sited = siteEntities(r);
    if (!sited.length) note(col, 'No entity in this run has sites: its GPUs are not limited by data-center power.');
    for (const e of sited) capacityCharts(r, col, e.entity);
    concentration(r, col);
  }

  // Where each node of the network goes: a force-directed layout (Fruchterman and Reingold,
  // 1991, with a pull to the middle) computed here, then stretched to fill a box of width x height,
  // instead of ECharts' force layout, which has no bounds and left nodes off the canvas or under
  // the legend. The same start and a fixed number of rounds make it the same drawing every time.
  // `start` is one [x, y] per node on a unit disc; `links` are [i, j] pairs of node indexes.
  // Returns one [x, y] per node, inside [0, width] x [0, height].
  function layoutNetwork(start, links, width, height) {
    const GRAVITY = 1, count = start.length, k = 1.8 / Math.sqrt(Math.max(1, count)), rounds = 600;
    const pos = start.map((p) => [p[0], p[1]]), linked = new Set(links.flat());
    for (let round = 0; round < rounds; ++round) {
      const move = pos.map(() => [0, 0]);
      for (let i = 0; i < count; ++i) {
        for (let j = i + 1; j < count; ++j) {
          let dx = pos[i][0] - pos[j][0], dy = pos[i][1] - pos[j][1];
          // Two nodes on one spot: part them the same way every time.
          if (Math.abs(dx) + Math.abs(dy) < 1e-9) { dx = 1e-6 * (i - j); dy = 1e-6; }
          const d = Math.hypot(dx, dy), f = k * k / d;
          move[i][0] += dx / d * f; move[i][1] += dy / d * f;
          move[j][0] -= dx / d * f; move[j][1] -= dy / d * f;
        }
      }
      for (const [a, b] of links) {
        const dx = pos[a][0] - pos[b][0], dy = pos[a][1] - pos[b][1], d = Math.hypot(dx, dy);
        if (d < 1e-12) continue;
        const f = d * d / k;
        move[a][0] -= dx / d * f; move[a][1] -= dy / d * f;
        move[b][0] += dx / d * f; move[b][1] += dy / d * f;
      }
      // The pull to the middle keeps parties with few links from drifting away. A party with no
      // link at any date is pushed out by all the others: pulled harder, so that on its own it does
      // not set the drawing's extent and squeeze the rest into a corner.
      const t = 0.1 * (1 - round / rounds) + 1e-3;
      for (let i = 0; i < count; ++i) {
        const g = linked.has(i) ? GRAVITY : 2 * GRAVITY;
        move[i][0] -= g * pos[i][0];
        move[i][1] -= g * pos[i][1];
        const m = Math.hypot(move[i][0], move[i][1]);
        if (m > 0) { const step = Math.min(m, t); pos[i][0] += move[i][0] / m * step; pos[i][1] += move[i][1] / m * step; }
      }
    }
    // Stretched to the box: the canvas is wider than high, and a node can only land inside.
    const fit = (axis, size) => {
      const lo = Math.min(...pos.map((p) => p[axis])), hi = Math.max(...pos.map((p) => p[axis]));
      for (const p of pos) p[axis] = hi > lo ? (p[axis] - lo) / (hi - lo) * size : size / 2;
    };
    fit(0, width); fit(1, height);
    return pos;
  }

  // The width of a node's label as ECharts draws it (11 px), for the margin to its right.
  const measure = document.createElement('canvas').getContext('2d');
  function labelWidth(text) {
    measure.font = '11px DejaVu Sans, Helvetica, Arial, sans-serif';
    return measure.measureText(text).width;
  }

  function network(r, col, index) {
    const nodes = r.network.nodes, edges = r.network.edges;
    if (!nodes.length) return note(col, 'No network in this run.');
    const dates = [...new Set(edges.map((e) => e.as_of))];
    const total = (d) => edges.filter((e) => e.as_of === d).reduce((t, e) => t + e.amount, 0);
    let at = dates.reduce((best, d) => (total(d) > total(best) ? d : best), dates[0]);
    const rounds = [...new Set(nodes.filter((n) => n.failed_round !== null).map((n) => n.failed_round))].sort((a, b) => a - b);
    const categories = [{name: 'did not fail', itemStyle: {color: '#74c0fc'}}].concat(rounds.map((k, i) => ({
      name: `failed in round ${k}`, itemStyle: {color: ['#c92a2a', '#e8590c', '#f59f00', '#a61e4d'][i % 4]}})));
    const category = (n) => (n.failed_round === null ? 0 : 1 + rounds.indexOf(n.failed_round));
    const height = 560, biggest = 46;
    // The nodes' box: below the legend (measured once drawn), a label's width free on the right.
    const box = {left: biggest / 2 + 4, right: biggest / 2 + 8 + Math.max(...nodes.map((n) => labelWidth(n.node))),
                 top: 36 + biggest / 2, bottom: biggest / 2 + 4};
    const nodeIndex = new Map(nodes.map((n, i) => [n.node, i]));
    // One layout for every date (the links of all of them), so that the date picker moves no node.
    const links = [...new Set(edges.map((e) => `${nodeIndex.get(e.source)}|${nodeIndex.get(e.target)}`))]
      .map((k) => k.split('|').map(Number)).filter(([a, b]) => a !== b && !isNaN(a) && !isNaN(b));
    let place = null;
    const layout = (width) => {
      const w = Math.max(100, width - box.left - box.right), h = Math.max(100, height - box.top - box.bottom);
      const size = new Map(nodes.map((n) => [n.node, 0]));
      for (const e of edges) { size.set(e.source, size.get(e.source) + e.amount); size.set(e.target, size.get(e.target) + e.amount); }
      // Where it starts: the busiest node in the middle, the other entities on a ring around it,
      // external parties on an outer ring.
      const order = nodes.map((n, i) => i).sort((a, b) => size.get(nodes[b].node) - size.get(nodes[a].node));
      const inner = order.slice(1).filter((i) => nodes[i].modelled === 1), outer = order.slice(1).filter((i) => nodes[i].modelled !== 1);
      const start = nodes.map(() => [0, 0]);
      const ring = (list, radius) => list.forEach((i, j) => {
        const a = 2 * Math.PI * j / list.length;
        start[i] = [radius * Math.cos(a), radius * Math.sin(a)];
      });
      ring(inner, 0.45);
      ring(outer.sort((a, b) => nodes[a].kind.localeCompare(nodes[b].kind)), 0.95);
      place = layoutNetwork(start, links, w, h);
    };
    const option = (d) => {
      // One edge per pair and kind, its instruments listed.
      const merged = new Map();
      for (const e of edges.filter((x) => x.as_of === d)) {
        const k = `${e.source}|${e.target}|${e.kind}`;
        const m = merged.get(k) || {source: e.source, target: e.target, kind: e.kind, amount: 0, instruments: []};
        m.amount += e.amount; m.instruments.push(`${e.instrument} ${usd(e.amount, 0)}`);
        merged.set(k, m);
      }
      const list = [...merged.values()];
      const top = Math.max(1, ...list.map((e) => e.amount));
      const size = new Map(nodes.map((n) => [n.node, 0]));
      for (const e of list) { size.set(e.source, size.get(e.source) + e.amount); size.set(e.target, size.get(e.target) + e.amount); }
      const big = Math.max(1, ...size.values());
      return baseOption({
        // At the top, above the nodes' box: no node can be under it.
        legend: {top: 4, data: categories.map((c) => c.name)},
        tooltip: {trigger: 'item', formatter: (p) => (p.dataType === 'edge'
          ? `${p.data.source} → ${p.data.target}: <b>${usd(p.data.value, 0)}</b> (${p.data.kind})<br>${p.data.instruments.join('<br>')}`
          : `<b>${p.data.name}</b> (${p.data.kind}${p.data.modelled ? '' : ', external'})<br>exposures in and out ${usd(size.get(p.data.name), 0)}` +
            (p.data.failed_date ? `<br>failed ${p.data.failed_date}, round ${p.data.failed_round}` : ''))},
        series: [{
          // layout 'none': the positions above, fitted by ECharts into the box (aspect kept).
          type: 'graph', layout: 'none', roam: true, categories: categories,
          left: box.left, right: box.right, top: box.top, bottom: box.bottom,
          label: {show: true, position: 'right', fontSize: 11}, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 7,
          lineStyle: {color: 'source', opacity: 0.55, curveness: 0.15},
          emphasis: {focus: 'adjacency', lineStyle: {opacity: 0.9}},
          data: nodes.map((n, i) => ({name: n.node, x: place[i][0], y: place[i][1], kind: n.kind, modelled: n.modelled === 1, failed_round: n.failed_round,
            failed_date: n.failed_date, category: category(n), symbol: n.modelled === 1 ? 'circle' : 'roundRect',
            symbolSize: 12 + (biggest - 12) * Math.sqrt(size.get(n.node) / big)})),
          links: list.map((e) => ({source: e.source, target: e.target, value: e.amount, kind: e.kind,
            instruments: e.instruments, lineStyle: {width: 1 + 11 * e.amount / top}})),
        }],
      });
    };
    const pick = el('select', {id: `network-date-${index}`, 'aria-label': 'exposures as of'});
    for (const d of dates) pick.append(el('option', {value: d, text: d}));
    pick.value = at;
    col.append(el('label', {class: 'pick'}, 'Exposures as of ', pick));
    layout(col.clientWidth);
    const c = chart(col, 'network', option(at), height);
    c.getDom().id = `network-${index}`;
    // A legend that wrapped onto more lines than the box left room for: move the box down.
    const legend = legendBox(c);
    if (legend && legend.y + legend.height + 6 + biggest / 2 > box.top) {
      box.top = legend.y + legend.height + 6 + biggest / 2;
      layout(c.getWidth());
      c.setOption(option(at), true);
    }
    pick.addEventListener('change', () => c.setOption(option(pick.value), true));
    note(col, 'An arrow points from the party exposed to the one it is exposed to: a lender to its borrower, ' +
      'a seller of compute to its customer, a lessor to its tenant. Edge width is the exposure ($M); circles are ' +
      'modelled entities, squares external parties; colour is the round in which a node failed. The nodes keep ' +
      'their places from date to date.');
  }

  function table(headers, rows) {
    const t = el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {text: h})))));
    const body = el('tbody');
    for (const r of rows) body.append(el('tr', {}, ...r.map((c) => el('td', {text: c === null ? '' : String(c)}))));
    t.append(body);
    return t;
  }

  function contagion(r, col) {
    if (r.contagion.length) {
      col.append(table(['round', 'date', 'entity', 'reason', 'detail'],
        r.contagion.map((c) => [c.round, c.date, c.entity, c.reason, c.detail])));
    } else {
      note(col, 'No entity failed in this run\'s base case, so nothing spread.');
    }
    const events = r.events.filter((e) => e.type !== 'draw');
    if (events.length) {
      col.append(el('h4', {text: `Events of the base case (${events.length}, draws left out)`}));
      col.append(el('div', {class: 'scroll'}, table(['date', 'entity', 'instrument', 'event', 'detail'],
        events.map((e) => [e.date, e.entity, e.instrument, e.type, e.detail]))));
    }
  }

  function provenance(r, col) {
    const dl = el('dl');
    const item = (k, v) => { dl.append(el('dt', {text: k}), el('dd', {text: v === null || v === undefined ? '-' : String(v)})); };
    item('run', r.id); item('stored', r.created_at); item('command', r.command_line);
    item('tinderbox version', r.version); item('scenario', r.scenario); item('scenario source', r.scenario_source);
    item('scenario SHA-256', r.scenario_sha256); item('seed', r.seed); item('paths', r.paths === null ? null : num(r.paths, 0));
    item('periods', `${r.horizon} ${r.period}s from ${r.start}`);
    col.append(dl);
    for (const f of r.files) {
      col.append(el('details', {}, el('summary', {text: `${f.name} (SHA-256 ${f.sha256.slice(0, 12)}…)`}), el('pre', {text: f.text})));
    }
  }

  // ---------------------------------------------------------------- page

  const first = runs[0];
  const title = runs.length > 1 ? `${first.scenario} — run ${first.id} beside run ${runs[1].id}` : `${first.scenario || 'tinderbox run'} — run ${first.id}`;
  document.title = `tinderbox report: ${title}`;
  const nav = el('nav');
  document.getElementById('top').append(el('h1', {text: title}),
    el('p', {class: 'lead', text: `Made by ${data.generator}. Money in $M, dates are period ends unless said otherwise.`}), nav);

  section('headline', 'Headline', 'The base case (the scenario on its own curves) and, where the run has one, the Monte Carlo.', headline);
  section('maturity', 'Debt maturity wall', 'Principal repaid each calendar year in the base case, by instrument (scheduled, at maturity and early).', maturityWall);
  section('cash', 'Cash', 'Cash at each period end: the base case, and the spread of the Monte Carlo paths.', cashFan);
  section('service', 'Debt service against EBITDA', 'What the debt asks for each period against what operations earn; the dashed line is the debt service coverage over the trailing twelve months (over the months so far in the first year, as the covenant tests count them).', serviceVsEbitda);
  section('covenants', 'Covenant headroom', 'How far each covenant\'s measure can fall (or, for a maximum, rise) before it breaks its limit, as a share of its value, in the base case; below 0 it is in breach.', covenantHeadroom);
  section('pd', 'Default probability', 'Share of Monte Carlo paths in which each entity has defaulted by the period end.', defaultProbability);
  section('losses', 'Lender losses', 'Each lender\'s loss to the horizon over the Monte Carlo paths: expected, 99 % value at risk, and the mean of the worst 1 %.', lenderLosses);
  section('collateral', 'GPU rent and collateral', 'Market rent per GPU generation, and what the fleet behind the debt is worth: at market, in a fire sale, and at book.', gpuAndCollateral);
  section('capacity', 'Powered capacity', 'Data-center megawatts against the GPUs they must power, for each entity with sites, and how much of each entity\'s revenue its largest customers bring.', poweredCapacity);
  section('network', 'Network of exposures', 'Who is exposed to whom, and by how much.', network);
  section('contagion', 'Contagion trace', 'Which entity failed, in which round, and why.', contagion);
  section('provenance', 'Scenario and provenance', 'What was run, with which version and seed: enough to run it again.', provenance);

  shareAxes();
  window.addEventListener('resize', () => charts.forEach((c) => c.chart.resize()));
  window.tinderboxReport = {charts: charts.map((c) => c.name), ready: true};
})();
