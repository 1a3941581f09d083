// Runs INSIDE VS Code's extension host (code-server), with the countersign extension
// installed from its .vsix and the fake AI extension playing the AI. `run()` is VS Code's
// extension test contract: resolve = pass, throw = fail.
const vscode = require('vscode');
const assert = require('assert');

const LINE = 'terraform destroy -auto-approve';
const log = (...args) => console.log('[countersign-e2e]', ...args);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what, check, ms = 30000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await check();
      if (last) {
        return last;
      }
    } catch (error) {
      last = error;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

function fileUri(relative) {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, relative);
}

function codeOf(diagnostic) {
  return typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : String(diagnostic.code);
}

function countersignDiagnostics(uri) {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'countersign');
}

function describe(diagnostics) {
  return diagnostics.map((d) => `${codeOf(d)}@${d.range.start.line} sev=${d.severity} ${d.message}`);
}

/** The server's summary of a document (the languageclient registers the server's commands). */
function summary(uri) {
  return vscode.commands.executeCommand('countersign.summary', uri.toString());
}

const countersign = () => vscode.extensions.getExtension('countersign.countersign').exports;

/** The marks the extension shows for `document`, once they describe its current version. */
async function marksOf(document, what, check = () => true, ms = 30000) {
  return waitFor(what, () => {
    const shown = countersign().marks(document.uri.toString());
    return shown.version === document.version && check(shown.marks) ? shown.marks : null;
  }, ms);
}

const same = (expected) => (marks) => JSON.stringify(marks) === JSON.stringify(expected);

async function open(relative) {
  const document = await vscode.workspace.openTextDocument(fileUri(relative));
  const editor = await vscode.window.showTextDocument(document);
  // The server has the document once it answers for it.
  await waitFor(`the server to track ${relative}`, () => summary(document.uri), 60000);
  return { document, editor };
}

function moveToEnd(editor) {
  const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
}

/** The server has seen every edit of `document` (its line count matches). */
async function settled(document) {
  await waitFor(`the server to catch up on ${document.uri.path}`, async () => (await summary(document.uri)).totalLines === document.lineCount);
  await sleep(1000); // and diagnostics had the time to arrive
}

async function acceptedInlineSuggestion() {
  const fakeAi = vscode.extensions.getExtension('countersign-test.fake-ai');
  assert.ok(fakeAi, 'the fake AI extension is not installed');
  await fakeAi.activate();
  const { editor, document } = await open('infra/main.tf');
  assert.deepStrictEqual(describe(countersignDiagnostics(document.uri)), []);
  moveToEnd(editor);
  await vscode.commands.executeCommand('type', { text: 'terr' });
  // Accept the ghost text the way Tab does; retry until the suggestion was there to accept.
  await waitFor('the suggestion to be accepted', async () => {
    const before = fakeAi.exports.provided();
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('the fake AI to be asked', () => fakeAi.exports.provided() > before, 5000);
    await sleep(300);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
    return document.getText().includes(LINE);
  });
  const line = document.getText().split('\n').indexOf(LINE);
  log('accepted the suggestion on line', line);
  const found = await waitFor('the DES001 diagnostic on the accepted line', () => {
    const diagnostics = countersignDiagnostics(document.uri).filter((d) => codeOf(d) === 'DES001');
    return diagnostics.length > 0 ? diagnostics : null;
  });
  log('diagnostics:', JSON.stringify(describe(countersignDiagnostics(document.uri))));
  assert.strictEqual(found[0].range.start.line, line);
  assert.strictEqual(found[0].severity, vscode.DiagnosticSeverity.Error);
  assert.match(found[0].message, /fake-ai/);
  const about = await summary(document.uri);
  assert.strictEqual(about.aiLines, 1);
  assert.strictEqual(about.tier, 'critical');
  assert.deepStrictEqual(about.tools, ['fake-ai (inline)']);
  await marksOf(document, 'the inline mark on the accepted line', same({ inline: [[line, line]] }));
  await vscode.commands.executeCommand('workbench.action.files.save');
  return { document, line };
}

