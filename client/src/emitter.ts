/** A small typed event emitter (browser-safe; no Node `events`). */
export class Emitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<(data: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (data: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => this.off(event, listener);
  }

  once<E extends keyof Events>(event: E, listener: (data: Events[E]) => void): () => void {
    const off = this.on(event, (data) => {
      off();
      listener(data);
    });
    return off;
  }

  off<E extends keyof Events>(event: E, listener: (data: Events[E]) => void): void {
    this.listeners.get(event)?.delete(listener as (data: never) => void);
  }

  /** Waits for the next `event` matching `filter`, failing after `timeoutMs`. */
  next<E extends keyof Events>(
    event: E,
    filter: (data: Events[E]) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Events[E]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Timed out waiting for "${String(event)}"`));
      }, timeoutMs);
      const off = this.on(event, (data) => {
        if (!filter(data)) return;
        clearTimeout(timer);
        off();
        resolve(data);
      });
    });
  }

  protected emit<E extends keyof Events>(event: E, data: Events[E]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as (data: Events[E]) => void)(data);
      } catch (error) {
        // A failing listener must not break signaling; surface it without stopping the others.
        console.error(`sinyal: "${String(event)}" listener failed`, error);
      }
    }
  }
}
