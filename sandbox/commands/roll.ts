// `roll`: what a CloudFormation update does to the stack: a new launch template version per role
// carrying the new Version tag, made the default. Running instances are untouched.

import { createAwsClients } from '../aws-clients.ts';
import { rollLaunchTemplate } from '../fleet-setup.ts';
import { readState, writeState } from '../sandbox-state.ts';

export async function roll(version: string): Promise<string[]> {
  const state = readState();
  const aws = createAwsClients(state.awsEndpoint, state.region);
  const lines: string[] = [];
  for (const fleet of state.fleets) {
    const number = await rollLaunchTemplate(aws, fleet, state.imageId, state.clusterName, version);
    lines.push(`${fleet.launchTemplateName} (${fleet.launchTemplateId}): version ${number} is the default, Version=${version}`);
  }
  writeState({ ...state, launchVersion: version });
  return lines;
}
