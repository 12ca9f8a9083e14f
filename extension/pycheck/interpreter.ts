import * as vscode from 'vscode';

/** The part of the Python extension's API we read (ms-python.python, environments API and the older settings API). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { id?: string; path: string } | undefined;
    resolveEnvironment?(env: { id?: string; path: string }): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined;
  };
}

/** The interpreter chosen in the Python extension, if it is installed and has one. */
async function fromPythonExtension(resource: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const env = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (env?.path) {
      const resolved = await api.environments?.resolveEnvironment?.(env);
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) return exe;
      // With no interpreter selected the extension answers its placeholder { id: 'DEFAULT_PYTHON',
      // path: 'python' }: that is no choice, so the setting comes next (not whatever `python` is).
      // Its older settings API would only repeat the placeholder.
      return env.id === 'DEFAULT_PYTHON' ? undefined : env.path;
    }
    const cmd = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    return cmd && cmd.length === 1 ? cmd[0] : undefined;
  } catch {
    return undefined; // its API changed or it failed to start: fall back to the setting
  }
}

/**
 * Interpreters to try, in the order issue 9 gives: the Python extension's choice, then the
 * setting gradientLab.python.interpreter, then python3 (and python, for systems without python3).
 */
export async function interpreterCandidates(resource: vscode.Uri): Promise<{ candidates: string[]; source: string }> {
  const ext = await fromPythonExtension(resource);
  const setting = vscode.workspace.getConfiguration('gradientLab.python', resource).get<string>('interpreter', '').trim();
  const candidates = [ext, setting, 'python3', 'python'].filter((c): c is string => !!c);
  const source = ext ? 'the Python extension' : setting ? 'gradientLab.python.interpreter' : 'PATH';
  return { candidates: [...new Set(candidates)], source };
}
