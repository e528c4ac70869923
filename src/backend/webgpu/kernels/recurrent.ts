/**
 * Recurrent cells on WebGPU: the elementwise part of one RNN / LSTM / GRU step and its backward
 * (the matrix products around them are gemm calls), a thread per (batch row b, hidden unit j).
 * Layout as the reference (src/backend/js/recurrent.ts): row-major blocks starting at the given
 * offsets (uniforms), gates in PyTorch's order (LSTM i, f, g, o; GRU r, z, n), H = hs.
 * A null dhOut selects a pipeline without that binding.
 */
import { FLAT, grid, type GpuContext } from "../context.js";
import type { GpuStorage } from "../storage.js";
import { type Access, header } from "./common.js";

type B = [string, Access, string?];
/** The thread's (b, j) and k = b·H + j; returns past the n·H elements. */
const PRELUDE = `${FLAT()}
  if (i >= p.n * p.hs) { return; }
  let k = i; let b = i / p.hs; let j = i - b * p.hs;`;
const DH = (hasOut: boolean): string => (hasOut ? "dhOut[p.dhOff + k] + dhRec[k]" : "0.0 + dhRec[k]");

const memo = new Map<string, { key: string; code: () => string }>();
const src = (key: string, code: () => string) => {
  let s = memo.get(key);
  if (!s) memo.set(key, (s = { key, code }));
  return s;
};

/** h ← act(xProj + h): h holds h_prev·W_hhᵀ + b_hh on entry. */
const rnnCell = (relu: boolean) =>
  src(
    `rnnCell:relu${+relu}`,
    () => `${header("n: u32, hs: u32, xOff: u32, hOff: u32", [
      ["xp", "read"],
      ["h", "read_write"],
    ])}
${PRELUDE}
  let v = xp[p.xOff + k] + h[p.hOff + k];
  h[p.hOff + k] = ${relu ? "relu_(v)" : "m_tanh(v)"};
}`,
  );

/** dPre = (dhOut + dhRec)·act'(h). */
const rnnCellBackward = (relu: boolean, hasOut: boolean) =>
  src(
    `rnnCellBackward:relu${+relu}:out${+hasOut}`,
    () => `${header("n: u32, hs: u32, hOff: u32, dhOff: u32, dpOff: u32", [
      ["h", "read"],
      ...(hasOut ? [["dhOut", "read"] as B] : []),
      ["dhRec", "read"],
      ["dPre", "read_write"],
    ])}
${PRELUDE}
  let dh = ${DH(hasOut)}; let y = h[p.hOff + k];
  dPre[p.dpOff + k] = dh * ${relu ? "select(0.0, 1.0, y > 0.0)" : "(1.0 - y * y)"};
}`,
  );

/**
 * Gates (4H per row) activated in place, then c = f·cPrev + i·g and h = o·tanh(c). `alias`: cPrev
 * is a slice of c's buffer (the previous step of the whole-sequence cell states), read through the
 * c binding instead of a copy (each thread reads its cPrev element before it writes its c element).
 */
const lstmCell = (alias: boolean) =>
  src(
    `lstmCell:alias${+alias}`,
    () => `${header("n: u32, hs: u32, xOff: u32, gOff: u32, cpOff: u32, cOff: u32, hOff: u32", [
      ["xp", "read"],
      ["gates", "read_write"],
      ...(alias ? [] : [["cPrev", "read"] as B]),
      ["c", "read_write"],
      ["h", "read_write"],
    ])}
${PRELUDE}
  let g = p.gOff + b * 4u * p.hs + j; let x = p.xOff + b * 4u * p.hs + j; let H = p.hs;
  let ig = m_sigmoid(xp[x] + gates[g]);
  let fg = m_sigmoid(xp[x + H] + gates[g + H]);
  let gg = m_tanh(xp[x + 2u * H] + gates[g + 2u * H]);
  let og = m_sigmoid(xp[x + 3u * H] + gates[g + 3u * H]);
  gates[g] = ig; gates[g + H] = fg; gates[g + 2u * H] = gg; gates[g + 3u * H] = og;
  let cv = fg * ${alias ? "c" : "cPrev"}[p.cpOff + k] + ig * gg;
  c[p.cOff + k] = cv;
  h[p.hOff + k] = og * m_tanh(cv);
}`,
  );

