/**
 * The browser tests of the web app against a running local stack (tests/web starts one and runs
 * this; see there for the environment). Exit status 0 only when every step of every scenario
 * passed; screenshots of each step go to test-artifacts/e2e/.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { badInput } from './bad-input.mjs';
import { budgets, BUDGETS } from './budgets.mjs';
import { isolation, journey } from './journey.mjs';
import { Journal, launch, settings } from './support.mjs';

const config = settings();
const journal = new Journal(config.artifacts);
const browser = await launch(config);
const shared = {};
const started = performance.now();
try {
  await journey(journal, browser, config, shared);
  await isolation(journal, browser, config, shared);
  await badInput(journal, browser, config);
  Object.assign(journal.figures, await budgets(journal, browser, config, shared.datasetId));
} finally {
  await browser.close();
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const figures = JSON.stringify({ ...journal.figures, budgets: BUDGETS, seconds: Number(seconds) }, null, 2);
writeFileSync(path.join(config.artifacts, 'figures.json'), `${figures}\n`);
console.log(`\nMeasured: ${figures}`);
for (const error of journal.pageErrors) journal.failures.push(`uncaught error in the page: ${error}`);
if (journal.failures.length) {
  console.log(`\n${journal.failures.length} failed:\n${journal.failures.map((name) => `  - ${name}`).join('\n')}`);
  console.log(`Screenshots: ${config.artifacts}`);
  process.exit(1);
}
console.log(`\nEvery browser step passed in ${seconds} s. Screenshots: ${config.artifacts}`);
