/** Course cases of the shape ops. */
import type { CourseRunner } from "./harness.js";
import { runOp } from "./harness.js";

export const shapeRunners: Record<string, CourseRunner> = {
  flatten: (c) => runOp(c, ({ input }, { start_dim }) => input.flatten(start_dim as number)),
};
