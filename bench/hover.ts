/**
 * Language-server speed on a generated 2,000-line CS231n-style Python file:
 * full analysis (parse + shape inference) and hover latency, as the server runs them.
 * Run: node --import tsx bench/hover.ts [lines]
 * Targets (issue 8): hover p95 under 20 ms, full analysis under 100 ms.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ShapeContextParams } from '../protocol/lsp';
import { analyzeDocument, hoverAt, type DocAnalysis } from '../server/analyze';
import { AnalysisCache } from '../server/cache';
import { toMarkdown } from '../server/hover';

const LINES = Number(process.argv[2] ?? 2000);
const FIXTURES = join(__dirname, '..', 'test', 'fixtures', 'python');
const CTX: ShapeContextParams = { sizes: { N: 25, T: 16, D: 512, H: 512, W: 256, V: 1004 }, cellType: 'lstm', datasetKeys: [] };

/** Copies of the fixtures' layers and model, each copy's definitions renamed, up to `lines` lines. */
function generate(lines: number): string {
  const parts = ['rnn_layers.py', 'captioning_rnn.py', 'shape_bugs.py'].map((f) => readFileSync(join(FIXTURES, f), 'utf8'));
  const out: string[] = [];
  let copy = 0;
  while (out.length < lines) {
    for (const p of parts) {
      const renamed = p.replace(/^(\s*)def (\w+)\(/gm, (_m, indent: string, name: string) => `${indent}def v${copy}_${name}(`)
        .replace(/^class (\w+)/gm, (_m, name: string) => `class V${copy}${name}`);
      out.push(...renamed.split('\n'));
    }
    copy++;
  }
  return out.slice(0, lines).join('\n');
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Seeded positions, so runs compare. */
function* positions(n: number, max: number): Generator<number> {
  let x = 231;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    yield x % max;
  }
}

const text = generate(LINES);
const lineCount = text.split('\n').length;

// Full analysis: what the server does once per document version.
// CPU time too: on a machine shared with other jobs, wall time includes waiting for a core.
const analysis: number[] = [];
const analysisCpu: number[] = [];
let an: DocAnalysis = { kind: 'none' };
for (let i = 0; i < 30; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  an = analyzeDocument('python', text, CTX);
  analysis.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  analysisCpu.push((c.user + c.system) / 1000);
}
const facts = an.kind === 'python' ? an.py.facts.length : 0;
const warnings = an.kind === 'python' ? an.py.diagnostics.length : 0;

// Hovers on a cached version: cache lookup + hover + markdown, as server.ts answers them.
let version = 1;
const doc = { uri: 'file:///bench.py', get version() { return version; }, languageId: 'python', getText: () => text };
const cache = new AnalysisCache<typeof doc, DocAnalysis>((d) => analyzeDocument(d.languageId, d.getText(), CTX));
cache.get(doc);
const hovers: number[] = [];
let answered = 0;
for (const pos of positions(5000, text.length)) {
  const t0 = performance.now();
  const h = hoverAt(cache.get(doc), pos, CTX);
  if (h) {
    toMarkdown(h);
    answered++;
  }
  hovers.push(performance.now() - t0);
}

// The first hover after an edit pays for the analysis of the new version.
const firstAfterEdit: number[] = [];
for (const pos of positions(20, text.length)) {
  version++;
  const t0 = performance.now();
  hoverAt(cache.get(doc), pos, CTX);
  firstAfterEdit.push(performance.now() - t0);
}

const ms = (x: number): string => `${x.toFixed(2)} ms`;
console.log(`file: ${lineCount} lines, ${text.length} chars, ${facts} hover facts, ${warnings} warnings`);
console.log(`full analysis (parse + inference), 30 runs: first ${ms(analysis[0])}, median ${ms(percentile(analysis, 50))}, p95 ${ms(percentile(analysis, 95))}  (target < 100 ms)`);
console.log(`full analysis CPU time (user + system, includes GC threads): median ${ms(percentile(analysisCpu, 50))}, p95 ${ms(percentile(analysisCpu, 95))}`);
console.log(`load average while running: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
console.log(`hover on a cached version, 5000 positions (${answered} answered): median ${ms(percentile(hovers, 50))}, p95 ${ms(percentile(hovers, 95))}, max ${ms(Math.max(...hovers))}  (target p95 < 20 ms)`);
console.log(`first hover after an edit (analysis + hover), 20 edits: median ${ms(percentile(firstAfterEdit, 50))}, p95 ${ms(percentile(firstAfterEdit, 95))}`);
