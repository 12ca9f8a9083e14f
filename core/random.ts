/**
 * Seeded pseudo-random numbers, so every check, minibatch and initialisation reproduces.
 * xoshiro128** for uniform draws (fast, 32-bit state words), Box–Muller for normals.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    // splitmix32 expands the seed so nearby seeds give unrelated streams.
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal draw. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * A fresh Float64Array of standard normals times `scale`: the same numbers as n calls of
   * normal(), drawn a pair at a time with the generator's state in locals (a model's
   * initialisation draws about a million of them before its first iteration).
   */
  normals(n: number, scale = 1): Float64Array {
    const out = new Float64Array(n);
    let i = 0;
    if (n > 0 && this.spare !== null) {
      out[i++] = this.spare * scale;
      this.spare = null;
    }
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    while (i < n) {
      // Two uniforms of 53 bits (four xoshiro128** outputs, as nextU32 computes them), the first
      // drawn again while it is 0; written out here rather than called, for speed.
      let u = 0, v = 0;
      for (let k = 0; k < 2; k++) {
        let w = 0;
        do {
          let r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
          let t = s1 << 9;
          s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
          const hi = r >>> 5;
          r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
          t = s1 << 9;
          s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
          w = (hi * 67108864 + (r >>> 6)) / 9007199254740992;
        } while (k === 0 && w === 0);
        if (k === 0) u = w;
        else v = w;
      }
      const r = Math.sqrt(-2 * Math.log(u));
      out[i++] = r * Math.cos(2 * Math.PI * v) * scale;
      const second = r * Math.sin(2 * Math.PI * v);
      if (i < n) out[i++] = second * scale;
      else this.spare = second;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
