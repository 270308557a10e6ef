/**
 * What every browser scenario shares: Debian's Chromium driven by playwright-core, the running
 * stack's state, steps that screenshot themselves, the axe-core check, network throttling and an
 * in-page recorder of progress bars and the map.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Fresh profile (playwright makes one per launch), no network beyond loopback, nothing in the background.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--no-proxy-server',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const WAIT = { short: 10_000, long: 60_000 };
// frontend.md's link: 512 kbps both ways, 300 ms of latency.
export const SLOW_LINK = { offline: false, latency: 300, downloadThroughput: 512_000 / 8, uploadThroughput: 512_000 / 8 };
const SERIOUS = ['serious', 'critical'];
// A message that says what to do names an action.
const ADVICE = /\b(try again|retry|press|choose|select|sign in|check|reload|upload|use|fix|ask|wait|open|remove|contact)\b/i;

/** Where the stack, the data and the screenshots are, from the environment tests/web (or bench) sets. */
export function settings(env = process.env, { secondUser = true } = {}) {
  const stackFile = env.E2E_STACK ?? path.join(ROOT, '.local', 'stack.json');
  const stack = JSON.parse(readFileSync(stackFile, 'utf8'));
  if (!stack.web_url) throw new Error(`${stackFile} has no web_url: start the stack with the web app (make run)`);
  if (secondUser && !env.E2E_SECOND_USER) throw new Error('E2E_SECOND_USER is not set: run the browser tests through tests/web');
  return {
    stack,
    webUrl: stack.web_url,
    demo: stack.demo_user,
    second: secondUser ? JSON.parse(env.E2E_SECOND_USER) : null,
    niger: env.E2E_NIGER ?? path.resolve(ROOT, '..', 'shared', 'data', 'niger'),
    artifacts: env.E2E_ARTIFACTS ?? path.join(ROOT, 'test-artifacts', 'e2e'),
    scratch: env.E2E_SCRATCH ?? path.join(ROOT, '.local', 'e2e'),
    executable: env.CHROMIUM ?? '/usr/bin/chromium',
  };
}

export function launch(config) {
  return chromium.launch({ executablePath: config.executable, args: FLAGS, headless: true });
}

/** A scenario stops at its first failed step; a failed step is screenshotted; the run goes on. */
export class Journal {
  constructor(artifacts) {
    this.artifacts = artifacts;
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    this.shots = 0;
    this.failures = [];
    this.figures = {};
    this.pageErrors = [];
  }

