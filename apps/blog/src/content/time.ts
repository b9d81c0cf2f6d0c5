/** Wall-clock time in an IANA zone → the instant, using Intl (no time-zone database of our own). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Offset of `zone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
function offsetAt(instant: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** Null when the zone is unknown. Around DST gaps the earlier offset wins, like most calendars. */
export function zonedTimeToUtc(wall: WallClock, zone: string): Date | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    return null;
  }
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // Two passes converge for every real zone: the offset at the guess, then at the corrected instant.
  const first = naive - offsetAt(new Date(naive), zone);
  const second = naive - offsetAt(new Date(first), zone);
  return new Date(second);
}

/** True when `zone` is an IANA zone name this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
