// Opens each report from file:// in Debian's Chromium (playwright-core) and checks it as a reader
// would see it: every chart drew (its canvas has pixels that are not background), the network has
// one node per party of the run, the powered-capacity charts of each entity with sites and the
// concentration table are there, nothing was fetched and the console stayed free of errors.
// Saves a full-page screenshot and one per section into the output folder.
// Usage: node report_test.mjs OUTPUT_FOLDER REPORT.html [REPORT.html ...]
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {chromium} from 'playwright-core';

const [outDir, ...reports] = process.argv.slice(2);
const failures = [];
let checks = 0;
const check = (ok, what) => {
  checks += 1;
  if (!ok) failures.push(what);
};

// This machine has no network: without these flags Chromium waits on connections it cannot make.
const profile = mkdtempSync(path.join(tmpdir(), 'tinderbox-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: {width: 1400, height: 900},
});

try {
  for (const report of reports) {
    const name = path.basename(report, '.html');
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push(`fetched ${r.url()}`);
    });
    await page.goto(pathToFileURL(path.resolve(report)).href, {waitUntil: 'load'});
    await page.waitForFunction(() => window.tinderboxReport && window.tinderboxReport.ready, null, {timeout: 30000});
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

    const seen = await page.evaluate(() => {
      const data = JSON.parse(document.getElementById('tinderbox-data').textContent);
      const charts = [...document.querySelectorAll('div.chart')].map((div) => {
        const canvas = div.querySelector('canvas');
        if (!canvas || !canvas.width || !canvas.height) return {name: div.dataset.chart, painted: 0, total: 0};
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const background = pixels[i + 3] === 0 ||
            (pixels[i] > 250 && pixels[i + 1] > 250 && pixels[i + 2] > 250);
          if (!background) painted += 1;
        }
        return {name: div.dataset.chart, painted, total: canvas.width * canvas.height};
      });
      const networks = data.runs.map((run, i) => {
        const div = document.getElementById(`network-${i}`);
        const option = div && echarts.getInstanceByDom(div).getOption();
        const names = option ? option.series[0].data.map((n) => n.name) : [];
        return {names, expected: run.network.nodes.map((n) => n.node), entities: run.entities.map((e) => e.entity)};
      });
      // The concentration table: one row per entity and year with a top customer, in each run.
      const concentration = data.runs.map((run, i) => {
        const t = document.querySelectorAll('#capacity .run')[i].querySelector('table[data-table=concentration]');
        return {rows: t ? t.tBodies[0].rows.length : 0, expected: run.years.filter((y) => y.hhi !== null).length};
      });
      const sited = data.runs.map((run, i) => ({
        ids: Object.keys(run.series).filter((id) => run.series[id].active_mw),
        charts: [...document.querySelectorAll('#capacity .run')[i].querySelectorAll('div.chart')].map((d) => d.dataset.chart)}));
      const capacityNotes = [...document.querySelectorAll('#capacity p.note')].map((n) => n.textContent);
      const cards = [...document.querySelectorAll('div.card')].map((c) => c.textContent);
      const unsettled = data.runs.map((run) => (run.simulation && run.simulation.system &&
                                                 run.simulation.system.fire_sale_unsettled_periods) || 0);
      return {charts, networks, concentration, sited, capacityNotes, cards, unsettled, runs: data.runs.length,
              schema: data.schema_version, entities: data.runs.flatMap((run) => run.entities.map((e) => e.entity))};
    });

    // Every node of every network chart, at every date of its picker: its symbol inside the canvas
    // and clear of the legend, its label inside the canvas (pixel positions of the drawn layout).
    const placed = await page.evaluate(async () => {
      const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const out = [];
      for (const div of document.querySelectorAll('[id^=network-]:not(select)')) {
        const c = echarts.getInstanceByDom(div), pick = document.getElementById(div.id.replace('network-', 'network-date-'));
        const legendModel = c.getModel().getComponent('legend'), legendView = c.getViewOfComponentModel(legendModel);
        const lb = legendView.group.getBoundingRect();
        const legend = {x: legendView.group.x + lb.x, y: legendView.group.y + lb.y, width: lb.width, height: lb.height};
        for (const date of [...pick.options].map((o) => o.value)) {
          pick.value = date;
          pick.dispatchEvent(new Event('change'));
          await frame();
          const data = c.getModel().getSeriesByIndex(0).getData(), nodes = [];
          for (let i = 0; i < data.count(); ++i) {
            const [x, y] = c.convertToPixel({seriesIndex: 0}, data.getItemLayout(i));
            const size = data.getItemVisual(i, 'symbolSize'), r = (Array.isArray(size) ? Math.max(...size) : size) / 2;
            const symbol = data.getItemGraphicEl(i), text = (symbol.getSymbolPath ? symbol.getSymbolPath() : symbol).getTextContent();
            const label = text.getBoundingRect().clone();
            label.applyTransform(text.getComputedTransform());
            nodes.push({name: data.getName(i), x, y, r, label: {x: label.x, y: label.y, width: label.width, height: label.height}});
          }
          out.push({chart: div.id, date, width: c.getWidth(), height: c.getHeight(), legend, nodes});
        }
      }
      return out;
    });
    for (const p of placed) {
      for (const n of p.nodes) {
        const where = `${name}: ${p.chart} at ${p.date}: node ${n.name} at (${n.x.toFixed(0)}, ${n.y.toFixed(0)}) r ${n.r.toFixed(0)}`;
        check(n.x - n.r >= 0 && n.y - n.r >= 0 && n.x + n.r <= p.width && n.y + n.r <= p.height,
              `${where} is not inside the ${p.width} x ${p.height} canvas`);
        const l = p.legend;
        check(n.x + n.r <= l.x || n.x - n.r >= l.x + l.width || n.y + n.r <= l.y || n.y - n.r >= l.y + l.height,
              `${where} is under the legend (${l.x.toFixed(0)}, ${l.y.toFixed(0)}, ${l.width.toFixed(0)} x ${l.height.toFixed(0)})`);
        check(n.label.x >= 0 && n.label.x + n.label.width <= p.width && n.label.y >= 0 && n.label.y + n.label.height <= p.height,
              `${where}: its label (${n.label.x.toFixed(0)}..${(n.label.x + n.label.width).toFixed(0)}) is not inside the canvas`);
      }
    }
    // The layout depends only on the network: two runs of one scenario draw it in the same places.
    const firsts = placed.filter((p) => p.date === placed[0].date);
    if (firsts.length === 2 && firsts[0].width === firsts[1].width) {
      const at = (p) => JSON.stringify(p.nodes.map((n) => [n.name, Math.round(n.x), Math.round(n.y)]));
      check(at(firsts[0]) === at(firsts[1]), `${name}: the two runs' networks differ in layout`);
    }

    // Legends and axes. No scrolling legend (a screenshot or a print would name only some series);
    // every legend ends above its plot. With two runs, the charts of one figure share the ranges of
    // their value axes.
    const drawn = await page.evaluate(() => [...document.querySelectorAll('div.chart')].map((div) => {
      const c = echarts.getInstanceByDom(div), model = c.getModel();
      const legendModel = model.getComponent('legend');
      let legend = null;
      if (legendModel) {
        const v = c.getViewOfComponentModel(legendModel), b = v.group.getBoundingRect();
        legend = {type: legendModel.get('type'), bottom: v.group.y + b.y + b.height,
                  names: v.getContentGroup ? v.getContentGroup().childCount() : null};
      }
      const grid = model.getComponent('grid');
      const gridTop = grid && grid.coordinateSystem ? grid.coordinateSystem.getRect().y : null;
      const axes = (dim) => model.findComponents({mainType: dim}).map((a) => (a.axis && a.axis.type === 'value' ? a.axis.scale.getExtent() : null));
      const series = model.getSeries().map((x) => x.name);
      const legendData = legendModel ? (legendModel.get('data') || series).map((d) => (typeof d === 'object' ? d.name : d)) : [];
      return {name: div.dataset.chart, section: div.closest('section').id,
              column: [...div.closest('.runs').children].indexOf(div.closest('.run')), legend, gridTop,
              x: axes('xAxis'), y: axes('yAxis'), legendData: legendData.filter((n) => !String(n).startsWith('_')), series};
    }));
    for (const c of drawn) {
      if (!c.legend) continue;
      check(c.legend.type !== 'scroll', `${name}: chart ${c.name} has a scrolling legend`);
      if (c.gridTop !== null && c.name !== 'network')
        check(c.legend.bottom <= c.gridTop, `${name}: chart ${c.name}'s legend ends at ${c.legend.bottom}, below its plot's top ${c.gridTop}`);
      if (c.legend.names !== null)
        check(c.legend.names === c.legendData.length,
              `${name}: chart ${c.name}'s legend draws ${c.legend.names} names of ${c.legendData.length}`);
    }
    if (seen.runs === 2) {
      let pairs = 0;
      for (const left of drawn.filter((c) => c.column === 0)) {
        const right = drawn.find((c) => c.column === 1 && c.section === left.section && c.name === left.name);
        if (!right) continue;
        pairs += 1;
        check(JSON.stringify([left.x, left.y]) === JSON.stringify([right.x, right.y]),
              `${name}: chart ${left.name}: value axes ${JSON.stringify([left.x, left.y])} on the left, ${JSON.stringify([right.x, right.y])} on the right`);
      }
      check(pairs >= 10, `${name}: only ${pairs} charts side by side`);
    }

    // The cards and names that say what a line or a number is. A defaulted entity whose cash never
    // ran out before its default: its runway card names the default (the date from the run's data),
    // not "beyond the horizon". Covenant lines name their entity when more than one entity has
    // covenants. The DSCR line of the first periods is over the months so far, and says so.
    const labels = await page.evaluate(() => {
      const data = JSON.parse(document.getElementById('tinderbox-data').textContent);
      return data.runs.map((run, i) => {
        const col = (id) => document.querySelectorAll(`#${id} .run`)[i];
        const cards = [...col('headline').querySelectorAll('div.card')].map((c) => c.textContent);
        const covenants = col('covenants').querySelector('div.chart');
        const covenantNames = covenants ? echarts.getInstanceByDom(covenants).getOption().series.map((x) => x.name) : [];
        const service = [...col('service').querySelectorAll('div.chart')].map((d) => {
          const option = echarts.getInstanceByDom(d).getOption();
          const dscr = option.series.find((x) => x.name.startsWith('DSCR'));
          return {chart: d.dataset.chart, name: dscr.name, first: dscr.data.find((v) => v !== null && v !== undefined),
                  ebitda: run.series[d.dataset.chart.slice('service-'.length)].ebitda,
                  service: run.series[d.dataset.chart.slice('service-'.length)].debt_service};
        });
        return {cards, covenantNames, covenantEntities: [...new Set(run.covenants.map((c) => c.entity))],
                covenantInstruments: run.covenants.map((c) => c.instrument), service,
                defaulted: run.entities.filter((e) => e.has_books === 1 && e.default_date !== null &&
                  (e.metrics.runway_date === null || e.metrics.runway_date > e.default_date))
                  .map((e) => ({id: e.entity, date: e.default_date}))};
      });
    });
    labels.forEach((run, i) => {
      for (const e of run.defaulted) {
        const card = run.cards.find((c) => c.startsWith(`${e.id}: runway (base case)`));
        check(card && card.includes('ends at the default') && card.includes(`defaulted ${e.date}`) && !card.includes('beyond the horizon'),
              `${name}: run ${i}: ${e.id} defaulted ${e.date}, its runway card reads '${card}'`);
      }
      if (name === 'report-stress') check(run.defaulted.length > 0, `${name}: no defaulted entity with cash left`);
      const lines = run.covenantNames.filter((n) => !n.startsWith('breach'));
      if (run.covenantEntities.length > 1)
        lines.forEach((n, k) => check(n.startsWith(`${run.covenantEntities.find((id) => n.startsWith(id + ' · '))} · ${run.covenantInstruments[k]} `),
                                      `${name}: run ${i}: covenant line '${n}' does not name its entity`));
      else lines.forEach((n, k) => check(n.startsWith(run.covenantInstruments[k] + ' '), `${name}: run ${i}: covenant line '${n}'`));
      if (name === 'report-stress') check(run.covenantEntities.length > 1, `${name}: expected covenants on several entities`);
      for (const d of run.service) {
        check(d.name === 'DSCR (trailing, up to 12 months)', `${name}: run ${i}: ${d.chart} DSCR line is named '${d.name}'`);
        // Its first value: over the periods so far, by hand from the series.
        let x = 0, y = 0, first = null;
        for (let k = 0; k < d.ebitda.length && first === null; ++k) { x += d.ebitda[k]; y += d.service[k]; if (y > 0) first = x / y; }
        if (first !== null && d.ebitda.length >= 12 && d.service.slice(0, 11).some((v) => v > 0))
          check(Math.abs(d.first - first) < 1e-9 * Math.max(1, Math.abs(first)), `${name}: run ${i}: ${d.chart} first DSCR ${d.first}, by hand ${first}`);
      }
    });

    check(seen.charts.length > 0, `${name}: no charts at all`);
    for (const c of seen.charts)
      check(c.total > 0 && c.painted > 0.002 * c.total, `${name}: chart ${c.name} is blank (${c.painted} of ${c.total} pixels drawn)`);
    const names = new Set(seen.charts.map((c) => c.name));
    // The coreweave-2025 runs (a run and a simulate) have every chart.
    if (seen.entities.includes('coreweave'))
      for (const must of ['maturity-wall', 'cash-coreweave', 'service-coreweave', 'covenants', 'pd',
                          'lender-losses', 'gpu-rent', 'collateral-coreweave', 'network'])
        check(names.has(must), `${name}: no '${must}' chart`);
    // Powered capacity: three charts per entity with sites in each run, and the concentration table.
    if (seen.entities.includes('coreweave'))
      check(seen.sited.some((s) => s.ids.length > 0), `${name}: no entity with sites in any run`);
    for (const [i, s] of seen.sited.entries()) {
      const expected = s.ids.flatMap((id) => ['capacity-mw-', 'capacity-use-', 'capacity-lost-'].map((k) => k + id));
      check(JSON.stringify(s.charts) === JSON.stringify(expected),
            `${name}: run ${i} capacity charts are [${s.charts}], expected [${expected}]`);
    }
    seen.concentration.forEach((c, i) => {
      // A version-1 database kept no concentration: the section says so instead. (The clouds of
      // forced-sales.yaml have no contracts, so no top customer.)
      check(seen.schema < 2 ? c.expected === 0 : c.expected > 0 || !seen.entities.includes('coreweave'),
            `${name}: run ${i} has ${c.expected} years with a top customer (schema version ${seen.schema})`);
      check(c.rows === c.expected,
            `${name}: run ${i} concentration table has ${c.rows} rows, the run has ${c.expected} years with a top customer`);
    });
    if (seen.schema < 2)
      check(seen.capacityNotes.some((n) => n.includes('schema version 1')),
            `${name}: no note that a version-1 database kept no concentration`);
    check(seen.charts.filter((c) => c.name === 'network').length === seen.runs,
          `${name}: expected one network chart per run`);
    seen.networks.forEach((n, i) => {
      check(n.names.length === n.expected.length && new Set(n.names).size === n.names.length,
            `${name}: run ${i} network has ${n.names.length} nodes, the run has ${n.expected.length}`);
      for (const e of n.entities) check(n.names.includes(e), `${name}: run ${i} network has no node '${e}'`);
    });
    // A simulation whose fire-sale passes stopped at network.max_rounds says so in a card.
    const notSettled = seen.cards.filter((c) => c.includes('fire sales not settled'));
    check(notSettled.length === seen.unsettled.filter((n) => n > 0).length,
          `${name}: ${notSettled.length} 'fire sales not settled' cards for runs with [${seen.unsettled}] unsettled periods`);
    // A ratio with no value reads "n/a", not "n/ax" (the coreweave-2025 runs have entities with no EBITDA).
    check(!seen.cards.some((c) => c.includes('n/ax')), `${name}: a card reads 'n/ax'`);
    if (name === 'report-unsettled')
      check(seen.unsettled[0] > 0 && notSettled.some((c) => c.includes(`${seen.unsettled[0]} periods`)),
            `${name}: expected a card with the run's ${seen.unsettled[0]} unsettled periods`);

    await page.screenshot({path: path.join(outDir, `${name}.png`), fullPage: true});
    // The page's first screenful and a half (the README's picture: docs/img/report.png).
    await page.screenshot({path: path.join(outDir, `${name}-top.png`), fullPage: true,
                           clip: {x: 0, y: 0, width: 1400, height: 1650}});
    for (const id of await page.$$eval('section', (ss) => ss.map((s) => s.id)))
      await page.locator(`#${id}`).screenshot({path: path.join(outDir, `${name}-${id}.png`)});
    console.log(`${name}: ${seen.charts.length} charts drawn, networks of ${seen.networks.map((n) => n.names.length).join(' and ')} nodes`);
    await page.close();
  }
} finally {
  await context.close();
  rmSync(profile, {recursive: true, force: true});
}

for (const f of failures) console.log(`FAIL ${f}`);
console.log(`${checks - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