/** dGates (pre-activation) from the activated gates; dc ← the gradient of cPrev. */
const lstmCellBackward = (hasOut: boolean) =>
  src(
    `lstmCellBackward:out${+hasOut}`,
    () => `${header("n: u32, hs: u32, gOff: u32, cpOff: u32, cOff: u32, dhOff: u32, dgOff: u32", [
      ["gates", "read"],
      ["cPrev", "read"],
      ["c", "read"],
      ...(hasOut ? [["dhOut", "read"] as B] : []),
      ["dhRec", "read"],
      ["dc", "read_write"],
      ["dGates", "read_write"],
    ])}
${PRELUDE}
  let g = p.gOff + b * 4u * p.hs + j; let dg = p.dgOff + b * 4u * p.hs + j; let H = p.hs;
  let ig = gates[g]; let fg = gates[g + H]; let gg = gates[g + 2u * H]; let og = gates[g + 3u * H];
  let tc = m_tanh(c[p.cOff + k]);
  let dh = ${DH(hasOut)};
  let dct = dc[k] + dh * og * (1.0 - tc * tc);
  dGates[dg] = dct * gg * ig * (1.0 - ig);
  dGates[dg + H] = dct * cPrev[p.cpOff + k] * fg * (1.0 - fg);
  dGates[dg + 2u * H] = dct * ig * (1.0 - gg * gg);
  dGates[dg + 3u * H] = dh * tc * og * (1.0 - og);
  dc[k] = dct * fg;
}`,
  );

/** r, z, n (stored at gOff) and h = (1 − z)·n + z·hPrev; `alias`: hPrev is a slice of h's buffer (as lstmCell's cPrev). */
const gruCell = (alias: boolean) =>
  src(
    `gruCell:alias${+alias}`,
    () => `${header("n: u32, hs: u32, xOff: u32, hpOff: u32, hPrevOff: u32, gOff: u32, hOff: u32", [
      ["xp", "read"],
      ["hp", "read"],
      ...(alias ? [] : [["hPrev", "read"] as B]),
      ["gates", "read_write"],
      ["h", "read_write"],
    ])}
${PRELUDE}
  let H = p.hs; let x = p.xOff + b * 3u * H + j; let q = p.hpOff + b * 3u * H + j; let g = p.gOff + b * 3u * H + j;
  let r = m_sigmoid(xp[x] + hp[q]);
  let z = m_sigmoid(xp[x + H] + hp[q + H]);
  let nn = m_tanh(xp[x + 2u * H] + r * hp[q + 2u * H]);
  gates[g] = r; gates[g + H] = z; gates[g + 2u * H] = nn;
  h[p.hOff + k] = (1.0 - z) * nn + z * ${alias ? "h" : "hPrev"}[p.hPrevOff + k];
}`,
  );

/** dX (xProj's gradient), dHProj (hProj's) and dhRec ← dh·z. */
const gruCellBackward = (hasOut: boolean) =>
  src(
    `gruCellBackward:out${+hasOut}`,
    () => `${header("n: u32, hs: u32, gOff: u32, hpOff: u32, hPrevOff: u32, dhOff: u32, dxOff: u32, dhpOff: u32", [
      ["gates", "read"],
      ["hp", "read"],
      ["hPrev", "read"],
      ...(hasOut ? [["dhOut", "read"] as B] : []),
      ["dhRec", "read_write"],
      ["dX", "read_write"],
      ["dHP", "read_write"],
    ])}
${PRELUDE}
  let H = p.hs; let g = p.gOff + b * 3u * H + j; let q = p.hpOff + b * 3u * H + j;
  let dx = p.dxOff + b * 3u * H + j; let dp = p.dhpOff + b * 3u * H + j;
  let r = gates[g]; let z = gates[g + H]; let nn = gates[g + 2u * H];
  let dh = ${DH(hasOut)};
  let dnPre = dh * (1.0 - z) * (1.0 - nn * nn);
  let drPre = dnPre * hp[q + 2u * H] * r * (1.0 - r);
  let dzPre = dh * (hPrev[p.hPrevOff + k] - nn) * z * (1.0 - z);
  dX[dx] = drPre; dX[dx + H] = dzPre; dX[dx + 2u * H] = dnPre;
  dHP[dp] = drPre; dHP[dp + H] = dzPre; dHP[dp + 2u * H] = dnPre * r;
  dhRec[k] = dh * z;
}`,
  );