/** Accept word by word, then the rest of the line: both are taken over too. */
async function partialAccepts() {
  const fakeAi = vscode.extensions.getExtension('countersign-test.fake-ai');
  const { editor, document } = await open('infra/partial.tf');
  moveToEnd(editor);
  await vscode.commands.executeCommand('type', { text: 'terr' });
  const lastLine = () => document.lineAt(document.lineCount - 1).text;
  await waitFor('a word to be accepted', async () => {
    const before = fakeAi.exports.provided();
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await waitFor('the fake AI to be asked', () => fakeAi.exports.provided() > before, 5000);
    await sleep(300);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextWord');
    return lastLine() !== 'terr';
  });
  log('accepted a word:', JSON.stringify(lastLine()));
  await waitFor('the word to count as AI', async () => (await summary(document.uri)).aiLines === 1);
  assert.ok(countersignDiagnostics(document.uri).every((d) => codeOf(d) !== 'DES001'), 'DES001 before the whole line');
  await waitFor('the rest of the line to be accepted', async () => {
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    await sleep(300);
    await vscode.commands.executeCommand('editor.action.inlineSuggest.acceptNextLine');
    return lastLine() === LINE;
  });
  await waitFor('DES001 after accepting the rest of the line', () =>
    countersignDiagnostics(document.uri).some((d) => codeOf(d) === 'DES001'));
  assert.deepStrictEqual((await summary(document.uri)).tools, ['fake-ai (inline)']);
  log('partial accepts: word, then line');
}

async function typedByHand() {
  const { editor, document } = await open('infra/prod.tf');
  moveToEnd(editor);
  for (const ch of LINE) {
    await vscode.commands.executeCommand('type', { text: ch });
  }
  await vscode.commands.executeCommand('hideSuggestWidget');
  await vscode.commands.executeCommand('editor.action.inlineSuggest.hide');
  assert.ok(document.getText().includes(LINE));
  await settled(document);
  assert.deepStrictEqual(describe(countersignDiagnostics(document.uri)), []);
  assert.strictEqual((await summary(document.uri)).aiLines, 0);
  log('typed by hand: no diagnostic');
}

