import { type Config, parseConfig } from '../src/env';

/** An object's configuration: the Worker's, parsed from the same bindings (and cached per env as the Worker's is). */
export function objectConfig(env: Env): Config {
  return parseConfig(env);
}
