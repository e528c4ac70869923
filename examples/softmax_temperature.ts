/** The softmax-temperature slider in code: the same logits at T = 0.5, 1, 2, 5, and cross-entropy for class 0. */
import { F, tensor } from "gradlab";

const logits = tensor([[2.0, 1.0, 0.1]]);
for (const T of [0.5, 1, 2, 5]) {
  const p = F.softmax(logits, -1, { temperature: T });
  const entropy = -p.mul(p.log()).sum().item();
  const ce = F.crossEntropy(logits.div(T), tensor([0], { dtype: "int32" })).item();
  console.log(
    `T = ${T}: p = [${(p.tolist() as number[][])[0].map((v) => v.toFixed(4)).join(", ")}], entropy ${entropy.toFixed(3)}, CE(class 0) ${ce.toFixed(3)}`,
  );
}
