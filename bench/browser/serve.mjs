// A tiny static server for the browser bench, with the COOP/COEP headers that make the page
// crossOriginIsolated (SharedArrayBuffer, wasm threads). Serves the page, the bundled worker and
// the MNIST IDX files. Loopback only.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

/** Starts the server on 127.0.0.1 (port 0 = any free one); resolves { url, close }. */
export function serve({ pageDir, bundleDir, mnistDir, port = 0 }) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = null;
    if (path === "/" || path === "/index.html") file = join(pageDir, "index.html");
    else if (/^\/[\w.-]+\.js(\.map)?$/.test(path)) file = join(bundleDir, path.slice(1));
    else if (/^\/mnist\/[\w.-]+$/.test(path)) file = join(mnistDir, path.slice(7));
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-store",
    };
    if (path === "/favicon.ico") {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    try {
      if (!file) throw new Error("not found");
      const body = await readFile(file);
      const ext = file.slice(file.lastIndexOf("."));
      res.writeHead(200, { ...headers, "Content-Type": TYPES[ext] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end("not found");
    }
  });
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) });
    }),
  );
}
