/**
 * A programme officer's day (frontend.md, issue #14): sign in, upload Niger, watch the analysis,
 * read 275 ranked wards and their map, ask the chat for the top 5, plan nets, download the CSV,
 * sign out. Then a second user sees none of it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  check, control, notBlank, recordProgressAndMap, recorded, signIn, signOut, WAIT,
} from './support.mjs';

export const WARDS = 275;
const NETS = { total: '2000000', household: '5', urban: '30' };

export function nigerFiles(config) {
  return { data: path.join(config.niger, 'Niger_plus.csv'), boundaries: path.join(config.niger, 'Niger_State.zip') };
}

/** Fills the upload form and presses Upload. */
export async function upload(page, name, files) {
  await page.getByRole('textbox', { name: 'Dataset name', exact: true }).fill(name);
  await page.getByLabel('Ward data', { exact: true }).setInputFiles(files.data);
  await page.getByLabel('Boundaries', { exact: true }).setInputFiles(files.boundaries);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
}

export function routeParam(page, key) {
  return new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '').get(key);
}

/** Clicks Run analysis and waits until its progress bar shows the end; the values it showed. */
export async function runAnalysis(page) {
  const clickedAt = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Run analysis', exact: true }).click();
  await page.waitForFunction((since) => {
    const record = window.__e2e;
    return record.bars.some((bar) => bar.at > since && bar.value >= 100) || record.lastBarGoneAt > since;
  }, clickedAt, { timeout: WAIT.long, polling: 100 });
  const record = await recorded(page);
  const shown = record.bars.filter((bar) => bar.at > clickedAt);
  const finishedAt = Math.min(...[record.lastBarGoneAt > clickedAt ? record.lastBarGoneAt : Infinity,
    ...shown.filter((bar) => bar.value >= 100).map((bar) => bar.at)]);
  return { shown, finishedAt };
}

/** The rows of the "Ward rankings" table as {header: cell text}. */
export async function rankingRows(page) {
  const table = page.getByRole('table', { name: 'Ward rankings', exact: true });
  await table.waitFor({ timeout: WAIT.long });
  return table.evaluate((element) => {
    const headers = [...element.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    const text = (cell) => {
      const copy = cell.cloneNode(true);
      copy.querySelectorAll('small').forEach((small) => small.remove()); // a ward's code beside its name
      return copy.textContent.trim();
    };
    return [...element.querySelectorAll('tbody tr')].map((tr) =>
      Object.fromEntries([...tr.querySelectorAll('th, td')].map((cell, i) => [headers[i] ?? i, text(cell)])));
  });
}

const wardOf = (row) => row.Ward;

export async function journey(journal, browser, config, shared) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await recordProgressAndMap(context, WARDS);
  const page = journal.watch(await context.newPage(), 'demo user');
  shared.datasetName = `Niger State ${new Date().toISOString().slice(0, 19)}`;
  await journal.scenario('Demo user: sign in, upload Niger, analyse, map, chat, plan nets, download, sign out', async () => {
    await journal.step(page, 'sign-in form', async () => {
      await page.goto(config.webUrl);
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: WAIT.long });
      await journal.accessible(page, 'the sign-in form');
    });
    await journal.step(page, 'signed in as the demo user', async () => {
      await signIn(page, config.webUrl, config.demo);
      await journal.accessible(page, 'the first screen after sign-in');
    });
    await journal.step(page, 'Niger uploaded and validated', async () => {
      await upload(page, shared.datasetName, nigerFiles(config));
      await page.getByRole('button', { name: 'Run analysis', exact: true }).waitFor({ timeout: WAIT.long });
      const report = await page.locator('body').innerText();
      check(report.includes(String(WARDS)), `the validation report does not say ${WARDS} wards:\n${report.slice(0, 1500)}`);
      shared.datasetId = routeParam(page, 'dataset');
      check(shared.datasetId, `the dataset is not in the URL (${page.url()}): a reload would lose it`);
      await journal.accessible(page, 'the validated dataset');
    });
    await journal.step(page, 'analysis progress watched', async () => {
      const { shown } = await runAnalysis(page);
      const values = [...new Set(shown.map((bar) => bar.value).filter((value) => value !== null))];
      check(values.length >= 2, `the progress bar showed no live progress: ${JSON.stringify(shown)}`);
      journal.figures.progressValuesShown = values;
      shared.analysisId = routeParam(page, 'analysis');
      check(shared.analysisId, `the analysis is not in the URL (${page.url()}): a reload would lose it`);
    });
    await journal.step(page, '275 ranked wards', async () => {
      await control(page, 'Results').click();
      const rows = await rankingRows(page);
      check(rows.length === WARDS, `the table "Ward rankings" shows ${rows.length} wards, not ${WARDS}`);
      shared.topWards = rows.slice(0, 5).map(wardOf);
      await journal.accessible(page, 'the results');
    });
    await journal.step(page, 'vulnerability map', async () => {
      await control(page, 'Map').click();
      const map = page.getByRole('region', { name: 'Vulnerability map', exact: true });
      await map.waitFor({ timeout: WAIT.long });
      await page.waitForFunction((wards) => window.__e2e.mapShapes >= wards, WARDS, { timeout: WAIT.long });
      const legend = await map.innerText();
      for (const category of ['High', 'Medium', 'Low']) check(legend.includes(category), `the map's legend lacks ${category}`);
      await journal.accessible(page, 'the map');
    });
    await journal.step(page, 'variable maps opened', async () => {
      await page.locator('summary', { hasText: 'Variable maps' }).click();
      const variable = page.getByRole('region', { name: /^Map of / });
      await variable.waitFor({ timeout: WAIT.long });
      const shapes = await variable.locator('path[role=img]').count();
      check(shapes === WARDS, `the variable map draws ${shapes} wards, not ${WARDS}`);
      await journal.accessible(page, 'the variable maps');
    }, { fatal: false });
    await journal.step(page, 'chat: top 5 wards', async () => {
      await control(page, 'Chat').click();
      await page.getByRole('textbox', { name: 'Message', exact: true }).fill('What are the top 5 highest risk wards?');
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      const answer = page.getByRole('log', { name: 'Conversation', exact: true }).getByRole('table').last();
      await answer.waitFor({ timeout: WAIT.long });
      const text = await answer.innerText();
      const rows = await answer.locator('tbody tr').count();
      check(rows === 5, `the chat's table has ${rows} rows, not 5`);
      for (const ward of shared.topWards) check(text.includes(ward), `the chat's top 5 lacks ${ward} (the table's top 5: ${shared.topWards})`);
      await journal.accessible(page, 'the chat');
    }, { fatal: false });
    await journal.step(page, 'ITN plan', async () => {
      await control(page, 'ITN planner').click();
      await page.getByLabel('Total nets', { exact: true }).fill(NETS.total);
      await page.getByLabel('Household size', { exact: true }).fill(NETS.household);
      await page.getByLabel('Urban threshold', { exact: true }).fill(NETS.urban);
      await page.getByRole('button', { name: 'Plan nets', exact: true }).click();
      const plan = page.getByRole('table', { name: /plan/i });
      await plan.first().waitFor({ timeout: WAIT.long });
      check((await plan.first().locator('tbody tr').count()) > 0, 'the ITN plan has no rows');
      const coverage = page.getByRole('region', { name: 'Net coverage map', exact: true });
      await coverage.waitFor({ timeout: WAIT.long });
      const shapes = await coverage.locator('path[role=img]').count();
      check(shapes === WARDS, `the coverage map draws ${shapes} wards, not ${WARDS}`);
      await journal.accessible(page, 'the ITN plan');
    });
    await journal.step(page, 'rankings.csv downloaded', async () => {
      await control(page, 'Results').click();
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: WAIT.long }),
        page.getByRole('link', { name: 'rankings.csv', exact: true }).click(),
      ]);
      const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
      check(lines.length === WARDS + 1, `rankings.csv has ${lines.length - 1} rows, not ${WARDS}`);
      check(download.suggestedFilename() === 'rankings.csv', `the file is saved as ${download.suggestedFilename()}`);
    });
    await journal.step(page, 'signed out', async () => {
      await signOut(page);
      check(await page.getByRole('table', { name: 'Ward rankings' }).count() === 0, 'the rankings are still shown');
      const kept = await page.evaluate(() => [...Object.keys(localStorage), ...Object.keys(sessionStorage)]
        .filter((key) => /token/i.test(key)));
      check(kept.length === 0, `tokens are still stored after sign-out: ${kept}`);
      await notBlank(page);
    });
  });
  await context.close();
}

