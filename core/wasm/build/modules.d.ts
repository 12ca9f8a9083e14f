// Types of modules.js, which scripts/build-wasm.mjs generates (committed so type checks pass before a build).
/** The kernel module compiled for plain SIMD128, base64. */
export declare const plainBase64: string;
/** The kernel module compiled with relaxed SIMD (fused multiply-add), base64. */
export declare const relaxedBase64: string;
