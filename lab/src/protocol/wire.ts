/**
 * The one protocol between a page and its worker. A task declares three things: the commands the
 * page sends (fire and forget), the events the worker posts back, and named requests that each
 * get one reply. All three are discriminated unions on `type` (or keyed by name), so both sides
 * are checked by the compiler and no message is dispatched by `instanceof` or by guessing.
 */
export interface TaskSpec {
  command: { type: string };
  event: { type: string };
  requests: Record<string, { args: unknown; result: unknown }>;
}

/** A task with no commands or events, only requests (e.g. "compute this and answer"). */
export interface RequestOnly<R extends TaskSpec["requests"]> {
  command: { type: "none" };
  event: { type: "none" };
  requests: R;
}

export type RequestName<S extends TaskSpec> = keyof S["requests"] & string;
export type ArgsOf<S extends TaskSpec, K extends RequestName<S>> = S["requests"][K]["args"];
export type ResultOf<S extends TaskSpec, K extends RequestName<S>> = S["requests"][K]["result"];
export type EventOf<S extends TaskSpec, T extends S["event"]["type"]> = Extract<S["event"], { type: T }>;

/** page → worker; every task also answers "backend" (which backend runs, switching first when `want` is set). */
export type ToWorker<S extends TaskSpec> =
  | { kind: "command"; command: S["command"] }
  | { kind: "backend"; id: number; want: string | null }
  | { [K in RequestName<S>]: { kind: "request"; id: number; name: K; args: ArgsOf<S, K> } }[RequestName<S>];

/** worker → page: an event, a reply to request `id`, or a failure (of request `id`, or of a command: null). */
export type FromWorker<S extends TaskSpec> =
  | { kind: "event"; event: S["event"] }
  | { kind: "reply"; id: number; value: unknown }
  | { kind: "failure"; id: number | null; message: string };
