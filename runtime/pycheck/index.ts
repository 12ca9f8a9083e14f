/** Checking a user's numpy layer code against the engine (issue 9): the Node side. */
export { checkFile, checkFunction, checkFunctions, functionsIn, importError, type CellResult, type CheckStatus, type FileError, type FunctionResult, type PyCheckOptions } from './check';
export { findFunctions, type FoundFunction } from './finder';
export { defaultDriverPath, PythonProblem, type PyError, type PyFrame } from './runner';
export type { CaseResult, PyParamCheck } from './compare';
export { LAYER_FUNCTIONS, MODEL_METHODS } from './specs';
