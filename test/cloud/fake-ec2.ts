// Answers DescribeInstances from a list of instances the way EC2 does: by filter, in pages.

import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export function serveInstances(ec2: AwsClientStub<EC2Client>, instances: Instance[], pageSize = 1000): void {
  ec2.on(DescribeInstancesCommand).callsFake((input: { Filters?: { Name?: string; Values?: string[] }[]; NextToken?: string }) => {
    const matching = instances.filter((i) =>
      (input.Filters ?? []).every((f) => {
        const values = f.Values ?? [];
        if (f.Name === 'private-ip-address') return values.includes(i.PrivateIpAddress ?? '');
        if (f.Name === 'instance-id') return values.includes(i.InstanceId ?? '');
        if (f.Name?.startsWith('tag:')) {
          const key = f.Name.slice('tag:'.length);
          return (i.Tags ?? []).some((t) => t.Key === key && values.includes(t.Value ?? ''));
        }
        throw new Error(`fake EC2 does not know filter ${f.Name ?? ''}`);
      }),
    );
    const start = Number(input.NextToken ?? 0);
    const page = matching.slice(start, start + pageSize);
    const next = start + pageSize < matching.length ? String(start + pageSize) : undefined;
    return { Reservations: page.map((i) => ({ ReservationId: `r-${i.InstanceId ?? ''}`, Instances: [i] })), NextToken: next };
  });
}
