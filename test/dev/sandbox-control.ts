/** Calls a sandbox's own endpoints (/__sandbox/*, or a provider path) with an optional JSON body. */
export function sandboxControl(baseUrl: () => string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
}
