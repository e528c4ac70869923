/**
 * The page's side of a task worker (../protocol/wire.ts): typed commands, event handlers and
 * requests. One worker per open page, terminated when the page closes. A worker failure is
 * logged with console.error, so the browser tests see it.
 */
import type { BackendName, BackendStatus } from "../protocol/common.ts";
import type { ArgsOf, EventOf, FromWorker, RequestName, ResultOf, TaskSpec, ToWorker } from "../protocol/wire.ts";

export class TaskClient<S extends TaskSpec> {
  private readonly worker: Worker;
  private readonly handlers = new Map<string, ((e: S["event"]) => void)[]>();
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private onFailure: (message: string) => void = (m) => console.error(`worker: ${m}`);

  /** `worker` must be created at the call site (`new Worker(new URL(..., import.meta.url))`) for Vite to bundle it. */
  constructor(worker: Worker) {
    this.worker = worker;
    worker.onmessage = (ev: MessageEvent<FromWorker<S>>) => this.receive(ev.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.onFailure(e.message || "the worker failed to start");
    };
  }

  private receive(m: FromWorker<S>): void {
    switch (m.kind) {
      case "event":
        for (const fn of this.handlers.get(m.event.type) ?? []) fn(m.event);
        return;
      case "reply":
        this.pending.get(m.id)?.resolve(m.value);
        this.pending.delete(m.id);
        return;
      case "failure":
        if (m.id !== null && this.pending.has(m.id)) {
          this.pending.get(m.id)!.reject(new Error(m.message));
          this.pending.delete(m.id);
        } else this.onFailure(m.message);
    }
  }

  on<T extends S["event"]["type"]>(type: T, fn: (e: EventOf<S, T>) => void): this {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), fn as (e: S["event"]) => void]);
    return this;
  }

  /** Replaces the default failure handler (console.error) for command failures. */
  onError(fn: (message: string) => void): this {
    this.onFailure = fn;
    return this;
  }

  send(command: S["command"]): void {
    this.worker.postMessage({ kind: "command", command } satisfies ToWorker<S>);
  }

  request<K extends RequestName<S>>(name: K, args: ArgsOf<S, K>): Promise<ResultOf<S, K>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ kind: "request", id, name, args } as ToWorker<S>);
    });
  }

  /** Which backend the worker runs (switching to `want` first, before any training starts). */
  backend(want: BackendName | null): Promise<BackendStatus> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ kind: "backend", id, want } as ToWorker<S>);
    });
  }

  terminate(): void {
    this.worker.terminate();
    // Requests still open belong to a page that is gone: drop them rather than reject into nobody's catch.
    this.pending.clear();
  }
}
