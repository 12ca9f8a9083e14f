/**
 * The Python parser: @lezer/python, an LR parser with error recovery, so a file in the middle of
 * an edit still parses into a tree whose intact statements carry their usual node names.
 */
import type { SyntaxNode, Tree } from '@lezer/common';
import { parser } from '@lezer/python';

export function parsePython(text: string): Tree {
  return parser.parse(text);
}

/** The innermost node covering `pos` (the one a hover points at). */
export function nodeAt(tree: Tree, pos: number): SyntaxNode {
  return tree.resolveInner(pos, 1);
}
