// Types of modules.js, which scripts/build-wasm.mjs generates (committed so type checks pass before a build).
/**
 * The kernel module's bytes, read from gemm-<kind>.wasm in the folder the code runs in (core/wasm/build/
 * from sources, dist/ in a bundle): plain SIMD128, or relaxed SIMD (fused multiply-add).
 */
export declare function kernelModuleBytes(kind: 'plain' | 'relaxed'): Uint8Array;
