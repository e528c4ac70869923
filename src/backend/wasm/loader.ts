/**
 * Picks and compiles one of the four embedded kernel modules: relaxed SIMD when the engine
 * validates it (Chromium; Node only with --experimental-wasm-relaxed-simd), plain SIMD otherwise,
 * each in a shared-memory flavour (threads) and a non-shared one.
 */
import * as generated from "./generated/modules.js";

/** (func (result v128) v128.const 0) — validates iff the engine has 128-bit SIMD. */
const SIMD_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // type section: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // function section: one function of type 0
  0x0a,
  0x16,
  0x01,
  0x14,
  0x00,
  0xfd,
  0x0c,
  ...new Array<number>(16).fill(0),
  0x0b,
]);

/** (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))). */
const RELAXED_PROBE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b,
  0x03,
  0x02,
  0x01,
  0x00,
  0x0a,
  0x3d,
  0x01,
  0x3b,
  0x00,
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]),
  0xfd,
  0x85,
  0x02, // f32x4.relaxed_madd
  0x0b,
]);

export type SimdLevel = "relaxed" | "simd";

/** Best SIMD level this engine supports, or null when it has no wasm SIMD at all. */
export function detectSimd(): SimdLevel | null {
  if (typeof WebAssembly === "undefined" || !WebAssembly.validate(SIMD_PROBE)) return null;
  if (!WebAssembly.validate(RELAXED_PROBE)) enableRelaxedSimdInNode();
  return WebAssembly.validate(RELAXED_PROBE) ? "relaxed" : "simd";
}

/**
 * Node 20's V8 implements relaxed SIMD (standardised; on by default from Node 22) behind
 * --experimental-wasm-relaxed-simd. Turning the flag on at run time lets the FMA micro-kernel run
 * without asking users for a command-line flag (+20-30% GEMM throughput here).
 * GRADLAB_WASM_SIMD=simd keeps the plain-SIMD module.
 */
function enableRelaxedSimdInNode(): void {
  const proc = (
    globalThis as { process?: { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown } }
  ).process;
  if (!proc?.getBuiltinModule || proc.env?.GRADLAB_WASM_SIMD === "simd") return;
  try {
    (proc.getBuiltinModule("node:v8") as { setFlagsFromString(f: string): void }).setFlagsFromString(
      "--experimental-wasm-relaxed-simd",
    );
  } catch {
    /* an engine without the flag keeps plain SIMD */
  }
}

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function moduleBytes(level: SimdLevel, shared: boolean): Uint8Array<ArrayBuffer> {
  const b64 =
    level === "relaxed"
      ? shared
        ? generated.relaxedShared
        : generated.relaxed
      : shared
        ? generated.simdShared
        : generated.simd;
  return decodeBase64(b64);
}

export function compileKernels(level: SimdLevel, shared: boolean): Promise<WebAssembly.Module> {
  return WebAssembly.compile(moduleBytes(level, shared));
}

/** Synchronous compile: the modules are small (~25 KB), well under browsers' main-thread limit. */
export function compileKernelsSync(level: SimdLevel, shared: boolean): WebAssembly.Module {
  return new WebAssembly.Module(moduleBytes(level, shared));
}
