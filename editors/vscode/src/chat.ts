// Chat and agent edits applied through VS Code (Copilot edits, agent mode, other chat
// extensions). They arrive as plain document changes, so they are told apart by context:
// - a chat editing session is open: VS Code keeps documents on the chat-editing URI schemes
//   for it (seen now, or less than CHAT_GRACE_MS ago);
// - nobody is typing: the change is not at a cursor of the focused editor;
// - it is an edit, not a reload from disk: the document is or becomes dirty. (VS Code
//   reports the dirty state in a second event right after the first change.)
// Such changes are reported as `countersign/aiEdit` with kind `chat`. Without a chat session
// the same change (a rename, a search and replace) stays human.
import * as vscode from 'vscode';
import { type Capture, reportAi, toRanges } from './capture';
import type { Client } from './client';
import { insertedBy } from './insertions';

/** URI schemes of the documents VS Code's chat editing keeps while a session is open. */
export const CHAT_SCHEMES = ['chat-editing-snapshot-text-model', 'chat-editing-text-model'];
/** A chat session counts as open this long after its documents were last seen. */
const CHAT_GRACE_MS = 30_000;
/** A change to a clean document is dropped when it does not make it dirty by then. */
const DIRTY_WAIT_MS = 2_000;

interface Pending {
  version: number;
  ranges: vscode.Range[];
}

export class ChatEdits implements vscode.Disposable {
  private lastChatSeen = 0;
  /** Changes to clean documents, reported once the document turns dirty. */
  private readonly pending = new Map<vscode.TextDocument, { changes: Pending[]; timer: NodeJS.Timeout }>();
  private readonly disposables: { dispose(): unknown }[];

  constructor(
    private readonly client: Client,
    private readonly capture: Capture,
  ) {
    this.disposables = [
      vscode.workspace.onDidOpenTextDocument((document) => this.noteChat(document)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        this.onChange(event);
      }),
    ];
  }

  dispose(): void {
    for (const { timer } of this.pending.values()) {
      clearTimeout(timer);
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  private onChange({ document, contentChanges, reason }: vscode.TextDocumentChangeEvent): void {
    if (this.noteChat(document) || document.uri.scheme !== 'file') {
      return;
    }
    if (contentChanges.length === 0) {
      this.settle(document); // the dirty state changed
      return;
    }
    if (reason !== undefined || this.capture.isRecording(document) || !this.sessionOpen()) {
      return; // undo/redo, an accept or paste that reports itself, or no chat session
    }
    if (this.typedByUser(document, contentChanges)) {
      return;
    }
    const change = { version: document.version, ranges: toRanges(document, insertedBy(contentChanges)) };
    if (document.isDirty) {
      this.report(document, [change]);
      return;
    }
    const waiting = this.pending.get(document);
    if (waiting) {
      waiting.changes.push(change);
    } else {
      const timer = setTimeout(() => this.pending.delete(document), DIRTY_WAIT_MS);
      this.pending.set(document, { changes: [change], timer });
    }
  }

  /** Report the waiting changes of a document that turned dirty; drop them otherwise. */
  private settle(document: vscode.TextDocument): void {
    const waiting = this.pending.get(document);
    if (!waiting) {
      return;
    }
    clearTimeout(waiting.timer);
    this.pending.delete(document);
    if (document.isDirty) {
      this.report(document, waiting.changes);
    }
  }

  private report(document: vscode.TextDocument, changes: Pending[]): void {
    for (const { version, ranges } of changes) {
      reportAi(this.client, document, version, ranges, 'chat');
    }
  }

  /** Remember a chat editing document; true when `document` is one. */
  private noteChat(document: vscode.TextDocument): boolean {
    if (!CHAT_SCHEMES.includes(document.uri.scheme)) {
      return false;
    }
    this.lastChatSeen = Date.now();
    return true;
  }

  private sessionOpen(): boolean {
    return vscode.workspace.textDocuments.some((document) => this.noteChat(document)) || Date.now() - this.lastChatSeen < CHAT_GRACE_MS;
  }

  /** The change is at a cursor of the focused editor showing the document. */
  private typedByUser(document: vscode.TextDocument, changes: readonly vscode.TextDocumentContentChangeEvent[]): boolean {
    const editor = vscode.window.activeTextEditor;
    if (!vscode.window.state.focused || editor?.document !== document) {
      return false;
    }
    return changes.every((change) => {
      const last = Math.max(change.range.end.line, change.range.start.line + change.text.split('\n').length - 1);
      return editor.selections.some((s) => s.active.line >= change.range.start.line && s.active.line <= last);
    });
  }
}
