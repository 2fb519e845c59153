/**
 * The gateway's routes, built once at start from the descriptor set's HTTP bindings. Where
 * several templates match one path (`/v1/users/me` and a later `/v1/users/{user_id}`), the
 * most specific wins, segment by segment: a literal beats `*`, which beats `**`.
 */
import type { HttpBinding, HttpVerb } from "./http-rules.js";
import { matchTemplate } from "./path-template.js";

export interface RouteMatch {
  binding: HttpBinding;
  pathValues: Map<string, string>;
}

export class RouteTable {
  private readonly byVerb = new Map<string, HttpBinding[]>();

  constructor(readonly bindings: readonly HttpBinding[]) {
    for (const b of bindings) {
      const list = this.byVerb.get(b.verb) ?? [];
      const clash = list.find((o) => o.template.source === b.template.source);
      if (clash) throw new Error(`${b.verb} ${b.template.source} is bound twice: ${clash.grpcPath} and ${b.grpcPath}`);
      list.push(b);
      this.byVerb.set(b.verb, list);
    }
  }

  /** Every HTTP method some route answers, for CORS preflights. */
  get verbs(): HttpVerb[] {
    return [...this.byVerb.keys()] as HttpVerb[];
  }

  match(verb: string, rawPath: string): RouteMatch | null {
    let best: { binding: HttpBinding; values: Map<string, string>; specificity: number[] } | null = null;
    for (const binding of this.byVerb.get(verb) ?? []) {
      const m = matchTemplate(binding.template, rawPath);
      if (m && (!best || compare(m.specificity, best.specificity) > 0)) best = { binding, ...m };
    }
    return best ? { binding: best.binding, pathValues: best.values } : null;
  }
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}
