import { sql } from 'drizzle-orm';
import type { EventProfile, VenueProfile } from '../../schemas/catalog';
import { events, venues } from '../schema';
import type { Tx } from './processed-events';

/** Versioned upsert: a delivery older than the stored row changes nothing. */
export async function upsertVenue(tx: Tx, profile: VenueProfile): Promise<void> {
  const row = {
    tenantId: profile.tenantId,
    venueId: profile.venueId,
    name: profile.name,
    profile,
    version: profile.version,
    updatedAt: new Date(profile.updatedAt),
  };
  await tx
    .insert(venues)
    .values(row)
    .onConflictDoUpdate({
      target: [venues.tenantId, venues.venueId],
      set: { name: row.name, profile: row.profile, version: row.version, updatedAt: row.updatedAt },
      setWhere: sql`${venues.version} < excluded.version`,
    });
}

export async function upsertEvent(tx: Tx, profile: EventProfile): Promise<void> {
  const row = {
    tenantId: profile.tenantId,
    eventId: profile.eventId,
    venueId: profile.venueId,
    name: profile.name,
    startsAt: new Date(profile.startsAt),
    profile,
    version: profile.version,
    updatedAt: new Date(profile.updatedAt),
  };
  await tx
    .insert(events)
    .values(row)
    .onConflictDoUpdate({
      target: [events.tenantId, events.eventId],
      set: {
        venueId: row.venueId,
        name: row.name,
        startsAt: row.startsAt,
        profile: row.profile,
        version: row.version,
        updatedAt: row.updatedAt,
      },
      setWhere: sql`${events.version} < excluded.version`,
    });
}
