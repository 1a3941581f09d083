// Finding the language server: the `countersign.server.path` / `countersign.interpreter`
// settings, then the Python extension's interpreter, then `countersign` on PATH.
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PVSC_EXTENSION_ID, PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';
import { SECTION } from './settings';

/** How to start `countersign lsp`, and where that choice came from (for the log). */
export interface ServerCommand {
  command: string;
  args: string[];
  source: string;
}

/** No server could be found; the message says what was tried and how to fix it. */
export class ServerNotFound extends Error {}

const INSTALL_HINT =
  'Install it with `pipx install countersign` (or `pip install countersign` in the Python ' +
  'environment selected in VS Code), or set `countersign.server.path` to the `countersign` ' +
  'executable or `countersign.interpreter` to a Python that has it.';

/** The command that starts the server, or `ServerNotFound`. */
export async function findServer(resource?: vscode.Uri): Promise<ServerCommand> {
  const config = vscode.workspace.getConfiguration(SECTION, resource);
  const tried: string[] = [];

  const serverPath = expand(config.get<string>('server.path') ?? '', resource);
  if (serverPath) {
    if (!(await isExecutable(serverPath))) {
      throw new ServerNotFound(
        `countersign.server.path is "${serverPath}", which is not an executable file. ` +
          'Fix the setting (the path of the `countersign` executable) or clear it.',
      );
    }
    return { command: serverPath, args: ['lsp'], source: 'setting countersign.server.path' };
  }

  const interpreter = expand(config.get<string>('interpreter') ?? '', resource);
  if (interpreter) {
    const problem = await checkInterpreter(interpreter);
    if (problem) {
      throw new ServerNotFound(`countersign.interpreter is "${interpreter}": ${problem}`);
    }
    return pythonServer(interpreter, 'setting countersign.interpreter');
  }

  const fromPython = await pythonExtensionInterpreter(resource);
  if (fromPython) {
    const problem = await checkInterpreter(fromPython);
    if (!problem) {
      return pythonServer(fromPython, 'the Python extension\'s interpreter');
    }
    tried.push(`the Python extension's interpreter ${fromPython}: ${problem}`);
  } else {
    tried.push('the Python extension: not installed or no interpreter selected');
  }

  const onPath = await which('countersign');
  if (onPath) {
    return { command: onPath, args: ['lsp'], source: 'PATH' };
  }
  tried.push('`countersign` on PATH: not found');
  throw new ServerNotFound(`the countersign language server was not found (${tried.join('; ')}). ${INSTALL_HINT}`);
}

function pythonServer(python: string, source: string): ServerCommand {
  return { command: python, args: ['-m', 'countersign', 'lsp'], source };
}

/** `~`, `${userHome}` and `${workspaceFolder}` in a path setting. */
function expand(value: string, resource?: vscode.Uri): string {
  const folder = (resource && vscode.workspace.getWorkspaceFolder(resource)) ?? vscode.workspace.workspaceFolders?.[0];
  let out = value.trim().replace(/\$\{userHome\}/g, os.homedir());
  if (folder) {
    out = out.replace(/\$\{workspaceFolder\}/g, folder.uri.fsPath);
  }
  return out.startsWith('~/') ? path.join(os.homedir(), out.slice(2)) : out;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    await fs.access(file, fsConstants.X_OK);
    return stat.isFile();
  } catch {
    return false;
  }
}

/** Why `python` cannot run the server, or '' when it can. */
async function checkInterpreter(python: string): Promise<string> {
  if (!(await isExecutable(python))) {
    return 'not an executable file';
  }
  return new Promise((resolve) => {
    execFile(python, ['-c', 'import countersign'], { timeout: 15000 }, (error) => {
      resolve(error ? 'it cannot import the countersign package' : '');
    });
  });
}

/** The Python extension's API (`ms-python.python`), activated; undefined when it is not installed. */
async function pythonApi(): Promise<PythonExtension | undefined> {
  if (!vscode.extensions.getExtension(PVSC_EXTENSION_ID)) {
    return undefined;
  }
  try {
    return await PythonExtension.api();
  } catch {
    return undefined; // it failed to activate: as if it were not there
  }
}

async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string | undefined> {
  const api = await pythonApi();
  if (!api) {
    return undefined;
  }
  try {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath;
  } catch {
    return undefined;
  }
}

/**
 * Call `listener` when the interpreter selected in the Python extension changes (a server
 * found through it must be started again with the new one). Nothing when it is not installed.
 */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<vscode.Disposable> {
  const api = await pythonApi();
  return api ? api.environments.onDidChangeActiveEnvironmentPath(() => { listener(); }) : new vscode.Disposable(() => undefined);
}

async function which(name: string): Promise<string | undefined> {
  const suffixes = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const suffix of suffixes) {
      const candidate = path.join(dir, name + suffix);
      if (dir && (await isExecutable(candidate))) {
        return candidate;
      }
    }
  }
  return undefined;
}
