/**
 * frontend.md's budgets on the link its users have (512 kbps, 300 ms latency, Chromium's network
 * emulation): a usable sign-in form within 5 s of opening the page, and a drawn map of 275 wards
 * within 2 s of the analysis finishing. The figures are printed whether or not they pass.
 */
import { check, control, recordProgressAndMap, recorded, signIn, throttle, WAIT } from './support.mjs';
import { runAnalysis, WARDS } from './journey.mjs';

export const BUDGETS = { signInFormMs: 5000, finishedToMapMs: 2000 };

export async function budgets(journal, browser, config, shared) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await recordProgressAndMap(context, WARDS);
  const page = journal.watch(await context.newPage(), 'slow link');
  const network = await throttle(page);
  await journal.scenario('On a 512 kbps link with 300 ms latency: the budgets of frontend.md', async () => {
    await journal.step(page, 'sign-in form usable on the slow link', async () => {
      network.start();
      await page.goto(config.webUrl, { waitUntil: 'commit' });
      await page.getByRole('textbox', { name: 'Email', exact: true }).waitFor({ timeout: WAIT.long });
      await page.getByRole('button', { name: 'Sign in', exact: true }).and(page.locator(':enabled')).waitFor();
      const usableAt = await page.evaluate(() => performance.now());
      journal.figures.signInFormMs = Math.round(usableAt);
      journal.figures.signInDownloads = network.stop();
      check(usableAt < BUDGETS.signInFormMs, `the sign-in form was usable after ${Math.round(usableAt)} ms, over the ${BUDGETS.signInFormMs} ms budget`);
    }, { fatal: false });
    await journal.step(page, 'a finished analysis drawn as a map on the slow link', async () => {
      check(shared.datasetId, 'the journey uploaded no dataset to analyse again');
      await signIn(page, `${config.webUrl}/#/datasets?dataset=${shared.datasetId}`, config.demo);
      const { finishedAt } = await runAnalysis(page);
      network.start();
      await control(page, 'Map').click();
      await page.waitForFunction((wards) => window.__e2e.mapShapes >= wards, WARDS, { timeout: WAIT.long, polling: 'raf' });
      const { mapDrawnAt } = await recorded(page);
      const elapsed = Math.round(mapDrawnAt - finishedAt);
      journal.figures.finishedToMapMs = elapsed;
      journal.figures.mapDownloads = network.stop();
      check(elapsed < BUDGETS.finishedToMapMs, `the map was drawn ${elapsed} ms after the analysis finished, over the ${BUDGETS.finishedToMapMs} ms budget`);
    }, { fatal: false });
  });
  await context.close();
}
