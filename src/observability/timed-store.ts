/**
 * Wraps a store (a port object: ledger, order store) so that every method
 * returning a promise reports how long it took, resolved or rejected, to
 * `timer(operation)`. One wrapper for every adapter: none of them measures
 * itself. Methods are called on the store itself (classes with #private
 * fields need their own `this`); a wrapped method is made once per name.
 */
export function timedStore<T extends object>(
  store: T,
  timer: (operation: string) => (seconds: number) => void,
): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let method = wrapped.get(property);
      if (method === undefined) {
        const observe = timer(property);
        const original = value as (...args: unknown[]) => unknown;
        method = (...args: unknown[]) => {
          const started = performance.now();
          const result = original.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const done = () => observe((performance.now() - started) / 1000);
          return result.then(
            (ok: unknown) => {
              done();
              return ok;
            },
            (error: unknown) => {
              done();
              throw error;
            },
          );
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}
