/**
 * A ResNet basic block written out (He et al., 2016): out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)),
 * the shortcut being x itself, or a 1×1 convolution (+ BatchNorm) when the block changes the shape.
 * Then why it matters: the gradient that reaches the input of a deep stack, with the skip and without.
 */
import { F, manualSeed, nn, randn, type Tensor } from "gradlab";

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  shortcut: nn.Module; // identity, a 1×1 projection, or nothing (skip = false: a plain block)

  constructor(
    inC: number,
    outC: number,
    stride = 1,
    readonly skip = true,
  ) {
    super();
    // 3×3 convolutions without bias: the BatchNorm right after has its own shift (β).
    this.conv1 = new nn.Conv2d(inC, outC, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(outC);
    this.conv2 = new nn.Conv2d(outC, outC, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(outC);
    // x can only be added to the residual if the shapes agree; otherwise project it with a strided 1×1 conv.
    this.shortcut =
      stride !== 1 || inC !== outC
        ? new nn.Sequential(new nn.Conv2d(inC, outC, 1, { stride, bias: false }), new nn.BatchNorm2d(outC))
        : new nn.Identity();
  }

  override forward(x: Tensor): Tensor {
    const residual = this.bn2(this.conv2(F.relu(this.bn1(this.conv1(x)))));
    return F.relu(this.skip ? residual.add(this.shortcut(x)) : residual);
  }
}

manualSeed(0);
const x = randn([8, 16, 28, 28]);
const same = new BasicBlock(16, 16);
const down = new BasicBlock(16, 32, 2);
console.log(`identity block  16→16, stride 1: ${JSON.stringify(x.shape)} → ${JSON.stringify(same(x).shape)}`);
console.log(
  `projection block 16→32, stride 2: ${JSON.stringify(x.shape)} → ${JSON.stringify(down(x).shape)}` +
    ` (shortcut: 1×1 conv, ${down.shortcut.parameters()[0].numel()} weights + BatchNorm)`,
);

/**
 * How much of the gradient at a stack's output reaches its input: ‖∂L/∂x‖ / ‖∂L/∂out‖ for L = Σ out·r with a fixed
 * random r (so ∂L/∂out = r). Without skips it is a product of 2·depth layer Jacobians; a skip adds an identity path.
 */
function gradientGain(depth: number, skip: boolean, mode: "train" | "eval"): number {
  manualSeed(0);
  const net = new nn.Sequential(...Array.from({ length: depth }, () => new BasicBlock(16, 16, 1, skip)));
  if (mode === "eval") net.eval();
  const input = randn([8, 16, 8, 8], { requiresGrad: true });
  const out = net(input);
  const r = randn(out.shape);
  out.mul(r).sum().backward();
  return input.grad!.norm().item() / r.norm().item();
}

const e = (v: number) => v.toExponential(1).padStart(8);
console.log("gradient gain ‖∂L/∂x‖ / ‖∂L/∂out‖ through a stack of blocks (PyTorch's default init):");
console.log("        | BatchNorm on batch statistics (train) | BatchNorm at its initial running stats (eval)");
console.log("  depth |     with skip        without          |     with skip        without");
let ok = true;
for (const depth of [1, 4, 8, 16]) {
  const [tS, tP, eS, eP] = [
    gradientGain(depth, true, "train"),
    gradientGain(depth, false, "train"),
    gradientGain(depth, true, "eval"),
    gradientGain(depth, false, "eval"),
  ];
  const row = (a: number, b: number) => `     ${e(a)}         ${e(b)}`;
  console.log(`  ${String(depth).padStart(5)} |${row(tS, tP)}          |${row(eS, eP)}`);
  // Without the skip the gradient explodes (batch statistics) or vanishes (eval: BN is the identity at init and each
  // default-initialised conv shrinks it); with the skip it grows slowly (train) or stays near 1 (eval).
  if (depth === 16 && !(tP > 5 * tS && eS > 1e3 * eP && eS > 0.1 && eS < 10)) ok = false;
}
console.log(
  ok
    ? "depth 16: without the skip the gradient explodes (train) or vanishes (eval); the skip keeps it sane"
    : "unexpected gradient gains",
);
if (!ok) process.exit(1);
