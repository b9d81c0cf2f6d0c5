import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eventLoopSaturation } from './index.js';

describe('eventLoopSaturation', () => {
  it('is true after a window the event loop spent busy, false after one it spent idle', async () => {
    const saturated = eventLoopSaturation({ windowMs: 50 });
    await sleep(60);
    expect(saturated()).toBe(false); // that window was idle
    const until = performance.now() + 80;
    while (performance.now() < until); // busy, as under a burst of posts
    expect(saturated()).toBe(true);
    expect(saturated()).toBe(true); // the same window until it is sampled again
    await sleep(60);
    expect(saturated()).toBe(false);
  });
});
