// A stand-in for the Python extension (ms-python.python) in the countersign end-to-end
// test: the slice of its `environments` API that countersign uses, answering with the
// interpreter in the `fakePython.interpreter` setting, as the real one answers with the
// interpreter the user selected.
const vscode = require('vscode');

function selected(resource) {
  return vscode.workspace.getConfiguration('fakePython', resource).get('interpreter') || '';
}

function activate() {
  return {
    environments: {
      getActiveEnvironmentPath(resource) {
        const path = selected(resource);
        return { id: path, path };
      },
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
