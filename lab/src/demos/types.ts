import type { UrlState } from "../lib/url.ts";

export interface Demo {
  id: string;
  title: string;
  blurb: string;
  /** Builds the demo inside `root`; returns a cleanup (stop workers, timers). */
  mount(root: HTMLElement, state: UrlState): (() => void) | void;
}
