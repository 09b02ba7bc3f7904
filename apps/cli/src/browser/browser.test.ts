// The HTML outputs in a real browser: the CLI's drawing page (step slider) and the conformance runner's report
// (case filter) are opened in headless Chromium through playwright-core, driven by real input (keys and typing),
// with every console error and uncaught exception collected. Screenshots go to test-output/browser/ (git-ignored).
// Chromium is the system's (CI installs Debian's `chromium`; MEMSIM_CHROMIUM names another binary). Where none
// can start, the tests are skipped under a name that says why, and the reason is printed: never a silent pass.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSuites, toHtml } from '@memsim/conformance';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { statesOf } from '../commands/inspect.js';
import { drawHtml } from '../draw/render.js';
import { loadScenario } from '../model/open.js';
import { fixture } from '../test-support/fixtures.js';

const repoRoot = new URL('../../../../', import.meta.url);
const shots = join(repoRoot.pathname, 'test-output', 'browser');
const work = mkdtempSync(join(tmpdir(), 'memsim-browser-'));

const candidates = [process.env['MEMSIM_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (p): p is string => Boolean(p),
);

async function start(): Promise<{ browser: BrowserContext } | { reason: string }> {
  const exe = candidates.find((p) => existsSync(p));
  if (!exe) return { reason: `no Chromium binary found (looked for ${candidates.join(', ')}; set MEMSIM_CHROMIUM)` };
  try {
    // A fresh profile directory for every run (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(work, 'profile-')), {
      executablePath: exe,
      viewport: { width: 1200, height: 900 },
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      timeout: 60_000,
    });
    return { browser };
  } catch (e) {
    return { reason: `${exe} did not start: ${(e as Error).message.split('\n')[0]}` };
  }
}

const launched = await start();
const browser = 'browser' in launched ? launched.browser : undefined;
const reason = 'reason' in launched ? launched.reason : '';
if (!browser) console.warn(`\n[browser tests SKIPPED] ${reason}\n`);
afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Opens a file with console errors and page errors collected. */
async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors };
}

const suite = browser ? describe : describe.skip;
const title = browser ? 'HTML outputs in headless Chromium' : `HTML outputs in headless Chromium (SKIPPED: ${reason})`;

suite(title, () => {
  mkdirSync(shots, { recursive: true });

  it('memsim draw: the page renders with no console error, and the slider redraws the picture', async () => {
    const scenario = loadScenario(fixture('clone-space.yaml'));
    const states = await statesOf(scenario);
    const file = join(work, 'clone-space.html');
    writeFileSync(file, drawHtml(scenario, states));
    const { page, errors } = await open(file);
    const last = states.length - 1;
    const step = (): Promise<string | null> => page.locator('#view svg').getAttribute('data-step');
    expect(await step()).toBe(String(last));
    const mappingsAtEnd = await page.locator('#view g.mapping').count();
    expect(mappingsAtEnd).toBeGreaterThan(0);
    // A box the browser laid out: the SVG really renders with a size.
    const box = await page.locator('#view svg').boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    await page.screenshot({ path: join(shots, `cli-draw-step-${last}.png`), fullPage: true });

    // Real keyboard input on the range control: Home goes to the initial state, ArrowRight one step on.
    await page.locator('#slider').focus();
    await page.keyboard.press('Home');
    expect(await step()).toBe('0');
    expect(await page.locator('#view g.mapping').count()).toBe(0);
    expect(await page.locator('#label').textContent()).toBe('initial state');
    await page.screenshot({ path: join(shots, 'cli-draw-step-0.png'), fullPage: true });
    await page.keyboard.press('ArrowRight');
    expect(await step()).toBe('1');
    expect(await page.locator('#label').textContent()).toMatch(/^step 1: /);

    // The address opens at a step.
    await page.goto(`${pathToFileURL(file).href}#step=4`);
    await page.waitForFunction(() => document.querySelector('#view svg')?.getAttribute('data-step') === '4');
    expect(await page.locator('#slider').inputValue()).toBe('4');
    await page.screenshot({ path: join(shots, 'cli-draw-step-4.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('memsim-conformance --html: the report renders with no console error, and the filter filters', async () => {
    const suites = new URL('../../../conformance/suites/zircon/', import.meta.url).pathname;
    const report = await runSuites({ paths: [join(suites, 'slices.yaml'), join(suites, 'clones.yaml')], backend: 'model', inProcess: true });
    const file = join(work, 'report.html');
    writeFileSync(file, toHtml(report));
    const { page, errors } = await open(file);
    const rows = page.locator('tr.case');
    const visible = page.locator('tr.case:visible');
    const total = await rows.count();
    expect(total).toBe(report.cases.length);
    expect(await visible.count()).toBe(total);
    await page.screenshot({ path: join(shots, 'conformance-report.png'), fullPage: true });

    await page.locator('#q').pressSequentially('slice nested');
    const shown = await visible.allTextContents();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(total);
    for (const t of shown) expect(t.toLowerCase()).toContain('slice nested');
    await page.screenshot({ path: join(shots, 'conformance-report-filtered.png'), fullPage: true });

    await page.locator('#q').fill('');
    expect(await visible.count()).toBe(total);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
