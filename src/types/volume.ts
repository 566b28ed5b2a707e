import { z } from 'zod';
import { lazySchema } from './lazy-schema.js';

const StrMap = lazySchema(() => z.record(z.string(), z.string()).nullish());

/** POST /volumes/create. */
export const VolumeCreateRequestSchema = lazySchema(() =>
  z.looseObject({
    Name: z.string().nullish(),
    Driver: z.string().nullish(),
    DriverOpts: StrMap,
    Labels: StrMap,
  }),
);
export type VolumeCreateRequest = z.infer<typeof VolumeCreateRequestSchema>;

/** Docker's Volume object (inspect, list, create). */
export interface VolumeView {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  UsageData?: { Size: number; RefCount: number };
}

export interface VolumeListResponse {
  Volumes: VolumeView[];
  Warnings: string[];
}

export interface VolumePruneReport {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

/** One entry of HostConfig.Mounts. */
export const MountSchema = lazySchema(() =>
  z.looseObject({
    Target: z.string().nullish(),
    Source: z.string().nullish(),
    Type: z.string().nullish(),
    ReadOnly: z.boolean().nullish(),
    Consistency: z.string().nullish(),
    BindOptions: z
      .looseObject({
        Propagation: z.string().nullish(),
        NonRecursive: z.boolean().nullish(),
        CreateMountpoint: z.boolean().nullish(),
      })
      .nullish(),
    VolumeOptions: z
      .looseObject({
        NoCopy: z.boolean().nullish(),
        Labels: StrMap,
        Subpath: z.string().nullish(),
        DriverConfig: z.looseObject({ Name: z.string().nullish(), Options: StrMap }).nullish(),
      })
      .nullish(),
    TmpfsOptions: z
      .looseObject({
        SizeBytes: z.number().nullish(),
        Mode: z.number().nullish(),
        Options: z.array(z.array(z.string())).nullish(),
      })
      .nullish(),
  }),
);
export type Mount = z.infer<typeof MountSchema>;

/** Inspect's `Mounts` entry, with the volume's name and driver for volume mounts. */
export interface MountPointView {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}
