/**
 * The Regions of the multi-Region shape, checked before anything is built.
 * DynamoDB's multi-Region strong consistency (MRSC) takes exactly three
 * Regions from one of these sets: three replicas, or two replicas and a
 * witness (which holds the replication log and votes, but serves no reads or
 * writes).
 */
export const MRSC_REGION_SETS: Readonly<Record<string, readonly string[]>> = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  EU: ['eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1'],
  AP: ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
};

export interface RegionPlan {
  /** The Regions with a table replica, an API and functions; the first holds the primary stacks. */
  readonly regions: readonly string[];
  /** The witness Region, with two replica Regions; none with three. */
  readonly witnessRegion?: string;
}

export class RegionPlanError extends Error {
  override name = 'RegionPlanError';
}

/** Parses `-c regions=a,b,c` (and `-c witnessRegion=w` with two Regions) into a plan MRSC accepts. */
export function regionPlan(regionsList: string, witnessRegion?: string): RegionPlan {
  const regions = regionsList
    .split(',')
    .map((region) => region.trim())
    .filter((region) => region !== '');
  const all = witnessRegion === undefined ? regions : [...regions, witnessRegion];
  if (new Set(all).size !== all.length)
    throw new RegionPlanError(`each Region may appear once, got ${all.join(', ')}`);
  const wanted = witnessRegion === undefined ? 3 : 2;
  if (regions.length !== wanted) {
    throw new RegionPlanError(
      witnessRegion === undefined
        ? `regions must name exactly three Regions (or two, with witnessRegion), got ${regions.length}`
        : `with a witness Region, regions must name exactly two Regions, got ${regions.length}`,
    );
  }
  const set = Object.entries(MRSC_REGION_SETS).find(([, members]) => members.includes(all[0]!));
  if (set === undefined || !all.every((region) => set[1].includes(region))) {
    const sets = Object.entries(MRSC_REGION_SETS).map(([name, members]) => `${name}: ${members.join(', ')}`);
    throw new RegionPlanError(
      `multi-Region strong consistency needs all Regions from one set (${sets.join('; ')}), got ${all.join(', ')}`,
    );
  }
  return witnessRegion === undefined ? { regions } : { regions, witnessRegion };
}
