/**
 * One bucket of a {@link LatencyHistogram}: latencies in [lowMicros, highMicros).
 *
 * @public
 */
export interface LatencyBucket {
  /** 2^N microseconds. */
  readonly lowMicros: number;
  /** 2^(N+1) microseconds. */
  readonly highMicros: number;
  /** Latencies in the bucket. */
  readonly count: number;
}

/**
 * A latency histogram with power-of-two buckets [2^N, 2^(N+1)) microseconds (as QEMU postcopy reports fault
 * latency). Latencies under 1 us, which no such bucket holds, are counted apart.
 *
 * @public
 */
export class LatencyHistogram {
  readonly #counts: number[] = [];
  #underOne = 0;
  #total = 0;
  #sum = 0;

  /** Adds one latency. Negative or non-finite values are rejected with a RangeError. */
  record(micros: number): void {
    if (!Number.isFinite(micros) || micros < 0) throw new RangeError(`latency must be a finite non-negative number, got ${micros}`);
    this.#total++;
    this.#sum += micros;
    if (micros < 1) {
      this.#underOne++;
      return;
    }
    const n = Math.floor(Math.log2(micros));
    // Guard log2 rounding at exact powers of two.
    const bucket = 2 ** (n + 1) <= micros ? n + 1 : 2 ** n > micros ? n - 1 : n;
    while (this.#counts.length <= bucket) this.#counts.push(0);
    this.#counts[bucket]++;
  }

  /** Latencies recorded. */
  get count(): number {
    return this.#total;
  }

  /** Latencies under 1 us. */
  get underOneMicro(): number {
    return this.#underOne;
  }

  /** The mean latency in microseconds (0 when empty). */
  get meanMicros(): number {
    return this.#total === 0 ? 0 : this.#sum / this.#total;
  }

  /** The non-empty buckets, lowest first. */
  buckets(): LatencyBucket[] {
    const out: LatencyBucket[] = [];
    this.#counts.forEach((count, n) => {
      if (count > 0) out.push({ lowMicros: 2 ** n, highMicros: 2 ** (n + 1), count });
    });
    return out;
  }
}
