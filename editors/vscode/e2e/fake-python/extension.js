// A stand-in for the Python extension (ms-python.python) in the countersign end-to-end
// test: the slice of its `environments` API that countersign uses (what the
// @vscode/python-extension package types), answering with the interpreter in the
// `fakePython.interpreter` setting, as the real one answers with the interpreter the user
// selected, and firing onDidChangeActiveEnvironmentPath when that setting changes.
const vscode = require('vscode');

function selected(resource) {
  return vscode.workspace.getConfiguration('fakePython', resource).get('interpreter') || '';
}

function activate(context) {
  const changed = new vscode.EventEmitter();
  context.subscriptions.push(
    changed,
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('fakePython.interpreter')) {
        const path = selected();
        changed.fire({ id: path, path, resource: vscode.workspace.workspaceFolders?.[0] });
      }
    }),
  );
  return {
    ready: Promise.resolve(),
    environments: {
      getActiveEnvironmentPath(resource) {
        const path = selected(resource);
        return { id: path, path };
      },
      onDidChangeActiveEnvironmentPath: changed.event,
      async resolveEnvironment(env) {
        const path = typeof env === 'string' ? env : env && env.path;
        if (!path) {
          return undefined;
        }
        return { id: path, path, executable: { uri: vscode.Uri.file(path) } };
      },
    },
  };
}

module.exports = { activate };