async function paletteCommands({ document, line }) {
  await vscode.window.showTextDocument(document);
  const report = await vscode.commands.executeCommand('countersign.showReport', document.uri);
  log('report:', JSON.stringify(report.slice(report.indexOf('<body>'))));
  assert.match(report, /<th>AI lines<\/th><td>1 of \d+<\/td>/);
  assert.match(report, /<th>tier<\/th><td><span class="tier">critical<\/span>/);
  assert.match(report, new RegExp(`<span class="kind inline"></span>${line + 1}</td><td>written by fake-ai \\(inline\\), at `));
  assert.match(report, /<pre>AI-Assisted: /);
  // the sign-off state of the branch's commits (workspace.py: feature over main, signed by Sam)
  assert.match(report, /<h2>Sign-off<\/h2><p class="muted">The commits of main\.\.HEAD, judged as <code>countersign verify main\.\.HEAD<\/code>/);
  assert.match(report, /<p>2 commits: 1 meets its requirement, 1 does not\.<\/p>/);
  assert.match(report, /<code>[0-9a-f]{10}<\/code> Add orders<\/h3><p>By Ada Author &#60;ada@example\.com&#62;\. Needs <b>senior<\/b> sign-off: <span class="pass">meets its requirement<\/span>/);
  assert.match(report, /<td class="who">Sam Senior &#60;sam@example\.com&#62;<\/td><td>senior<\/td><td>ssh<\/td><td><span class="pass">valid<\/span>: counts<\/td><td class="detail">good signature by sam@example\.com/);
  assert.match(report, /<span class="fail">stale<\/span>: the approved content changed since<\/td><td class="detail">approved [0-9a-f]{10}; migrations\/002_drop\.sql: content changed since approval<\/td>/);
  const tabs = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs);
  await waitFor(`the report in a webview tab (tabs: ${tabs().map((t) => t.label)})`, () =>
    tabs().some((t) => t.label === 'countersign report' && t.input instanceof vscode.TabInputWebview), 10000);
  // A new editor: the one from before was closed when another file took its place.
  const editor = await vscode.window.showTextDocument(document);
  editor.selection = new vscode.Selection(line, 0, line, LINE.length);
  assert.strictEqual(await vscode.commands.executeCommand('countersign.markSelectionHuman'), 1);
  await waitFor('no diagnostics after marking human', () => countersignDiagnostics(document.uri).length === 0);
  await marksOf(document, 'no mark after marking human', same({}));

  const marked = await vscode.commands.executeCommand('countersign.markSelectionAi', { tool: 'claude-code', kind: 'agent' });
  assert.strictEqual(marked, 1);
  await waitFor('DES001 naming claude-code', () =>
    countersignDiagnostics(document.uri).some((d) => codeOf(d) === 'DES001' && /claude-code/.test(d.message)));
  await marksOf(document, 'an agent mark', same({ agent: [[line, line]] }));

  assert.strictEqual(await vscode.commands.executeCommand('countersign.acknowledgeSelection'), 1);
  await waitFor('acknowledged lines to be silent', () => countersignDiagnostics(document.uri).length === 0);
  await marksOf(document, 'the mark dimmed once acknowledged', same({ 'agent-acknowledged': [[line, line]] }));
  assert.strictEqual(await vscode.commands.executeCommand('countersign.toggleMarks'), false);
  await waitFor('no marks once toggled off', () => JSON.stringify(countersign().marks(document.uri.toString()).marks) === '{}');
  assert.strictEqual(vscode.workspace.getConfiguration('countersign').get('marks.enabled'), false);
  assert.strictEqual(await vscode.commands.executeCommand('countersign.toggleMarks'), true);
  await marksOf(document, 'the marks back once toggled on', same({ 'agent-acknowledged': [[line, line]] }));
  const about = await summary(document.uri);
  assert.strictEqual(about.aiLines, 1);
  assert.strictEqual(about.acknowledged, 1);

  const lenses = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', document.uri);
  const lens = lenses.find((l) => l.command && /^AI: 1 line,/.test(l.command.title));
  assert.ok(lens, `no countersign code lens in ${JSON.stringify(lenses.map((l) => l.command))}`);
  assert.strictEqual(lens.command.command, 'countersign.showReport');

  const explanation = await vscode.commands.executeCommand('countersign.explainRule', 'DES001');
  assert.match(explanation, /^DES001 terraform \/ pulumi \/ cdk destroy/);
  log('palette commands: report (with the sign-off of the branch), mark human, mark AI, acknowledge, explain all work');
}

async function pasteIsHuman() {
  const config = vscode.workspace.getConfiguration('countersign');
  await config.update('heuristic.enabled', true, vscode.ConfigurationTarget.Global);
  const block = ['# teardown', ...Array.from({ length: 9 }, (_, i) => `# step ${i}`), LINE, ''].join('\n');
  try {
    // Control: the same block inserted in one edit is suspected AI (the heuristic is on).
    const control = await open('infra/insert.tf');
    moveToEnd(control.editor);
    await control.editor.edit((edit) => edit.insert(control.editor.selection.active, block));
    await waitFor('the heuristic to flag a large insertion', () =>
      countersignDiagnostics(control.document.uri).some((d) => codeOf(d) === 'DES001'));

    const pasted = await open('infra/paste.tf');
    moveToEnd(pasted.editor);
    await vscode.env.clipboard.writeText(block);
    await vscode.commands.executeCommand('editor.action.clipboardPasteAction');
    await waitFor('the paste', () => pasted.document.getText().includes(LINE), 10000);
    await settled(pasted.document);
    assert.deepStrictEqual(describe(countersignDiagnostics(pasted.document.uri)), []);
    assert.strictEqual((await summary(pasted.document.uri)).aiLines, 0);
    log('paste: human, while the same insertion as one edit is suspected AI');
  } finally {
    await config.update('heuristic.enabled', undefined, vscode.ConfigurationTarget.Global);
  }
}

async function chatEdits() {
  const edit = async (relative) => {
    const uri = fileUri(relative);
    await vscode.workspace.openTextDocument(uri); // open (not shown), as a chat session does
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.insert(uri, new vscode.Position(1, 0), `${LINE}\n`);
    assert.ok(await vscode.workspace.applyEdit(workspaceEdit));
    const document = await vscode.workspace.openTextDocument(uri);
    await waitFor(`the server to track ${relative}`, () => summary(uri), 60000);
    await settled(document);
    return document;
  };
  // Without a chat editing session, an edit to a file nobody is typing in is not AI
  // (a rename, a search and replace).
  const refactor = await edit('infra/refactor.tf');
  assert.strictEqual((await summary(refactor.uri)).aiLines, 0);

  // With one (its documents are open), the same edit is a chat edit.
  await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'chat-editing-snapshot-text-model', path: '/infra/chat.tf' }));
  const chat = await edit('infra/chat.tf');
  const about = await summary(chat.uri);
  assert.strictEqual(about.aiLines, 1);
  assert.deepStrictEqual(about.tools, ['fake-ai (chat)']);
  await vscode.window.showTextDocument(chat);
  await waitFor('DES001 on the chat edit', () => countersignDiagnostics(chat.uri).some((d) => codeOf(d) === 'DES001'));
  log('chat edits: reported as chat only while a chat editing session is open');
}

