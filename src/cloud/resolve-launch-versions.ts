// What version tag a group gives the instances it launches next: the instance TagSpecifications of
// the launch template version the group uses, else a propagate-at-launch group tag.

import type { AutoScalingGroup as SdkGroup, LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type EC2Client, type LaunchTemplateVersion } from '@aws-sdk/client-ec2';

export interface LaunchVersion {
  launchVersion?: string;
  launchVersionSource?: string;
}

/** Calls `send` through the caller's retry/translation wrapper. */
export type Call = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

interface TemplateRef {
  /** Id when the group names one, else the name. */
  key: string;
  spec: LaunchTemplateSpecification;
  /** "$Default" (the default when a group names no version), "$Latest" or a number. */
  version: string;
}

/** Launch version per group name. One DescribeLaunchTemplateVersions per template, all versions at once. */
export async function resolveLaunchVersions(
  groups: SdkGroup[],
  ec2: EC2Client,
  call: Call,
  versionTagKey: string,
): Promise<Map<string, LaunchVersion>> {
  const refs = new Map<string, TemplateRef>();
  const versionsByTemplate = new Map<string, { spec: LaunchTemplateSpecification; versions: Set<string> }>();
  for (const group of groups) {
    const spec = group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    const key = spec?.LaunchTemplateId ?? spec?.LaunchTemplateName;
    if (!spec || !key || !group.AutoScalingGroupName) continue;
    const version = spec.Version ?? '$Default';
    refs.set(group.AutoScalingGroupName, { key, spec, version });
    const entry = versionsByTemplate.get(key) ?? { spec, versions: new Set<string>() };
    entry.versions.add(version);
    versionsByTemplate.set(key, entry);
  }

  const fetched = new Map<string, LaunchTemplateVersion[]>();
  await Promise.all(
    [...versionsByTemplate].map(async ([key, { spec, versions }]) => {
      fetched.set(key, await describeVersions(ec2, call, spec, [...versions]));
    }),
  );

  const result = new Map<string, LaunchVersion>();
  for (const group of groups) {
    const name = group.AutoScalingGroupName;
    if (!name) continue;
    const ref = refs.get(name);
    const fromTemplate = ref ? readTemplateTag(ref, fetched.get(ref.key) ?? [], versionTagKey) : undefined;
    result.set(name, fromTemplate?.launchVersion !== undefined ? fromTemplate : readGroupTag(group, versionTagKey, fromTemplate));
  }
  return result;
}

async function describeVersions(
  ec2: EC2Client,
  call: Call,
  spec: LaunchTemplateSpecification,
  versions: string[],
): Promise<LaunchTemplateVersion[]> {
  const out: LaunchTemplateVersion[] = [];
  let token: string | undefined;
  do {
    const page = await call('DescribeLaunchTemplateVersions', () =>
      ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          ...(spec.LaunchTemplateId ? { LaunchTemplateId: spec.LaunchTemplateId } : { LaunchTemplateName: spec.LaunchTemplateName }),
          Versions: versions,
          NextToken: token,
        }),
      ),
    );
    out.push(...(page.LaunchTemplateVersions ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

function pickVersion(ref: TemplateRef, versions: LaunchTemplateVersion[]): LaunchTemplateVersion | undefined {
  if (ref.version === '$Default') return versions.find((v) => v.DefaultVersion === true);
  // Every requested version is at most the latest, so the highest returned one is $Latest.
  if (ref.version === '$Latest') return versions.reduce<LaunchTemplateVersion | undefined>((a, v) => ((v.VersionNumber ?? 0) > (a?.VersionNumber ?? -1) ? v : a), undefined);
  return versions.find((v) => String(v.VersionNumber) === ref.version);
}

function readTemplateTag(ref: TemplateRef, versions: LaunchTemplateVersion[], tagKey: string): LaunchVersion {
  const picked = pickVersion(ref, versions);
  if (!picked) return { launchVersionSource: `launch template ${ref.key} version ${ref.version} not found` };
  const id = picked.LaunchTemplateId ?? ref.key;
  const label = `launch template ${id}${picked.LaunchTemplateName ? ` (${picked.LaunchTemplateName})` : ''} version ${picked.VersionNumber ?? '?'}${ref.version.startsWith('$') ? ` (${ref.version})` : ''}`;
  const value = picked.LaunchTemplateData?.TagSpecifications?.filter((s) => s.ResourceType === 'instance')
    .flatMap((s) => s.Tags ?? [])
    .find((t) => t.Key === tagKey)?.Value;
  return value !== undefined ? { launchVersion: value, launchVersionSource: label } : { launchVersionSource: `${label} has no ${tagKey} instance tag` };
}

function readGroupTag(group: SdkGroup, tagKey: string, fromTemplate: LaunchVersion | undefined): LaunchVersion {
  const tag = group.Tags?.find((t) => t.Key === tagKey && t.PropagateAtLaunch === true);
  if (tag?.Value !== undefined) return { launchVersion: tag.Value, launchVersionSource: `group tag ${tagKey} (propagated at launch)` };
  const why = fromTemplate?.launchVersionSource ?? (group.LaunchConfigurationName ? `launch configuration ${group.LaunchConfigurationName}` : 'no launch template');
  return { launchVersionSource: `unknown: ${why}, and no ${tagKey} group tag propagated at launch` };
}
