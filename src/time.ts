/** `2026-11-26T02:17:00Z`: the date-time form ConnectWise uses and the plan records. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
