/**
 * The budgets alone, measured `--repeats` times (`make bench` runs this against a stack it
 * starts; see bench/bench_web.py): the demo user uploads Niger once on a fast link, then each
 * run opens the app in a fresh browser context on the slow link and analyses that dataset again.
 * Writes {budgets, labels, runs: [figures...]} to `--out`; exit status 1 when a step did not work.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { budgets, BUDGETS, MEASURES } from './budgets.mjs';
import { nigerFiles, routeParam, upload } from './journey.mjs';
import { Journal, launch, settings, signIn, WAIT } from './support.mjs';

const { values: options } = parseArgs({ options: { repeats: { type: 'string', default: '3' }, out: { type: 'string' } } });
const config = settings(process.env, { secondUser: false });
const journal = new Journal(config.artifacts);
const browser = await launch(config);
const runs = [];
try {
  const context = await browser.newContext();
  const page = journal.watch(await context.newPage(), 'upload');
  let datasetId = null;
  await journal.scenario('The dataset every run analyses', () =>
    journal.step(page, 'Niger uploaded on a fast link', async () => {
      await signIn(page, config.webUrl, config.demo);
      await upload(page, `Niger State (bench ${new Date().toISOString().slice(0, 19)})`, nigerFiles(config));
      await page.getByRole('button', { name: 'Run analysis', exact: true }).waitFor({ timeout: WAIT.long });
      datasetId = routeParam(page, 'dataset');
    }));
  await context.close();
  for (let run = 1; datasetId && run <= Number(options.repeats); run++) {
    console.log(`\nRun ${run} of ${options.repeats}`);
    runs.push(await budgets(journal, browser, config, datasetId));
  }
} finally {
  await browser.close();
}
for (const error of journal.pageErrors) journal.failures.push(`uncaught error in the page: ${error}`);
if (options.out) writeFileSync(options.out, `${JSON.stringify({ budgets: BUDGETS, labels: MEASURES, runs }, null, 2)}\n`);
if (journal.failures.length) {
  console.log(`\n${journal.failures.length} failed:\n${journal.failures.map((name) => `  - ${name}`).join('\n')}\nScreenshots: ${config.artifacts}`);
  process.exit(1);
}
