// The pool's smoke-test kind, loaded through WorkerPool's `taskModules` option like the hostile
// kinds beside it: it returns its input unchanged. Plain JS so the worker imports it without a
// build; the production registry (src/run/task-registry.ts) holds only real kinds.
export const tasks = {
  echo: (input) => input,
};
