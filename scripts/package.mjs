// `npm run package`: dist/gradient-lab.vsix with @vscode/vsce, from production bundles.
// The package is assembled in a private staging folder (sources linked, bundles built there), so a
// build running at the same time in the working tree cannot change files while they are zipped.
// Runtime dependencies are bundled by esbuild, so the package needs no node_modules.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'dist', 'gradient-lab.vsix');
const t0 = Date.now();
const stage = mkdtempSync(join(tmpdir(), 'gradlab-pack-'));

/** The docs/screenshots/*.png files README.md links (each must exist). */
function readmeImages(readme) {
  const files = [...new Set([...readFileSync(readme, 'utf8').matchAll(/\]\((docs\/screenshots\/[^)\s]+\.png)\)/g)].map((m) => m[1]))];
  for (const f of files) {
    if (!existsSync(join(root, f))) {
      console.error(`package: README.md shows ${f}, which does not exist`);
      rmSync(stage, { recursive: true, force: true });
      process.exit(1);
    }
  }
  return files;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd });
  if (r.status !== 0) {
    rmSync(stage, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
}

try {
  // Sources and tools, linked: esbuild reads them, the package never contains them (.vscodeignore).
  for (const d of ['extension', 'core', 'runtime', 'protocol', 'server', 'cli', 'webview', 'node_modules']) {
    if (existsSync(join(root, d))) symlinkSync(join(root, d), join(stage, d), 'dir');
  }
  // What ships, copied.
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'esbuild.mjs', 'tsconfig.base.json', 'tsconfig.json']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f));
  }
  // The embedded default dataset is not shipped: it is generated on first use (runtime/defaultDataset.ts).
  for (const d of ['media', 'python']) {
    if (existsSync(join(root, d))) cpSync(join(root, d), join(stage, d), { recursive: true });
  }
  // Of the screenshots, only those the README shows (the walkthrough's pages show none).
  for (const f of readmeImages(join(root, 'README.md'))) {
    mkdirSync(join(stage, dirname(f)), { recursive: true });
    cpSync(join(root, f), join(stage, f));
  }
  run(process.execPath, ['esbuild.mjs', '--production'], stage);
  mkdirSync(join(root, 'dist'), { recursive: true });
  // README images ship inside the package (docs/screenshots), so relative links stay relative.
  run(process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', out], stage);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
console.log(`${out}: ${(statSync(out).size / 1024).toFixed(0)} KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
