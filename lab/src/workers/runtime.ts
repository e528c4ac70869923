/// <reference lib="webworker" />
/**
 * The worker side of the protocol (../protocol/wire.ts): `serve` routes commands to one handler
 * and requests to one function per name, posts replies, and reports every exception to the page
 * (which logs it), so a failing task is never silent.
 */
import { backendStatus, useBackend } from "./backend.ts";
import type { BackendName } from "../protocol/common.ts";
import type { ArgsOf, EventOf, FromWorker, RequestName, ResultOf, TaskSpec, ToWorker } from "../protocol/wire.ts";

export interface Poster<S extends TaskSpec> {
  (event: S["event"], transfer?: Transferable[]): void;
}

export interface Handlers<S extends TaskSpec> {
  command?(command: S["command"]): void | Promise<void>;
  requests: { [K in RequestName<S>]: (args: ArgsOf<S, K>) => ResultOf<S, K> | Promise<ResultOf<S, K>> };
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
const postRaw = <S extends TaskSpec>(m: FromWorker<S>, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

export function serve<S extends TaskSpec>(make: (post: Poster<S>) => Handlers<S>): void {
  const post: Poster<S> = (event, transfer = []) => postRaw<S>({ kind: "event", event }, transfer);
  const handlers = make(post);
  // Switching to WebGPU takes a while (a device is requested); messages that arrive meanwhile
  // (the page's "start") wait for it, so no model is built on the backend being left.
  let switching: Promise<unknown> = Promise.resolve();
  scope.onmessage = async (ev: MessageEvent<ToWorker<S>>) => {
    const m = ev.data;
    if (m.kind === "backend") {
      const done = (switching = switching.then(async () => {
        try {
          const status = m.want ? await useBackend(m.want as BackendName) : backendStatus();
          postRaw<S>({ kind: "reply", id: m.id, value: status });
        } catch (e) {
          postRaw<S>({ kind: "failure", id: m.id, message: message(e) });
        }
      }));
      await done;
      return;
    }
    await switching;
    if (m.kind === "command") {
      try {
        await handlers.command?.(m.command);
      } catch (e) {
        postRaw<S>({ kind: "failure", id: null, message: message(e) });
      }
      return;
    }
    try {
      const fn = handlers.requests[m.name] as (a: unknown) => unknown;
      postRaw<S>({ kind: "reply", id: m.id, value: await fn(m.args) });
    } catch (e) {
      postRaw<S>({ kind: "failure", id: m.id, message: message(e) });
    }
  };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A training session: `run` calls `step` in time slices of `sliceMs` while the session is running
 * and not finished, calling `afterSlice` between slices and yielding to the event loop so pause,
 * resume and new commands get through. `stop()` ends it for good (a restart makes a new one).
 * `step`, `afterSlice` and `onFinish` may be async: on WebGPU reading a value means awaiting it,
 * so a step that logs its loss returns a promise (on the CPU backends it settles at once).
 */
export class Session {
  running: boolean;
  private alive = true;
  constructor(autostart: boolean) {
    this.running = autostart;
  }
  stop(): void {
    this.alive = false;
  }
  get stopped(): boolean {
    return !this.alive;
  }

  async run(o: {
    step(): void | Promise<void>;
    finished(): boolean;
    afterSlice(): void | Promise<void>;
    onFinish?(): void | Promise<void>;
    sliceMs?: number;
  }): Promise<void> {
    let finishedReported = false;
    while (this.alive) {
      if (!this.running || o.finished()) {
        if (o.finished() && !finishedReported) {
          finishedReported = true;
          this.running = false;
          await o.onFinish?.();
        }
        await sleep(40);
        continue;
      }
      finishedReported = false;
      const t0 = performance.now();
      while (performance.now() - t0 < (o.sliceMs ?? 25) && !o.finished() && this.alive) {
        const r = o.step();
        if (r) await r;
      }
      if (!this.alive) break;
      await o.afterSlice();
      await sleep(0);
    }
  }
}

export type { EventOf };
