// The user's view: code-server in headless Chromium. Accept the fake AI's ghost text with
// Tab in infra/main.tf and see the countersign error (squiggle, status bar, Problems panel);
// type the same line by hand in infra/prod.tf and see none. Screenshots go to ARTIFACTS.
// usage: node ui.js URL_WITH_FOLDER ARTIFACTS_DIR
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const [, , url, artifacts] = process.argv;
const LINE = 'terraform destroy -auto-approve';
let failed = 0;
const check = (name, ok, info = '') => {
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name} ${info}`);
};
const found = (locator, timeout = 20000) => locator.waitFor({ timeout }).then(() => true, () => false);

async function openFile(page, file) {
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 20000 });
  await page.keyboard.type(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).first().waitFor({ timeout: 30000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: path.basename(file) }).waitFor({ timeout: 20000 });
  const lines = page.locator('.editor-instance .monaco-editor .view-lines').first();
  await lines.click();
  await page.keyboard.press('Control+End');
}

const editorText = (page) => page.evaluate(() => {
  const el = document.querySelector('.editor-instance .monaco-editor .view-lines');
  return el ? el.innerText.replace(/\u00a0/g, ' ') : '';
});

(async () => {
  fs.mkdirSync(artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await page.goto(url);
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60000 });
    // The server is up once the status bar item shows for an open file.
    await openFile(page, 'infra/main.tf');
    check('status bar item shows no AI lines', await found(page.locator('.statusbar-item', { hasText: 'AI 0' }), 60000));

    await page.keyboard.type('terr', { delay: 50 });
    check('ghost text from the fake AI', await found(page.locator('.editor-instance .ghost-text-decoration').first()));
    await page.keyboard.press('Tab');
    await page.waitForFunction((line) => {
      const el = document.querySelector('.editor-instance .monaco-editor .view-lines');
      return el && el.innerText.replace(/\u00a0/g, ' ').includes(line);
    }, LINE, { timeout: 10000 }).catch(() => {});
    check('Tab accepted the suggestion', (await editorText(page)).includes(LINE));
    check('error squiggle on the accepted line', await found(page.locator('.editor-instance .squiggly-error').first()));
    check('status bar: 1 AI line, critical', await found(page.locator('.statusbar-item', { hasText: 'AI 1 critical' })));
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'DES001' }).first();
    check('DES001 in the Problems panel', await found(row));
    const problems = await page.locator('.markers-panel').innerText().catch(() => '');
    console.log('PROBLEMS PANEL:', JSON.stringify(problems.slice(0, 400)));
    check('the problem names the AI tool', /fake-ai/.test(problems));
    await page.screenshot({ path: path.join(artifacts, 'vscode-ai-accepted.png') });
    await page.locator('.statusbar-item', { hasText: 'AI 1 critical' }).click();
    const report = page.locator('.editor-instance .view-lines', { hasText: 'countersign report' }).first();
    check('a click on the status bar item shows the report', await found(report));
    const reportText = (await report.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
    check('the report has the file summary and the commit preview', /AI lines \| 1 of 2/.test(reportText) && /Commit preview/.test(reportText));
    await page.screenshot({ path: path.join(artifacts, 'vscode-report.png') });
    await page.locator('.tab', { hasText: 'countersign report.md' }).locator('.codicon-close').click();
    await page.locator('.tab', { hasText: 'countersign report.md' }).waitFor({ state: 'detached', timeout: 10000 });

    await openFile(page, 'infra/prod.tf');
    await page.keyboard.type(LINE, { delay: 20 });
    await page.keyboard.press('Escape');
    check('typed the line by hand', (await editorText(page)).includes(LINE));
    await page.waitForTimeout(2500);
    check('no squiggle on the typed line', (await page.locator('.editor-instance .squiggly-error, .editor-instance .squiggly-warning').count()) === 0);
    check('status bar: no AI lines', await found(page.locator('.statusbar-item', { hasText: 'AI 0' })));
    const after = await page.locator('.markers-panel').innerText().catch(() => '');
    check('nothing about prod.tf in the Problems panel', !after.includes('prod.tf'), JSON.stringify(after.slice(0, 300)));
    await page.screenshot({ path: path.join(artifacts, 'vscode-typed-by-hand.png') });
  } catch (error) {
    check('driver', false, error.message.split('\n')[0]);
    await page.screenshot({ path: path.join(artifacts, 'vscode-failure.png') }).catch(() => {});
  }
  await browser.close();
  console.log(failed ? `UI TEST FAILED (${failed} checks)` : 'UI TEST PASSED');
  process.exit(failed ? 1 : 0);
})();
