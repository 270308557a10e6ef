/**
 * What goes wrong in the field gets a message that says what to do, never a blank page, and
 * loses nothing: a PDF as boundaries, a file over the limit, the storage going away in the
 * middle of an upload, a reload before every file arrived, a session that expired.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { check, control, fillSignIn, guidance, notBlank, signIn, WAIT } from './support.mjs';
import { nigerFiles, upload } from './journey.mjs';

// Above the API's 50 MB upload limit (MAX_UPLOAD_BYTES in .chalice/config.json).
const OVER_THE_LIMIT = 50 * 1024 * 1024 + 1;

function scratchFiles(scratch) {
  mkdirSync(scratch, { recursive: true });
  const pdf = path.join(scratch, 'boundaries.pdf');
  writeFileSync(pdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  const big = path.join(scratch, 'too-big.csv');
  const handle = openSync(big, 'w');
  ftruncateSync(handle, OVER_THE_LIMIT); // sparse: nothing written to disk
  closeSync(handle);
  return { pdf, big };
}

export async function badInput(journal, browser, config) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = journal.watch(await context.newPage(), 'bad input');
  const niger = nigerFiles(config);
  const files = scratchFiles(config.scratch);
  const datasets = () => control(page, 'Datasets').click();
  const storage = (url) => url.href.startsWith(`${config.stack.aws_endpoint_url}/${config.stack.data_bucket}`);
  await journal.scenario('Bad input: every mistake gets a message that says what to do', async () => {
    await journal.step(page, 'signed in for the bad inputs', () => signIn(page, config.webUrl, config.demo));
    await journal.step(page, 'a PDF as boundaries', async () => {
      await datasets();
      await upload(page, 'PDF boundaries', { data: niger.data, boundaries: files.pdf });
      await guidance(page, 'boundaries.pdf');
      await journal.accessible(page, 'the refused PDF');
    }, { fatal: false });
    await journal.step(page, 'a file over the limit', async () => {
      await page.reload();
      await datasets();
      await upload(page, 'Too big', { data: files.big, boundaries: niger.boundaries });
      await guidance(page, 'too-big.csv');
      await journal.accessible(page, 'the refused large file');
    }, { fatal: false });
    await journal.step(page, 'the storage goes away mid-upload, then Retry', async () => {
      await page.reload();
      await datasets();
      await page.route(storage, (route) => (route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback()));
      await upload(page, 'Niger State (interrupted)', niger);
      await guidance(page, /Niger_plus\.csv|Niger_State\.zip/);
      await journal.accessible(page, 'the interrupted upload');
      await page.unroute(storage);
      const retry = page.getByRole('button', { name: /^retry/i });
      while (await retry.count()) await retry.first().click();
      await page.getByRole('button', { name: 'Run analysis', exact: true }).waitFor({ timeout: WAIT.long });
    }, { fatal: false });
    await journal.step(page, 'a reload before the boundaries arrived, then Send the missing files', async () => {
      await page.reload();
      await datasets();
      await page.route(storage, (route) =>
        route.request().method() === 'POST' && route.request().postDataBuffer()?.includes('/boundaries.')
          ? route.abort('connectionrefused') : route.fallback());
      await upload(page, 'Niger State (reloaded)', niger);
      await page.getByRole('button', { name: 'Retry Niger_State.zip', exact: true }).waitFor({ timeout: WAIT.long });
      await page.unroute(storage);
      const finish = page.getByRole('form', { name: 'Finish the upload', exact: true });
      for (let reloads = 1; ; reloads++) { // until the ward data's arrival is recorded
        await page.reload();
        await finish.waitFor({ timeout: WAIT.long });
        if (!(await finish.innerText()).includes('Niger_plus.csv')) break;
        check(reloads < 20, 'the ward data that was sent is still missing from the dataset');
        await page.waitForTimeout(500);
      }
      await journal.accessible(page, 'the upload to finish');
      await finish.getByLabel('Boundaries', { exact: true }).setInputFiles(niger.boundaries);
      await finish.getByRole('button', { name: 'Send the missing files', exact: true }).click();
      await page.getByRole('button', { name: 'Run analysis', exact: true }).waitFor({ timeout: WAIT.long });
    }, { fatal: false });
    await journal.step(page, 'the session expires while working', async () => {
      const where = page.url();
      await page.evaluate((expiredAt) => {
        // The browser checks a token's expiry, not its signature: an hour ago, with a refresh token
        // Cognito no longer knows, is a session that ran out while the page stayed open.
        const expire = (token) => {
          const [header, payload, signature] = token.split('.');
          const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
          const encoded = btoa(JSON.stringify({ ...claims, exp: expiredAt }));
          return [header, encoded.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), signature].join('.');
        };
        for (const key of Object.keys(localStorage)) {
          if (/\.(idToken|accessToken)$/.test(key)) localStorage.setItem(key, expire(localStorage.getItem(key)));
          if (/\.refreshToken$/.test(key)) localStorage.setItem(key, 'revoked-refresh-token');
        }
      }, Math.floor(Date.now() / 1000) - 3600);
      await page.getByRole('button', { name: 'Run analysis', exact: true }).click();
      await guidance(page, /session/i);
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: WAIT.short });
      await journal.accessible(page, 'the expired session');
      await fillSignIn(page, config.demo);
      check(page.url() === where, `signing in again left the screen the person was on (${where} -> ${page.url()})`);
      await page.getByRole('button', { name: 'Run analysis', exact: true }).waitFor({ timeout: WAIT.short });
      await notBlank(page);
    }, { fatal: false });
  });
  await context.close();
}
