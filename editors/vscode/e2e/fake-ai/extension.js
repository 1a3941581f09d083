// A stand-in AI extension for the countersign end-to-end test.
// - Inline completion: on a .tf line that starts the way FAKE_AI_LINE does, it offers the
//   whole line (replacing what was typed), like Copilot's ghost text.
// - Chat editing: VS Code keeps documents on the chat-editing URI schemes while a chat
//   editing session is open; this provider lets the test open one without a real chat.
const vscode = require('vscode');

const FAKE_AI_LINE = 'terraform destroy -auto-approve';
let provided = 0;

function activate(context) {
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**/*.tf' }, {
      provideInlineCompletionItems(document, position) {
        const typed = document.lineAt(position.line).text.slice(0, position.character);
        if (!typed || typed === FAKE_AI_LINE || !FAKE_AI_LINE.startsWith(typed)) {
          return [];
        }
        provided++;
        return [new vscode.InlineCompletionItem(FAKE_AI_LINE, new vscode.Range(position.line, 0, position.line, position.character))];
      },
    }),
    vscode.workspace.registerTextDocumentContentProvider('chat-editing-snapshot-text-model', {
      provideTextDocumentContent: () => '',
    }),
  );
  return { line: FAKE_AI_LINE, provided: () => provided };
}

module.exports = { activate };
