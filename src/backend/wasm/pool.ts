/**
 * A pool of worker threads that run kernel calls on the shared wasm memory, synchronously from
 * the caller's view: the caller posts one call per thread into a control block in wasm memory,
 * does its own share, then blocks on a counter with Atomics.wait (or spins where waiting is
 * forbidden, e.g. a browser's main thread). Workers are plain JS compiled from a string, so the
 * same code runs from src/ (vitest), dist/ (Node) and in browsers (Blob URL) with no file paths.
 */
import type { WasmHeap } from "./memory.js";
import { SoloPolicy } from "./solo_policy.js";

/**
 * The module's exported functions in export order: the caller and the workers both derive this
 * list from the module itself and pass a call's function as its index, so any export a kernel
 * family adds can run on the pool with no list to keep in step.
 */
export function exportedFunctions(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function")
    .map((e) => e.name);
}

// Control block layout (bytes from ctrl): [0] generation, [8] error count, [64] pending count,
// [128] workers' idle-spin budget, [192] held workers (a test hook) — pending, spin and hold each on
// their own cache line: workers spin on the generation while the caller spins on pending, and
// sharing one line made spinning 4x slower than sleeping in Chromium (dW GEMM 3.1 vs 0.57 ms).
// Slot t at 256 + 256·t: [0] generation it is meant for, [4] function index, [8..240) f64 args,
// [244] asleep flag (the worker is in, or about to enter, Atomics.wait: a call posted then waits for
// a futex wake-up, tens of µs, which is by design and says nothing about the machine), [248] ready flag the worker sets itself (readable without the event loop turning), [252] state of
// the posted call: POSTED until a worker takes it (TAKEN) or the caller runs it itself (STOLEN).
const GEN = 0,
  ERRORS = 2,
  PENDING = 16,
  SPIN = 32,
  HOLD = 48;
const SLOT = 256,
  SLOT0 = 256,
  MAX_ARGS = 29,
  ASLEEP = 244,
  READY = 248,
  STATE = 252;
const POSTED = 1,
  TAKEN = 2,
  STOLEN = 3;
export const MAX_WORKERS = 15;
const isNode = typeof process !== "undefined" && !!process.versions?.node;
/**
 * Busy-wait iterations (~5 ms) before a thread sleeps on a futex: in a training step the next call
 * comes sooner than that, and a futex wake-up costs tens of µs (Node epoch 1.7 -> 1.4 s).
 */
const WORKER_SPIN = 1000000;
const CALLER_SPIN = 1000000;
/**
 * How long the caller, done with its own share, gives a worker to take its call before running the
 * call itself: a spinning worker takes it within ~1–8 µs; one the OS has descheduled (another
 * process took its core) would make every parallel region wait for a time slice, milliseconds.
 */
const TAKE_GRACE_MS = 0.03;
/**
 * A caller that, done with its own share, waited longer than this and longer than its share took
 * counts the region as late: the worker took its call but the OS descheduled it midway (a time
 * slice is milliseconds; the imbalance of a normal region is microseconds).
 */
const STALL_MS = 0.5;
const CTRL_BYTES = SLOT0 + SLOT * (MAX_WORKERS + 1);

