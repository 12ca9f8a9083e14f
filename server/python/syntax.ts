/** Reading lezer's Python tree: a node's children, punctuation, which nodes are expressions. */
import type { SyntaxNode } from '@lezer/common';

export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

export const isPunct = (n: SyntaxNode): boolean => n.name === ',' || n.name === '(' || n.name === ')' || n.name === '[' || n.name === ']';
/** By name: the grammar gives the same name to several node types, not all in its Expression group. */
const EXPRESSIONS = new Set([
  'BinaryExpression', 'UnaryExpression', 'AwaitExpression', 'ParenthesizedExpression', 'VariableName',
  'TupleExpression', 'ComprehensionExpression', 'ArrayExpression', 'ArrayComprehensionExpression',
  'DictionaryExpression', 'DictionaryComprehensionExpression', 'SetExpression', 'SetComprehensionExpression',
  'CallExpression', 'MemberExpression', 'Number', 'String', 'FormatString', 'ContinuedString', 'Ellipsis',
  'None', 'Boolean', 'ConditionalExpression', 'LambdaExpression', 'NamedExpression',
]);
export const isExpr = (n: SyntaxNode): boolean => EXPRESSIONS.has(n.name) || n.type.is('Expression');
