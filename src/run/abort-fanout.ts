/**
 * One 'abort' listener per signal, however many tasks wait on it. A scan passes one run-wide
 * signal to thousands of queued tasks; a listener each would trip Node's MaxListenersExceeded
 * warning at 11 and keep a closure per task on the signal.
 */
interface Group {
  members: Set<() => void>;
  listener: () => void;
}

export class AbortFanout {
  private readonly groups = new Map<AbortSignal, Group>();

  /** Calls onAbort when signal aborts (at once if it already has); returns the unsubscribe. */
  add(signal: AbortSignal, onAbort: () => void): () => void {
    if (signal.aborted) {
      onAbort();
      return () => undefined;
    }
    let group = this.groups.get(signal);
    if (!group) {
      const members = new Set<() => void>();
      const listener = (): void => {
        this.groups.delete(signal);
        for (const callback of members) callback();
      };
      group = { members, listener };
      this.groups.set(signal, group);
      signal.addEventListener('abort', listener, { once: true });
    }
    const { members, listener } = group;
    members.add(onAbort);
    return () => {
      members.delete(onAbort);
      if (members.size === 0 && this.groups.get(signal) === group) {
        this.groups.delete(signal);
        signal.removeEventListener('abort', listener);
      }
    };
  }
}