const workerBody = `
function start(d, post) {
  const FN = WebAssembly.Module.exports(d.module).filter((e) => e.kind === "function").map((e) => e.name);
  const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  const i32 = new Int32Array(d.memory.buffer, d.ctrl, ${CTRL_BYTES} >> 2);
  const slot = (${SLOT0} + ${SLOT} * d.tid) >> 2;
  const args = new Float64Array(d.memory.buffer, d.ctrl + ${SLOT0} + ${SLOT} * d.tid + 8, ${MAX_ARGS});
  let seen = Atomics.load(i32, ${GEN});
  Atomics.store(i32, slot + (${READY} >> 2), 1);
  post("ready");
  for (;;) {
    // Spin a little before sleeping: in a training step the next call comes within ~100 µs, and a
    // futex wake-up costs tens of µs each time. On a busy machine the caller sets the budget to 0.
    const budget = Atomics.load(i32, ${SPIN});
    for (let spin = 0; spin < budget && Atomics.load(i32, ${GEN}) === seen; spin++);
    if (Atomics.load(i32, ${GEN}) === seen) {
      // Tell the caller a call posted now finds this worker asleep (its miss is no sign of load).
      // The flag stays up until the worker takes a call, also if it wakes to find its call stolen.
      Atomics.store(i32, slot + (${ASLEEP} >> 2), 1);
      Atomics.wait(i32, ${GEN}, seen);
    }
    seen = Atomics.load(i32, ${GEN});
    // Only run a call posted for exactly this generation: a worker that joined late may wake for
    // an older one while the caller is still filling in the next.
    if (Atomics.load(i32, slot) !== seen) continue;
    while (Atomics.load(i32, ${HOLD}) & (1 << d.tid)) Atomics.wait(i32, ${HOLD}, Atomics.load(i32, ${HOLD}), 1);
    // The caller may have run the call itself (a late worker): take it only if it is still posted.
    if (Atomics.compareExchange(i32, slot + (${STATE} >> 2), ${POSTED}, ${TAKEN}) !== ${POSTED}) continue;
    Atomics.store(i32, slot + (${ASLEEP} >> 2), 0);
    const fn = FN[i32[slot + 1]];
    try { ex[fn].apply(null, Array.from(args)); } catch (e) { Atomics.add(i32, ${ERRORS}, 1); }
    // No spin budget: this worker goes to sleep next, so say so before the caller can post again.
    if (Atomics.load(i32, ${SPIN}) === 0) Atomics.store(i32, slot + (${ASLEEP} >> 2), 1);
    if (Atomics.sub(i32, ${PENDING}, 1) === 1) Atomics.notify(i32, ${PENDING});
  }
}`;

const nodeWorker = `${workerBody}
const { parentPort, workerData } = require("node:worker_threads");
start(workerData, (m) => parentPort.postMessage(m));`;

const browserWorker = `${workerBody}
self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));`;

interface PoolWorker {
  started: Promise<void>;
  scratch: number;
  terminate(): void;
}

