import type { StageId } from "../course.ts";
import type { UrlState } from "../lib/url.ts";

/** One page of the lab. */
export interface Demo {
  id: string;
  title: string;
  /** One paragraph: what the page shows. */
  blurb: string;
  /** Where the page sits on the course map, and which lecture it illustrates. */
  stage: StageId;
  lecture: string;
  /** Plain-words caption: things to try, and what to notice when you do. */
  tryThis: string[];
  notice: string[];
  /** Builds the page inside `root`; returns a cleanup (stop workers, timers). */
  mount(root: HTMLElement, state: UrlState): (() => void) | void;
}
