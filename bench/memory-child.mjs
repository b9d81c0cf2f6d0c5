// One measurement of peak RSS (the process's high-water mark): read the post bytes from a file, then parse once
// with one parser — or, with parser "none", do everything but the parse (the baseline the others are compared to).
// The post is built by the parent so that building it cannot raise this process's high-water mark.
import { readFileSync } from 'node:fs';
import { PARSERS } from './parsers.mjs';
import { ordinaryPost } from './worst-posts.mjs';

const [file, contentType, parserName, warm] = process.argv.slice(2);
// "warm": first a 512 KiB post through the ingress, so its parse thread is up — as in a server after its first large
// post. The thread's own memory is then part of the baseline, and what remains is what this post costs.
if (warm === 'warm') await PARSERS.mailroom(ordinaryPost(512 * 1024, 'raw'));
const post = { body: readFileSync(file), contentType };
if (parserName !== 'none') await PARSERS[parserName](post);
console.log(JSON.stringify({ parser: parserName, bytes: post.body.length, peakRss: highWaterMark() }));

// VmHWM belongs to this process image; getrusage's maxRSS is inherited across exec from the (large) parent.
function highWaterMark() {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) * 1024;
  } catch {
    // best effort
  }
  return process.resourceUsage().maxRSS * 1024;
}