/** Marks follow edits above, inside and below AI lines. */
async function marksFollowEdits() {
  const { editor, document } = await open('infra/edits.tf');
  const edit = (position, text) => editor.edit((e) => e.insert(position, text));
  await edit(new vscode.Position(1, 0), 'resource "a" {}\nresource "b" {}\n# human\n');
  editor.selection = new vscode.Selection(1, 0, 2, 15);
  assert.strictEqual(await vscode.commands.executeCommand('countersign.markSelectionAi', { tool: 'codex', kind: 'agent' }), 2);
  await marksOf(document, 'lines 1-2 marked', same({ agent: [[1, 2]] }));
  await edit(new vscode.Position(0, 0), '# above\n');
  await marksOf(document, 'the marks moved down by the line above', same({ agent: [[2, 3]] }));
  await edit(new vscode.Position(2, 9), 'typed ');
  await marksOf(document, 'typing inside an AI line keeps it AI', same({ agent: [[2, 3]] }));
  await edit(new vscode.Position(3, 0), 'typed by hand\n');
  await marksOf(document, 'a line typed inside the block splits it', same({ agent: [[2, 2], [4, 4]] }));
  // Below the AI lines no span moves: the server sends nothing and the marks stay.
  const counts = countersign().provenanceCounts();
  await edit(new vscode.Position(document.lineCount - 1, 0), '# below\n');
  await settled(document);
  assert.deepStrictEqual(countersign().marks(document.uri.toString()).marks, { agent: [[2, 2], [4, 4]] });
  assert.deepStrictEqual(countersign().provenanceCounts(), counts);
  log('marks follow edits above, inside and below AI lines');
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/** 20,000 lines, 2,000 of them AI: every mark in place, and how long each update took. */
async function largeFile() {
  const { editor, document } = await open('big.py');
  const expected = (shift) => {
    const inline = [];
    const agent = [];
    for (let k = 0; k < 2000; k++) {
      (k % 2 === 0 ? inline : agent).push([10 * k + 9 + shift, 10 * k + 9 + shift]);
    }
    return { inline, agent };
  };
  await marksOf(document, 'the 2,000 marks of big.py', same(expected(0)), 60000);
  const uri = document.uri.toString();
  const first = countersign().decorationTimings().filter((t) => t.uri === uri).length;
  for (let n = 1; n <= 10; n++) {
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '\n'));
    await marksOf(document, `the marks moved down ${n} line(s)`, same(expected(n)), 60000);
  }
  // Lines typed fast at the top, the server sending at once: every keystroke moves all
  // 2,000 spans, and payloads for versions already typed over are asked for again.
  const config = vscode.workspace.getConfiguration('countersign');
  await config.update('provenanceDebounceMs', 0, vscode.ConfigurationTarget.Global);
  const before = countersign().provenanceCounts();
  try {
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    for (let i = 0; i < 30; i++) {
      await vscode.commands.executeCommand('type', { text: '\n' });
    }
    await marksOf(document, 'the marks after typing fast', same(expected(40)), 60000);
  } finally {
    await config.update('provenanceDebounceMs', undefined, vscode.ConfigurationTarget.Global);
  }
  const after = countersign().provenanceCounts();
  log('provenance payloads while typing fast (draw: drawn, ask: out of date, asked again):',
    JSON.stringify({ draw: after.draw - before.draw, ask: after.ask - before.ask, ignore: after.ignore - before.ignore }));
  const timings = countersign().decorationTimings().filter((t) => t.uri === uri);
  const updates = timings.slice(first).map((t) => t.ms).sort((a, b) => a - b);
  const figures = {
    file: 'big.py', lines: document.lineCount, aiLines: timings.at(-1).lines, spans: timings.at(-1).spans,
    firstDrawMs: timings[0].ms, updates: updates.length,
    p50Ms: percentile(updates, 0.5), p95Ms: percentile(updates, 0.95), maxMs: updates.at(-1),
    outOfDateWhileTyping: after.ask - before.ask,
  };
  log('decoration timings (extension host):', JSON.stringify(figures));
  if (process.env.COUNTERSIGN_E2E_ARTIFACTS) {
    require('fs').writeFileSync(require('path').join(process.env.COUNTERSIGN_E2E_ARTIFACTS, 'vscode-decoration-timings.json'),
      JSON.stringify({ ...figures, all: timings }, null, 1));
  }
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/**
 * The server follows its settings: a wrong path stops it; the interpreter, the Python
 * extension's interpreter (a stand-in with its API), PATH and `countersign.restart` start it. (Workspace settings: the machine's own are not the test's.)
 */