export class ThreadPool {
  private readonly workers: PoolWorker[] = [];
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly canWait: boolean;
  private readonly functions: string[];
  /** The caller's own instance, to run a call a late worker did not take. */
  private callerExports: Record<string, (...a: number[]) => unknown> | null = null;
  /**
   * Busy-machine rule: when workers were late in too many recent regions, the next regions run on
   * the caller alone while the workers sleep, in stretches that double while the workers keep
   * missing (SoloPolicy). The pool only reports lateness and obeys.
   */
  private readonly policy = new SoloPolicy();
  private sleepForced = false;
  /** Calls the caller ran itself because their worker was late (diagnostics and tests). */
  stolenCalls = 0;
  /** Of those, calls whose worker was asleep by design when posted (they do not count as late). */
  asleepSteals = 0;
  /** Regions run on the caller alone because the machine looked busy, and regions posted to workers. */
  soloRegions = 0;
  postedRegions = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly heap: WasmHeap,
    private readonly ctrl: number,
    private readonly scratchBytes: number,
  ) {
    this.i32 = new Int32Array(heap.buffer, ctrl, CTRL_BYTES >> 2);
    this.f64 = new Float64Array(heap.buffer, ctrl, CTRL_BYTES >> 3);
    let ok = true;
    try {
      Atomics.wait(this.i32, GEN, -1, 0);
    } catch {
      ok = false;
    } // throws on a browser main thread
    this.canWait = ok;
    this.functions = exportedFunctions(module);
    Atomics.store(this.i32, SPIN, WORKER_SPIN);
  }

  /** The calling thread's instance of the module: a call no worker took in time runs on it. */
  bindCaller(exports: Record<string, (...a: number[]) => unknown>): void {
    this.callerExports = exports;
  }

  static bytesNeeded(): number {
    return CTRL_BYTES;
  }

  /** Whether this environment can run workers on a shared memory at all. */
  static supported(heap: WasmHeap): boolean {
    if (!heap.shared) return false;
    if (isNode) return true;
    return (
      typeof Worker !== "undefined" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true
    );
  }

  /**
   * Workers 1..readyCount have started and can take calls (the caller is thread 0 on top of
   * them). Counted as a prefix because call t always goes to worker t.
   */
  get readyCount(): number {
    // Read from shared memory, not from the "ready" message: a caller in a synchronous training
    // loop never turns the event loop, yet its workers must join as soon as they run.
    let n = 0;
    while (n < this.workers.length && Atomics.load(this.i32, (SLOT0 + SLOT * (n + 1) + READY) >> 2) === 1) n++;
    return n;
  }
  get size(): number {
    return this.workers.length;
  }

  /** gemm scratch block of worker t (1-based). */
  scratchOf(t: number): number {
    return this.workers[t - 1].scratch;
  }

  /** Starts workers until there are `n`; resolves when all of them are ready. */
  async grow(n: number): Promise<void> {
    while (this.workers.length < Math.min(n, MAX_WORKERS)) this.spawn(this.workers.length + 1);
    // Includes workers an earlier call started and that are still booting.
    await Promise.all(this.workers.slice(0, n).map((w) => w.started));
  }

  private spawn(tid: number): void {
    const scratch = this.heap.allocRaw(this.scratchBytes);
    const data = { module: this.module, memory: this.heap.memory, ctrl: this.ctrl, tid };
    Atomics.store(this.i32, (SLOT0 + SLOT * tid + READY) >> 2, 0);
    const entry: PoolWorker = { started: Promise.resolve(), scratch, terminate: () => {} };
    this.workers.push(entry);
    entry.started = new Promise<void>((resolve, reject) => {
      const onReady = (): void => resolve();
      if (isNode) {
        const start = ({ Worker: NodeWorker }: typeof import("node:worker_threads")): void => {
          const w = new NodeWorker(nodeWorker, { eval: true, workerData: data });
          w.unref(); // idle workers must not keep the process alive
          w.once("message", onReady);
          w.once("error", reject);
          // A worker that dies (terminated by a re-init, out of memory) must not count as ready,
          // and a start that never finished must not leave its awaiters hanging.
          w.once("exit", () => {
            this.clearReady(tid);
            reject(new Error("wasm backend: a worker thread exited"));
          });
          entry.terminate = () => void w.terminate();
        };
        // Started synchronously where Node can (getBuiltinModule, Node ≥ 20.16), so a training
        // loop that never yields still gets its workers; browsers never see node: specifiers.
        const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
        if (builtin) start(builtin("node:worker_threads") as typeof import("node:worker_threads"));
        else import("node:worker_threads").then(start, reject);
      } else {
        const url = URL.createObjectURL(new Blob([browserWorker], { type: "text/javascript" }));
        let w: Worker;
        try {
          w = new Worker(url);
        } catch (e) {
          reject(e);
          return;
        } // e.g. a CSP without blob: workers
        w.onmessage = onReady;
        w.onerror = (e) => reject(new Error(e.message));
        w.postMessage(data);
        entry.terminate = () => w.terminate();
      }
    });
    entry.started.catch(() => {}); // a background grow must not crash the process; grow() still rethrows
  }

  /**
   * Runs `local` on the calling thread and `calls[t]` (argument lists for `fn`) on ready workers
   * 1..calls.length, returning once all finished. The caller must not pass more calls than
   * `readyCount`. A call whose worker has not taken it shortly after the caller finished `local`
   * runs on the caller instead, so a worker the OS descheduled costs little more than running alone.
   */
  run(fn: string, calls: number[][], local: () => void): void {
    const i32 = this.i32;
    const fi = this.functions.indexOf(fn);
    if (fi < 0) throw new Error(`wasm backend: the kernel module has no export "${fn}"`);
    if (this.policy.takeSolo()) {
      this.soloRegions++;
      // The stretch is over: workers spin again for the next (probe) regions.
      if (!this.policy.solo && !this.sleepForced) Atomics.store(i32, SPIN, WORKER_SPIN);
      local();
      for (const args of calls) this.runHere(fn, args);
      return;
    }
    this.postedRegions++;
    const gen = (Atomics.load(i32, GEN) + 1) | 0 || 1; // never 0: 0 marks an empty slot
    let asleep = 0; // bit t: worker t was asleep when its call was posted
    for (let t = 1; t <= calls.length; t++) {
      const base = (SLOT0 + SLOT * t) >> 2;
      if (Atomics.load(i32, base + (ASLEEP >> 2)) === 1) asleep |= 1 << t;
      const args = calls[t - 1];
      if (args.length > MAX_ARGS)
        throw new Error(`wasm backend: ${fn} has ${args.length} arguments, the pool passes ${MAX_ARGS}`);
      const a0 = (SLOT0 + SLOT * t + 8) >> 3;
      for (let i = 0; i < MAX_ARGS; i++) this.f64[a0 + i] = i < args.length ? args[i] : 0;
      i32[base + 1] = fi;
      Atomics.store(i32, base + (STATE >> 2), POSTED);
      Atomics.store(i32, base, gen);
    }
    Atomics.store(i32, PENDING, calls.length);
    Atomics.store(i32, GEN, gen);
    Atomics.notify(i32, GEN);
    let error: unknown = null;
    const t0 = performance.now();
    try {
      local();
    } catch (e) {
      error = e;
    }
    let late = false;
    try {
      late = this.takeBackLateCalls(fn, calls, asleep);
    } catch (e) {
      error ??= e;
    }
    if (Atomics.load(i32, PENDING) > 0) {
      const t1 = performance.now();
      for (let spin = 0; spin < CALLER_SPIN && Atomics.load(i32, PENDING) > 0; spin++);
      for (let p = Atomics.load(i32, PENDING); p > 0; p = Atomics.load(i32, PENDING)) {
        if (this.canWait) Atomics.wait(i32, PENDING, p);
      }
      // A worker that took its call and was then descheduled makes the caller wait for a time slice:
      // as much a sign of a busy machine as a call not taken at all.
      const waited = performance.now() - t1;
      if (waited > STALL_MS && waited > t1 - t0) late = true;
    }
    // A stretch starts: idle workers sleep at once instead of spinning on the caller's core.
    if (this.policy.note(late) > 0) Atomics.store(i32, SPIN, 0);
    // Reset the worker error count before rethrowing the caller's own error, or it would fail the next call.
    const workerErrors = Atomics.exchange(i32, ERRORS, 0);
    if (error) throw error;
    if (workerErrors > 0) throw new Error(`wasm backend: a worker thread failed in ${fn}`);
  }

  /**
   * Runs, on the caller, every posted call no worker has taken within TAKE_GRACE_MS; true if any of
   * them belonged to a worker that was awake (bits of `asleep`: workers that were sleeping by design).
   */
  private takeBackLateCalls(fn: string, calls: number[][], asleep: number): boolean {
    const i32 = this.i32;
    const stateOf = (t: number): number => (SLOT0 + SLOT * t + STATE) >> 2;
    const untaken = (): boolean => calls.some((_, k) => Atomics.load(i32, stateOf(k + 1)) === POSTED);
    const until = performance.now() + TAKE_GRACE_MS;
    while (untaken() && performance.now() < until);
    let late = false,
      error: unknown = null;
    for (let t = 1; t <= calls.length; t++) {
      if (Atomics.compareExchange(i32, stateOf(t), POSTED, STOLEN) !== POSTED) continue;
      this.stolenCalls++;
      if (asleep & (1 << t)) this.asleepSteals++;
      else late = true;
      // Every stolen call is counted off, even after an error: run() must still wait for the workers.
      try {
        this.runHere(fn, calls[t - 1]);
      } catch (e) {
        error ??= e;
      } finally {
        Atomics.sub(i32, PENDING, 1);
      }
    }
    if (error) throw error;
    return late;
  }

  private runHere(fn: string, args: number[]): void {
    if (!this.callerExports) throw new Error("wasm backend: the thread pool has no caller instance (bindCaller)");
    this.callerExports[fn](...args);
  }

  /**
   * Test hook: while on, workers sleep (Atomics.wait) as soon as a call is done instead of spinning,
   * so every call is posted to a sleeping worker, as after an idle gap.
   * @internal
   */
  forceSleep(on: boolean): void {
    this.sleepForced = on;
    Atomics.store(this.i32, SPIN, on || this.policy.solo ? 0 : WORKER_SPIN);
  }

  /**
   * Test hook: forgets the busy-machine record (late regions, solo stretch), as in a fresh pool.
   * @internal
   */
  resetBusyRecord(): void {
    this.policy.reset();
    Atomics.store(this.i32, SPIN, this.sleepForced ? 0 : WORKER_SPIN);
  }

  /**
   * Test hook: while held, worker t (1-based) does not take calls, as if the OS had descheduled it.
   * @internal
   */
  hold(t: number, held: boolean): void {
    if (held) Atomics.or(this.i32, HOLD, 1 << t);
    else {
      Atomics.and(this.i32, HOLD, ~(1 << t));
      Atomics.notify(this.i32, HOLD);
    }
  }

  /** Stops workers beyond the first `n` (their scratch blocks are leaked on purpose: tiny, rare). */
  shrink(n: number): void {
    while (this.workers.length > n) {
      this.clearReady(this.workers.length);
      this.workers.pop()!.terminate();
    }
  }

  private clearReady(tid: number): void {
    Atomics.store(this.i32, (SLOT0 + SLOT * tid + READY) >> 2, 0);
  }
}
