// The browser bench: runs in a (module) Web Worker so the wasm backend's threads may block with
// Atomics.wait. Same code as the Node bench (../common/gradlab_core.mjs). Bundled by build.mjs.
import * as g from "../../dist/index.js";
import * as wasm from "../../dist/backend/wasm/index.js";
import { gemm, inference, makeDatasets, runEpochs } from "../common/gradlab_core.mjs";
import { parseMnist } from "../common/idx.mjs";

async function fetchBytes(name) {
  const r = await fetch(`/mnist/${name}`);
  if (!r.ok) throw new Error(`GET /mnist/${name}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

self.onmessage = async (e) => {
  const {
    backend = "wasm",
    threads = 2,
    steps = 938,
    warmup = 30,
    repeats = 1,
    doGemm = true,
    gemmSamples = 7,
  } = e.data;
  const log = (m) => self.postMessage({ log: m });
  try {
    log("start");
    const info = { backend, threads, crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent };
    if (backend === "wasm") {
      await wasm.initWasmBackend({ threads });
      log("wasm initialised");
      if (wasm.setNumThreadsAsync) await wasm.setNumThreadsAsync(threads);
      info.threadsActive = wasm.getNumThreads?.() ?? null;
      info.simd = wasm.wasmBackendInfo?.()?.simd ?? null;
    }
    log(`threads ${info.threadsActive}, simd ${info.simd}`);
    g.setBackend(backend);
    g.resetFallbackCounts?.();
    const t = performance.now();
    const [ti, tl, si, sl] = await Promise.all(
      ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"].map(
        fetchBytes,
      ),
    );
    const ds = makeDatasets(g, { train: parseMnist(ti, tl), test: parseMnist(si, sl) });
    info.loadMs = performance.now() - t;
    log("data loaded");
    const { model, epoch } = runEpochs(g, ds, { steps, warmup, repeats });
    const res = { ...info, epoch, inference: inference(g, model, ds.test) };
    if (doGemm) res.gemm = gemm(g, { samples: gemmSamples });
    res.fallbacks = g.fallbackCounts?.() ?? {};
    self.postMessage({ ok: true, res });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err?.stack ?? err) });
  }
};
