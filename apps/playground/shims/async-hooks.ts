// The browser's stand-in for node:async_hooks, which fuchsia-runtime's ambient context imports. The playground never
// runs code "in" a simulated process, so a synchronous carrier is enough: `run` sets the store for the extent of the
// call (not across awaits, which only Node's AsyncLocalStorage can follow).
export class AsyncLocalStorage<T> {
  #store: T | undefined;

  run<R>(store: T, fn: () => R): R {
    const prev = this.#store;
    this.#store = store;
    try {
      return fn();
    } finally {
      this.#store = prev;
    }
  }

  getStore(): T | undefined {
    return this.#store;
  }
}
