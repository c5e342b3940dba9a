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
