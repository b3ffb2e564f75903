/** An event without `endsAt` is taken to last this long. */
export const DEFAULT_EVENT_HOURS = 4;

/** When an event ends (ms): its `endsAt`, else `startsAt` plus DEFAULT_EVENT_HOURS. */
export function eventEndsAt(event: { startsAt: string; endsAt?: string | null }): number {
  return event.endsAt ? Date.parse(event.endsAt) : Date.parse(event.startsAt) + DEFAULT_EVENT_HOURS * 3_600_000;
}
