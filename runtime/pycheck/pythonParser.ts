/**
 * @lezer/python's parser, built on first use. The package builds its parse tables when its module
 * is evaluated; as a static import that ran while the extension's bundle loaded, before activate
 * (the largest part of the load once the language client became lazy). Required here, it runs
 * with the first parse. Same parser, same trees.
 */
import type { Tree } from '@lezer/common';

type PythonParser = (typeof import('@lezer/python'))['parser'];

let loaded: PythonParser | undefined;

function load(): PythonParser {
  // A require, not an import: esbuild leaves a required CommonJS module unevaluated until this call.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= (require('@lezer/python') as typeof import('@lezer/python')).parser);
}

/** For `import { parser } from '@lezer/python'`: `parser.parse(text)`, the package loaded on the first call. */
export const parser = { parse: (input: string): Tree => load().parse(input) };
