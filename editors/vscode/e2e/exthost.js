// Runs the extension-host suite (suite/index.js) inside code-server, driven by headless
// Chromium; the exit code is the suite's result.
// usage: node exthost.js URL WORKSPACE DEV_EXTENSION_DIR SUITE_INDEX_JS
const { chromium } = require('playwright-core');
const path = require('path');

const [, , endpoint, workspace, devPath, suitePath] = process.argv;
const TIMEOUT_MS = 180000;
const host = new URL(endpoint).host;
const remote = (p) => `vscode-remote://${host}${path.resolve(p)}`;

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: endpoint });
  const timer = setTimeout(() => {
    console.error(`TIMEOUT: the suite did not finish in ${TIMEOUT_MS / 1000}s`);
    process.exit(2);
  }, TIMEOUT_MS);
  await context.exposeFunction('codeAutomationLog', (type, args) => console.log('[workbench]', type, ...args));
  await context.exposeFunction('codeAutomationExit', async (code) => {
    clearTimeout(timer);
    console.log(`extension host suite exited with code ${code}`);
    await browser.close().catch(() => {});
    process.exit(code);
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('[pageerror]', error.message));
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(devPath)],
    ['extensionTestsPath', remote(suitePath)],
    ['skipWelcome', 'true'],
  ]);
  await page.goto(`${endpoint}/?folder=${encodeURIComponent(remote(workspace))}&payload=${encodeURIComponent(payload)}`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
