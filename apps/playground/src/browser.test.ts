// The playground in a real browser. The test builds it with Vite (as `pnpm run docs` does) into a scratch site/
// folder, serves that folder from a tiny static server on 127.0.0.1, and drives the page in headless Chromium
// through playwright-core and `window.memsim`: every shipped scenario's maps equal what `memsim inspect` computes
// for it (`inspectScenario`, the function the command runs), stepping back and forth returns the same state, a
// shared URL reproduces the page, and no console error appears. Screenshots of three states go to
// test-output/playground/ (git-ignored). Chromium is the system's (MEMSIM_CHROMIUM names another binary); where none
// can start, the tests are skipped under a name that says why, and the reason is printed: never a silent pass.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectScenario } from '@memsim/cli';
import { parseScenarios, type Scenario } from '@memsim/conformance';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapsText } from './views.js';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const suitesDir = join(repoRoot, 'apps', 'conformance', 'suites');
const shots = join(repoRoot, 'test-output', 'playground');
const work = mkdtempSync(join(tmpdir(), 'memsim-playground-'));
const site = join(work, 'site');

const candidates = [process.env['MEMSIM_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (p): p is string => Boolean(p),
);

async function start(): Promise<{ browser: BrowserContext } | { reason: string }> {
  const exe = candidates.find((p) => existsSync(p));
  if (!exe) return { reason: `no Chromium binary found (looked for ${candidates.join(', ')}; set MEMSIM_CHROMIUM)` };
  try {
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(work, 'profile-')), {
      executablePath: exe,
      viewport: { width: 1400, height: 1000 },
      headless: true,
      // No network beyond the test's own server: the page must work offline.
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 60_000,
    });
    return { browser };
  } catch (e) {
    return { reason: `${exe} did not start: ${(e as Error).message.split('\n')[0]}` };
  }
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml' };

/** A static file server of `root` on 127.0.0.1; what it served from outside 127.0.0.1 is nothing (it cannot). */
function serve(root: string): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (path.endsWith('/')) file = join(file, 'index.html');
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolve({ server, base: `http://127.0.0.1:${port}`, requests });
    });
  });
}

const launched = await start();
const browser = 'browser' in launched ? launched.browser : undefined;
const reason = 'reason' in launched ? launched.reason : '';
if (!browser) console.warn(`\n[playground browser tests SKIPPED] ${reason}\n`);

let served: Awaited<ReturnType<typeof serve>> | undefined;
beforeAll(async () => {
  if (!browser) return;
  await build({ configFile: join(appDir, 'vite.config.ts'), root: appDir, logLevel: 'error', build: { outDir: join(site, 'playground'), emptyOutDir: true } });
  served = await serve(site);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  served?.server.close();
  rmSync(work, { recursive: true, force: true });
});

