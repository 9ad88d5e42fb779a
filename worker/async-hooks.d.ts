// workerd provides node:async_hooks (Node.js compatibility is on by default from compatibility
// date 2026-08-04); the Worker's types leave Node out, so this declares the one class it uses.
declare module 'node:async_hooks' {
  /** Per-invocation context that follows promises and awaits. */
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined
    run<R>(store: T, callback: () => R): R
  }
}
