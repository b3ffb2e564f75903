import { DatabaseError } from '@neondatabase/serverless';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/lib/logger';

const EMAIL = 'pat.customer@example.com';
const PHONE = '+14155550123';

/** A unique violation as the Neon driver reports it: pg-protocol's DatabaseError with the server's fields. */
function uniqueViolation(): DatabaseError {
  const err = new DatabaseError(`duplicate key value violates unique constraint "recovery_notifications_pkey"`, 180, 'error');
  Object.assign(err, {
    severity: 'ERROR',
    code: '23505',
    detail: `Key (email, phone)=(${EMAIL}, ${PHONE}) already exists.`,
    schema: 'public',
    table: 'recovery_notifications',
    constraint: 'recovery_notifications_pkey',
    routine: '_bt_check_unique',
    where: `SQL statement "insert … ${EMAIL}"`,
  });
  return err;
}

/** What drizzle's pg session throws: the statement and its parameters in the message, the driver's error as cause. */
function failedInsert(): DrizzleQueryError {
  return new DrizzleQueryError(
    'insert into "recovery_notifications" ("id", "email", "phone", "amount") values ($1, $2, $3, $4)',
    ['n-1', EMAIL, PHONE, 2599],
    uniqueViolation(),
  );
}

function capture(method: 'warn' | 'error' | 'log') {
  const spy = vi.spyOn(console, method).mockImplementation(() => {});
  return () => spy.mock.calls.map(([line]) => String(line)).join('\n');
}

describe('logger: database errors', () => {
  afterEach(() => vi.restoreAllMocks());

  it('logs a failed query by class, SQLSTATE, constraint and table, never its parameters or message text', () => {
    const lines = capture('warn');
    createLogger('info').warn('queue.message.retry', { messageId: 'm-1', attempts: 2, err: failedInsert() });
    const text = lines();
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('4155550123');
    expect(text).not.toContain('already exists');
    expect(text).not.toContain('params');
    const line = JSON.parse(text);
    expect(line).toMatchObject({
      level: 'warn',
      msg: 'queue.message.retry',
      messageId: 'm-1',
      err: {
        name: 'DrizzleQueryError',
        statement: 'insert into "recovery_notifications"',
        cause: {
          name: 'DatabaseError',
          code: '23505',
          severity: 'ERROR',
          routine: '_bt_check_unique',
          table: 'recovery_notifications',
          constraint: 'recovery_notifications_pkey',
        },
      },
    });
    expect(line.err.cause).not.toHaveProperty('message');
    expect(line.err.cause).not.toHaveProperty('detail');
  });

  it('walks the whole cause chain (an application error wrapping the query error)', () => {
    const lines = capture('error');
    const outer = new Error('projection failed', { cause: failedInsert() });
    createLogger('info').error('queue.message.retry', { err: outer });
    const text = lines();
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain('4155550123');
    expect(JSON.parse(text).err).toMatchObject({ message: 'projection failed', cause: { cause: { code: '23505' } } });
  });

  it('recognises a query error by shape when it is not drizzle’s class (e.g. rebuilt across a boundary)', () => {
    const lines = capture('warn');
    const err = Object.assign(new Error(`Failed query: select 1\nparams: ${EMAIL}`), { query: 'select 1', params: [EMAIL] });
    createLogger('info').warn('x', { err });
    expect(lines()).not.toContain(EMAIL);
  });

  it('cuts the parameters out of any error message that carries drizzle’s text', () => {
    const lines = capture('warn');
    createLogger('info').warn('x', { err: new Error(`Failed query: update "users" set "name" = $1\nparams: Ana Lopez,42`) });
    const text = lines();
    expect(text).not.toContain('Ana Lopez');
    expect(JSON.parse(text).err.message).toBe('Failed query: update "users" set "name" = $1\nparams: [REDACTED]');
  });
});