  async scenario(name, body) {
    console.log(`\n# ${name}`);
    const started = performance.now();
    try {
      await body();
    } catch (error) {
      if (!(error instanceof StopScenario)) this.record(name, error);
    }
    console.log(`# ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Runs `action`, then screenshots `page` as test-artifacts/e2e/NN-name.png. */
  async step(page, name, action, { fatal = true } = {}) {
    const started = performance.now();
    const shot = `${String(++this.shots).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    try {
      await action();
      await page.screenshot({ path: path.join(this.artifacts, `${shot}.png`), fullPage: true });
      console.log(`ok   ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    } catch (error) {
      await page.screenshot({ path: path.join(this.artifacts, `${shot}-FAILED.png`), fullPage: true }).catch(() => {});
      this.record(name, error, `${shot}-FAILED.png`);
      if (fatal) throw new StopScenario();
    }
  }

  /** axe-core finds no serious or critical violation on `screen`; a violation fails the run, not the scenario. */
  async accessible(page, screen) {
    const found = await axeViolations(page);
    if (found.length) this.record(`axe-core on ${screen}`, `${found.length} serious or critical violation(s):\n${found.join('\n')}`);
  }

  record(name, error, shot) {
    const message = String(error?.stack ?? error).split('\n').slice(0, 12).join('\n');
    console.log(`FAIL ${name}${shot ? ` (screenshot ${shot})` : ''}\n${message.replace(/^/gm, '     ')}`);
    this.failures.push(name);
  }

  /** Every uncaught error of the page is a failure of the run: the page may have gone blank. */
  watch(page, who) {
    page.on('pageerror', (error) => {
      console.log(`     uncaught error in the page (${who}): ${error.message}`);
      this.pageErrors.push(`${who}: ${error.message}`);
    });
    return page;
  }
}

class StopScenario extends Error {}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Serious and critical axe-core violations on what the page shows now, one line each. */
async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, targets: nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  });
  return violations.filter((v) => SERIOUS.includes(v.impact)).map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.targets.join(', ')}`);
}

/** The page shows words, never a blank screen. */
export async function notBlank(page) {
  const text = (await page.locator('body').innerText()).trim();
  check(text.length > 20, `the page is (nearly) blank: ${JSON.stringify(text)}`);
}

/** A visible alert (or notice) that says what happened and what to do; its text. */
export async function guidance(page, about) {
  const alert = page.getByRole('alert').or(page.getByRole('status')).filter({ hasText: about });
  await alert.first().waitFor({ timeout: WAIT.long });
  const text = (await alert.first().innerText()).trim();
  check(ADVICE.test(text), `the message does not say what to do: ${JSON.stringify(text)}`);
  await notBlank(page);
  return text;
}

/** A tab, link or button named exactly `name` (frontend.md lets the app choose which). */
export function control(page, name) {
  const exact = { name, exact: true };
  return page.getByRole('tab', exact).or(page.getByRole('link', exact)).or(page.getByRole('button', exact)).first();
}

export async function signIn(page, webUrl, user) {
  await page.goto(webUrl);
  await fillSignIn(page, user);
}

/** The sign-in form where it is shown now (a session that ended shows it in place). */
export async function fillSignIn(page, user) {
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor({ timeout: WAIT.long });
}

export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor({ timeout: WAIT.short });
}

/**
 * Chromium's network emulation on `page` (and the WebSocket it opens). The answer's `start()` and
 * `stop()` bracket what the page downloads meanwhile, as Chromium counted it: [{file, kB}].
 */
export async function throttle(page, link = SLOW_LINK) {
  const session = await page.context().newCDPSession(page);
  const urls = new Map();
  let downloads = null;
  session.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
  session.on('Network.loadingFinished', (event) => {
    const file = new URL(urls.get(event.requestId)).pathname.split('/').pop();
    downloads?.push({ file, kB: Number((event.encodedDataLength / 1024).toFixed(1)) });
  });
  await session.send('Network.enable');
  await session.send('Network.emulateNetworkConditions', link);
  return {
    start: () => { downloads = []; },
    stop: () => { const seen = downloads; downloads = null; return seen; },
  };
}

/**
 * Installed before the app's scripts: records every progress bar value the page shows (they may
 * come and go faster than a poll) and the moment the vulnerability map holds `wards` drawn shapes.
 * Times are the page's performance.now(); the recorder lives in window.__e2e.
 */
export function recordProgressAndMap(context, wards) {
  return context.addInitScript((wardCount) => {
    const record = { bars: [], lastBarGoneAt: null, mapDrawnAt: null, mapShapes: 0 };
    window.__e2e = record;
    const nameOf = (element) => {
      const labelledby = element.getAttribute('aria-labelledby');
      if (labelledby) {
        return labelledby.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
      }
      return (element.getAttribute('aria-label') ?? element.getAttribute('title') ?? '').trim();
    };
    const valueOf = (bar) => {
      if (bar instanceof HTMLProgressElement) return bar.hasAttribute('value') ? (100 * bar.value) / bar.max : null;
      const now = bar.getAttribute('aria-valuenow');
      const max = Number(bar.getAttribute('aria-valuemax') ?? 100);
      return now === null ? null : (100 * Number(now)) / max;
    };
    let barsShown = false;
    const look = () => {
      const bars = [...document.querySelectorAll('[role=progressbar], progress')];
      for (const bar of bars) {
        const entry = { name: nameOf(bar), value: valueOf(bar), text: bar.getAttribute('aria-valuetext') };
        const last = record.bars.findLast((seen) => seen.name === entry.name);
        if (!last || last.value !== entry.value || last.text !== entry.text) record.bars.push({ ...entry, at: performance.now() });
      }
      if (bars.length) barsShown = true;
      else if (barsShown) {
        barsShown = false;
        record.lastBarGoneAt = performance.now();
      }
      const map = [...document.querySelectorAll('[role=region], section[aria-label], section[aria-labelledby]')]
        .find((element) => nameOf(element) === 'Vulnerability map');
      // Each ward is an image with its own accessible name (what a screen reader announces).
      const shapes = map ? map.querySelectorAll('path[role=img]').length : 0;
      record.mapShapes = shapes;
      if (shapes >= wardCount && record.mapDrawnAt === null) record.mapDrawnAt = performance.now();
      if (shapes < wardCount) record.mapDrawnAt = null;
    };
    new MutationObserver(look).observe(document, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow', 'value', 'aria-valuetext'],
    });
  }, wards);
}

export function recorded(page) {
  return page.evaluate(() => ({ ...window.__e2e, now: performance.now() }));
}
