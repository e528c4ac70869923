/** The page's side of the training worker: one worker per open demo, terminated when it closes. */
type Handler = (msg: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

export class Trainer {
  private worker = new Worker(new URL("../worker.ts", import.meta.url), { type: "module" });
  private handlers = new Map<string, Handler[]>();
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  constructor() {
    this.worker.onmessage = (ev) => {
      const m = ev.data;
      if (m.type === "reply") { this.pending.get(m.id)?.resolve(m.value); this.pending.delete(m.id); return; }
      if (m.type === "error" && m.id !== undefined && this.pending.has(m.id)) { this.pending.get(m.id)!.reject(new Error(m.message)); this.pending.delete(m.id); return; }
      for (const h of this.handlers.get(m.type) ?? []) h(m);
    };
    this.worker.onerror = (e) => { for (const h of this.handlers.get("error") ?? []) h({ type: "error", message: e.message }); };
  }
  on(type: string, h: Handler): this { this.handlers.set(type, [...(this.handlers.get(type) ?? []), h]); return this; }
  send(msg: Record<string, unknown>): void { this.worker.postMessage(msg); }
  request<T>(what: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ type: "request", id, what, ...extra });
    });
  }
  terminate(): void { this.worker.terminate(); }
}