async function serverDiscovery() {
  const config = () => vscode.workspace.getConfiguration('countersign');
  const set = (key, value) => config().update(key, value, vscode.ConfigurationTarget.Workspace);
  const main = fileUri('infra/main.tf');
  const serverPath = config().get('server.path');
  assert.match(serverPath, /countersign$/, 'countersign.server.path is not set for the test');
  const running = async () => {
    try {
      return Boolean(await summary(main));
    } catch {
      return false;
    }
  };
  const stopped = async () => !(await running());
  const api = vscode.extensions.getExtension('countersign.countersign').exports;
  const source = () => api.serverCommand()?.source;
  const setPython = (value) => vscode.workspace.getConfiguration('fakePython')
    .update('interpreter', value, vscode.ConfigurationTarget.Workspace);
  assert.ok(vscode.extensions.getExtension('ms-python.python'), 'the stand-in Python extension is not installed');
  try {
    // Each setting is honoured, even when a later source would work: no fallback.
    await set('server.path', '/nonexistent/countersign');
    await waitFor('the server to stop for a wrong countersign.server.path', stopped);
    await set('interpreter', '/bin/false'); // runs, but cannot import countersign
    await set('server.path', '');
    await waitFor('the server to stay stopped for an interpreter without countersign', stopped);
    await set('interpreter', serverPath.replace(/countersign$/, 'python'));
    await waitFor('the server to start with countersign.interpreter', running, 60000);
    await set('interpreter', '/bin/false');
    await waitFor('the server to stop again', stopped);
    // The (stand-in) Python extension's selected interpreter comes next: selecting one
    // there restarts the server, with no countersign setting touched.
    await set('interpreter', '');
    await waitFor('the server to start from PATH', async () => source() === 'PATH' && (await running()), 60000);
    await setPython(serverPath.replace(/countersign$/, 'python'));
    await waitFor("the server to restart with the Python extension's newly selected interpreter",
      async () => source() === "the Python extension's interpreter" && (await running()), 60000);
    // No interpreter selected there: only PATH is left.
    await setPython('');
    await waitFor('the server to restart from PATH', async () => source() === 'PATH' && (await running()), 60000);
    const starts = api.serverStarts();
    await vscode.commands.executeCommand('countersign.restart');
    await waitFor('countersign.restart to start the server again', async () => api.serverStarts() > starts && (await running()), 60000);
  } finally {
    await set('server.path', undefined);
    await set('interpreter', undefined);
    await setPython(undefined);
  }
  log("server discovery: wrong path stops it; interpreter, the Python extension's interpreter (and its changes), PATH and restart start it");
}

exports.run = async function run() {
  const extension = vscode.extensions.getExtension('countersign.countersign');
  assert.ok(extension, 'countersign.countersign is not installed');
  log('countersign extension at', extension.extensionPath);
  const accepted = await acceptedInlineSuggestion();
  log('PASS accepted inline suggestion -> DES001 diagnostic');
  await partialAccepts();
  log('PASS accept next word / next line');
  await typedByHand();
  log('PASS typed by hand -> no diagnostic');
  await paletteCommands(accepted);
  log('PASS palette commands');
  await marksFollowEdits();
  log('PASS marks follow edits');
  await largeFile();
  log('PASS large file marks');
  await pasteIsHuman();
  log('PASS paste');
  await chatEdits();
  log('PASS chat edits');
  await serverDiscovery();
  log('PASS server discovery and restart');
  log('ALL PASSED');
};