/** A second user, on a 360 px phone, sees none of the demo user's datasets or results. */
export async function isolation(journal, browser, config, shared) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  const page = journal.watch(await context.newPage(), 'second user');
  const fitsThePhone = async () => {
    const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
    check(width <= 360, `the page is ${width} px wide on a 360 px phone: it scrolls sideways`);
  };
  await journal.scenario('Second user on a phone: none of the demo user\'s data', async () => {
    await journal.step(page, 'second user signed in on a phone', async () => {
      await signIn(page, config.webUrl, config.second);
      await fitsThePhone();
      await journal.accessible(page, 'the first screen on a phone');
    });
    await journal.step(page, 'no datasets of the demo user', async () => {
      await control(page, 'Datasets').click();
      await notBlank(page);
      const text = await page.locator('body').innerText();
      check(!text.includes(shared.datasetName), `the second user sees the demo user's dataset ${shared.datasetName}`);
      await fitsThePhone();
    });
    await journal.step(page, 'the demo user\'s dataset and analysis are not found', async () => {
      check(shared.datasetId && shared.analysisId, 'the journey made no dataset and analysis to look for');
      await page.goto(`${config.webUrl}/#/datasets?dataset=${shared.datasetId}`);
      await page.getByRole('alert').filter({ hasText: /not found|no longer|does not exist/i }).first().waitFor({ timeout: WAIT.long });
      check(await page.getByRole('button', { name: 'Run analysis' }).count() === 0, 'Run analysis is offered on another user\'s dataset');
      await page.goto(`${config.webUrl}/#/results?analysis=${shared.analysisId}`);
      await page.getByRole('alert').filter({ hasText: /not found|no longer|does not exist/i }).first().waitFor({ timeout: WAIT.long });
      const text = await page.locator('body').innerText();
      for (const ward of shared.topWards ?? []) check(!text.includes(ward), `the second user sees the demo user's ward ${ward}`);
      await notBlank(page);
      await journal.accessible(page, 'a result that is not found, on a phone');
    });
    await journal.step(page, 'second user signed out', () => signOut(page));
  });
  await context.close();
}
