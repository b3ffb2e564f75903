import { z } from '@hono/zod-openapi';
import { MAX_SESSION_ACTIONS, SESSION_ACTION_TYPES, type SessionDataValue } from '../domain/bot-detection';

/**
 * The `sessionData` request field: what the checkout page recorded for the bot detector. Unknown keys are
 * stripped (plain z.object), so a newer page script sending more signals is not refused by an older API.
 */
export const SessionAction = z.object({
  type: z.enum(SESSION_ACTION_TYPES),
  t: z.number().min(0).openapi({ description: 'Milliseconds since the page started recording' }),
  x: z.number().optional(),
  y: z.number().optional(),
});

export const BrowserFeatures = z.object({
  webdriver: z.boolean().optional(),
  headless: z.boolean().optional(),
  languages: z.array(z.string().max(35)).max(50).optional(),
  // Pages send either the count of navigator.plugins or their names; the detector only needs the count.
  plugins: z
    .union([
      z.number().int().min(0).max(1000),
      z
        .array(z.string().max(200))
        .max(100)
        .transform((names) => names.length),
    ])
    .optional()
    .openapi({ description: 'navigator.plugins: the count, or the list of names (counted)' }),
  screen: z.object({ w: z.number().int().min(0).max(100_000), h: z.number().int().min(0).max(100_000) }).optional(),
  timezone: z.string().max(64).optional(),
  touch: z.boolean().optional(),
});

export const SessionData = z
  .object({
    actions: z.array(SessionAction).max(MAX_SESSION_ACTIONS).optional(),
    browserFeatures: BrowserFeatures.optional(),
  })
  .openapi('SessionData', { description: 'Browser signals for bot detection, recorded by the checkout page' });
export type SessionData = z.infer<typeof SessionData>;

export const DeviceFingerprint = z.string().min(1).max(256);

// The parsed field is exactly what the detector reads: if either side changes alone, this line stops compiling.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
true satisfies Same<SessionData, SessionDataValue>;
