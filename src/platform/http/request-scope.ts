import { AsyncLocalStorage } from 'node:async_hooks';

interface Scope {
  correlationId: string;
}

const storage = new AsyncLocalStorage<Scope>();

/** The correlation id of the request or job being served, wherever the code runs. */
export const requestScope = {
  run<T>(scope: Scope, work: () => T): T {
    return storage.run(scope, work);
  },
  correlationId(): string | undefined {
    return storage.getStore()?.correlationId;
  },
};
