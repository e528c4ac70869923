/** Every course runner by key (see harness.ts): one line per family file. */
import type { CourseRunner } from "./harness.js";
import { attentionRunners } from "./attention.js";
import { optimRunners } from "./optim.js";
import { convRunners } from "./conv.js";
import { normRunners } from "./norm.js";
import { poolRunners } from "./pool.js";
import { resizeRunners } from "./resize.js";
import { sequenceRunners } from "./sequence.js";
import { modelRunners } from "./model.js";
import { shapeRunners } from "./shape.js";

export const courseRunners: Record<string, CourseRunner> = {
  ...shapeRunners,
  ...optimRunners,
  ...attentionRunners,
  ...convRunners,
  ...poolRunners,
  ...normRunners,
  ...resizeRunners,
  ...sequenceRunners,
  ...modelRunners,
};
