/**
 * `new Date(ms).toISOString()`, with the part up to the second kept from the
 * last call: answers made in the same second (a stampede's are) format only
 * their milliseconds. Same output for every finite time in the Date range.
 */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const full = new Date(ms).toISOString();
    cachedSecond = second;
    cachedPrefix = full.slice(0, -4); // up to and including the '.'
    return full;
  }
  const millis = ms - second * 1000;
  if (!Number.isInteger(millis)) return new Date(ms).toISOString();
  return `${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
