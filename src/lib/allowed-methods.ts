import { TrieRouter } from 'hono/router/trie-router';

type RouteEntry = { method: string; path: string };

/**
 * Which methods the app answers on a path, read from its own routing table (`app.routes`), so a 405's
 * `Allow` header cannot drift from the routes. Middleware is registered for every method ('ALL') and
 * says nothing about a path's methods, so it is left out. Built once, on the first miss.
 */
export function allowedMethodsFinder(routes: () => readonly RouteEntry[]) {
  let table: { router: TrieRouter<RouteEntry>; methods: string[] } | undefined;
  const build = () => {
    const router = new TrieRouter<RouteEntry>();
    const methods = new Set<string>();
    for (const route of routes()) {
      if (route.method === 'ALL') continue;
      router.add(route.method, route.path, route);
      methods.add(route.method);
    }
    return { router, methods: [...methods] };
  };

  /** The methods registered for `path` (HEAD with GET, as Hono answers it) and the pattern that matched; empty when none. */
  return (path: string): { methods: string[]; pattern: string | undefined } => {
    table ??= build();
    const allowed: string[] = [];
    let pattern: string | undefined;
    for (const method of table.methods) {
      const [matches] = table.router.match(method, path);
      const hit = matches.find(([route]) => route.method === method);
      if (!hit) continue;
      allowed.push(method);
      pattern ??= hit[0].path;
    }
    if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD');
    return { methods: allowed, pattern };
  };
}
