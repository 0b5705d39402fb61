/** Routing for the small fake servers tests start: the first route whose method and path match answers. */
import type { ParsedRequest, Reply } from '../../src/sandbox/harness.js';

/** A path as written (exact) or a pattern; the handler gets the match (the path, then the pattern's groups). */
export type Route = [method: string, path: string | RegExp, handle: (req: ParsedRequest, m: string[]) => Reply];

function matchPath(path: string | RegExp, actual: string): string[] | undefined {
  if (typeof path === 'string') return path === actual ? [actual] : undefined;
  const m = path.exec(actual);
  return m ? [...m] : undefined;
}

/** The answer of the first matching route, or undefined when none matches. */
export function route(routes: Route[], req: ParsedRequest): Reply | undefined {
  for (const [method, path, handle] of routes) {
    const m = method === req.method ? matchPath(path, req.path) : undefined;
    if (m) return handle(req, m);
  }
  return undefined;
}