/** The page, with console errors, page errors and failed requests collected. */
async function open(hash = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(`${served!.base}/playground/${hash}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.memsim !== undefined);
  await page.evaluate(() => window.memsim.ready);
  return { page, errors };
}

const files = readdirSync(suitesDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const suite = browser ? describe : describe.skip;
const title = browser ? 'the playground in headless Chromium' : `the playground in headless Chromium (SKIPPED: ${reason})`;

suite(title, () => {
  mkdirSync(shots, { recursive: true });

  it('every shipped scenario loaded through the page has the maps memsim inspect computes', async () => {
    const { page, errors } = await open();
    let compared = 0;
    for (const f of files) {
      const text = readFileSync(join(suitesDir, f), 'utf8');
      const scenarios: Scenario[] = parseScenarios(text, f);
      for (const s of scenarios) {
        let expected: string;
        let cliError: string | undefined;
        try {
          expected = mapsText(await inspectScenario(s));
        } catch (e) {
          cliError = (e as Error).message;
          expected = '';
        }
        const got = await page.evaluate(
          async ([t, name]) => {
            const r = await window.memsim.loadScenario(t, name);
            return { ...r, maps: window.memsim.linuxMaps(), failure: window.memsim.failure() };
          },
          [text, s.name] as const,
        );
        expect(got.name, f).toBe(s.name);
        if (cliError !== undefined) {
          // The CLI stops at the step that cannot run; the page shows the same message there.
          expect(got.failure?.message, `${f}: ${s.name}`).toBe(cliError);
        } else {
          expect(got.failure, `${f}: ${s.name}`).toBeUndefined();
          expect(got.maps, `${f}: ${s.name}`).toBe(expected);
        }
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);

  it('typed calls, stepping back and forth, a shared URL, and three screenshots', async () => {
    const { page, errors } = await open();
    const m = <T>(fn: () => T | Promise<T>): Promise<T> => page.evaluate(fn);
    await page.evaluate(() => window.memsim.loadScenario('name: typed\nsuite: playground\nsource: the browser test\nsteps:\n  - linux: brk\n'));
    // Real input: typing in the command line and pressing Enter.
    for (const call of ['p = mmap(0, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)', 'write(p, "hello")', 'fork()', 'child: munmap(p, 0x1000)']) {
      const before = await m(() => window.memsim.current());
      await page.locator('#call').fill(call);
      await page.locator('#call').press('Enter');
      await page.waitForFunction((n) => window.memsim.current() === n + 1, before);
    }
    expect(await page.locator('#call-error').textContent()).toBe('');
    const end = await m(() => window.memsim.current());
    expect(end).toBe(5);
    const atEnd = { maps: await m(() => window.memsim.linuxMaps()), zircon: await m(() => window.memsim.zirconView()) };
    expect(atEnd.maps).toContain('# process child');
    // The fork's clone shows on the Zircon side with a clone parent, and the drawing has both processes.
    expect(await page.locator('#drawing svg').count()).toBe(1);
    expect(await page.locator('#linux .changed').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, 'typed-calls-end.png'), fullPage: true });

    // Step back to the start and forward again, with the buttons and the keyboard: the same states.
    const states: string[] = [];
    for (let i = end; i >= 0; i--) {
      await m(() => window.memsim.step(window.memsim.current()));
      states[i] = JSON.stringify([await m(() => window.memsim.linuxMaps()), await m(() => window.memsim.zirconView())]);
      if (i > 0) {
        await page.locator('#back').click();
        await page.waitForFunction((n) => window.memsim.current() === n, i - 1);
      }
    }
    await page.screenshot({ path: join(shots, 'typed-calls-start.png'), fullPage: true });
    for (let i = 0; i <= end; i++) {
      expect(JSON.stringify([await m(() => window.memsim.linuxMaps()), await m(() => window.memsim.zirconView())]), `step ${i}`).toBe(states[i]);
      if (i < end) {
        await page.locator('#fwd').click();
        await page.waitForFunction((n) => window.memsim.current() === n, i + 1);
      }
    }
    expect(JSON.stringify([atEnd.maps, atEnd.zircon])).toBe(states[end]);

    // A shared URL at step 3 opens the same page state in a fresh tab.
    await m(() => window.memsim.step(3));
    const url = await m(() => window.memsim.url());
    const at3 = states[3];
    const { page: other, errors: otherErrors } = await open(new URL(url).hash);
    expect(await other.evaluate(() => window.memsim.current())).toBe(3);
    expect(JSON.stringify([await other.evaluate(() => window.memsim.linuxMaps()), await other.evaluate(() => window.memsim.zirconView())])).toBe(at3);
    expect(await other.locator('#editor').inputValue()).toBe(await page.locator('#editor').inputValue());
    await other.close();
    expect(otherErrors).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a Zircon example, a kernel profile choice and a shipped trace scrubbed with the slider', async () => {
    const { page, errors } = await open('#ex=zircon/clones.yaml&name=Clone+CloneVmarWrite');
    const z = (await page.evaluate(() => window.memsim.zirconView())) as { handles: { rightsNames: string[] }[]; vmos: { parentKoid: number }[] };
    expect(z.handles.length).toBeGreaterThan(0);
    expect(z.handles.some((h) => h.rightsNames.includes('READ'))).toBe(true);
    expect(z.vmos.some((v) => v.parentKoid !== 0)).toBe(true);

    // A profile is a choice on the page and goes into the link.
    const profiles = await page.locator('#profile option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(profiles.length).toBeGreaterThan(0);
    await page.locator('#example').selectOption('linux-mm/misc.yaml');
    await page.waitForFunction(() => location.hash.includes('ex=linux-mm'));
    await page.locator('#profile').selectOption(profiles[0]);
    await page.waitForFunction((p) => location.hash.includes(`profile=${encodeURIComponent(p)}`), profiles[0]);

    const calls = await page.evaluate(() => window.memsim.openShippedTrace('python3-fork.trace'));
    expect(calls).toBeGreaterThan(20);
    expect(await page.locator('#steps li').count()).toBeGreaterThan(20);
    await page.locator('#slider').focus();
    await page.keyboard.press('End');
    await page.waitForFunction((n) => window.memsim.current() === n, calls);
    const endMaps = await page.evaluate(() => window.memsim.linuxMaps());
    expect(endMaps.match(/^# process /gm)?.length).toBeGreaterThan(1);
    await page.keyboard.press('Home');
    await page.waitForFunction(() => window.memsim.current() === 0);
    await page.keyboard.press('End');
    await page.waitForFunction((n) => window.memsim.current() === n, calls);
    expect(await page.evaluate(() => window.memsim.linuxMaps())).toBe(endMaps);
    await page.screenshot({ path: join(shots, 'trace-python3-fork-end.png'), fullPage: true });
    expect(errors).toEqual([]);
    // Offline: everything the page loaded came from the test's server.
    expect(served!.requests.every((r) => r.startsWith('/playground/'))).toBe(true);
    await page.close();
  }, 120_000);
});
