/** A stream entry as ioredis returns it: id and a flat field/value list (null once deleted). */
export type RawEntry = [id: string, fields: string[] | null];

export function entryFields(fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return record;
}
