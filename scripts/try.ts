/**
 * `npm run try`: builds and packages Gradient Lab, installs the .vsix into a local code-server
 * (profile in .vscode-test/try), opens the embedded default dataset's folder and prints the URL.
 * Ctrl-C stops the server. PORT picks the port (default 8080, or a free one when 8080 is taken).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as net from 'node:net';
import { CodeServer, freePort, ROOT, VSIX } from '../test/vscode/harness';

async function main(): Promise<void> {
  const pack = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (pack.status !== 0) process.exit(pack.status ?? 1);
  const dataDir = path.join(ROOT, '.vscode-test', 'try');
  fs.rmSync(path.join(dataDir, 'extensions'), { recursive: true, force: true }); // always the fresh build
  const folder = path.join(ROOT, 'test', 'vscode', 'workspace');
  const port = process.env.PORT ? Number(process.env.PORT) : (await isFree(8080)) ? 8080 : await freePort();
  const server = await CodeServer.start({ vsix: VSIX, dataDir, port, log: (l) => console.log(l) });
  const url = server.url(folder);
  console.log(`\nGradient Lab is installed in code-server (VS Code 1.100.3). Open this in a browser:\n\n  ${url}\n`);
  console.log('Then: the Gradient Lab icon in the activity bar, or F1 → "Gradient Lab: Run Gradient Check". Ctrl-C stops the server.');
  const stop = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.proc.on('exit', (code) => {
    console.log(`code-server exited (${code}); its log is ${path.join(dataDir, 'code-server.log')}`);
    process.exit(code ?? 1);
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
