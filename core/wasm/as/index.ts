// AssemblyScript entry: everything the engine module exports.
export * from './gemm';
export * from './elementwise';
export * from './optim';
export * from './screen';
export * from './gradcheck';
export * from './memory';
