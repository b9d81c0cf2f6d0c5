import postgres from 'postgres';

/**
 * The PostgreSQL server the PostgreSQL scenarios use: DATABASE_URL, else the local default server.
 * Undefined (scenario skipped, with a note) when neither answers.
 */
export async function postgresUrl(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => undefined });
  try {
    await sql`select 1`;
    return url;
  } catch (error) {
    console.warn(`reliability: PostgreSQL scenarios skipped, ${url} unreachable (${(error as Error).message})`);
    return undefined;
  } finally {
    await sql.end({ timeout: 2 }).catch(() => undefined);
  }
}