type S = GpuStorage;
const w = (s: S): { s: S; w: true } => ({ s, w: true });

export function recurrentKernels(ctx: GpuContext) {
  return {
    rnnCell(n: number, hs: number, relu: boolean, xProj: S, xOff: number, h: S, hOff: number): void {
      if (n * hs) ctx.dispatch(rnnCell(relu), "uuuu", [n, hs, xOff, hOff], [xProj, w(h)], grid(n * hs));
    },
    rnnCellBackward(
      n: number,
      hs: number,
      relu: boolean,
      h: S,
      hOff: number,
      dhOut: S | null,
      dhOff: number,
      dhRec: S,
      dPre: S,
      dpOff: number,
    ): void {
      if (n * hs)
        ctx.dispatch(
          rnnCellBackward(relu, !!dhOut),
          "uuuuu",
          [n, hs, hOff, dhOff, dpOff],
          [h, ...(dhOut ? [dhOut] : []), dhRec, w(dPre)],
          grid(n * hs),
        );
    },
    lstmCell(
      n: number,
      hs: number,
      xProj: S,
      xOff: number,
      gates: S,
      gOff: number,
      cPrev: S,
      cpOff: number,
      c: S,
      cOff: number,
      h: S,
      hOff: number,
    ): void {
      const alias = cPrev.buffer === c.buffer;
      if (n * hs)
        ctx.dispatch(
          lstmCell(alias),
          "uuuuuuu",
          [n, hs, xOff, gOff, cpOff, cOff, hOff],
          [xProj, w(gates), ...(alias ? [] : [cPrev]), w(c), w(h)],
          grid(n * hs),
        );
    },
    lstmCellBackward(
      n: number,
      hs: number,
      gates: S,
      gOff: number,
      cPrev: S,
      cpOff: number,
      c: S,
      cOff: number,
      dhOut: S | null,
      dhOff: number,
      dhRec: S,
      dc: S,
      dGates: S,
      dgOff: number,
    ): void {
      if (n * hs)
        ctx.dispatch(
          lstmCellBackward(!!dhOut),
          "uuuuuuu",
          [n, hs, gOff, cpOff, cOff, dhOff, dgOff],
          [gates, cPrev, c, ...(dhOut ? [dhOut] : []), dhRec, w(dc), w(dGates)],
          grid(n * hs),
        );
    },
    gruCell(
      n: number,
      hs: number,
      xProj: S,
      xOff: number,
      hProj: S,
      hpOff: number,
      hPrev: S,
      hPrevOff: number,
      gates: S,
      gOff: number,
      h: S,
      hOff: number,
    ): void {
      const alias = hPrev.buffer === h.buffer;
      if (n * hs)
        ctx.dispatch(
          gruCell(alias),
          "uuuuuuu",
          [n, hs, xOff, hpOff, hPrevOff, gOff, hOff],
          [xProj, hProj, ...(alias ? [] : [hPrev]), w(gates), w(h)],
          grid(n * hs),
        );
    },
    gruCellBackward(
      n: number,
      hs: number,
      gates: S,
      gOff: number,
      hProj: S,
      hpOff: number,
      hPrev: S,
      hPrevOff: number,
      dhOut: S | null,
      dhOff: number,
      dhRec: S,
      dX: S,
      dxOff: number,
      dHProj: S,
      dhpOff: number,
    ): void {
      if (n * hs)
        ctx.dispatch(
          gruCellBackward(!!dhOut),
          "uuuuuuuu",
          [n, hs, gOff, hpOff, hPrevOff, dhOff, dxOff, dhpOff],
          [gates, hProj, hPrev, ...(dhOut ? [dhOut] : []), w(dhRec), w(dX), w(dHProj)],
          grid(n * hs),
        );
    },
  };
}
