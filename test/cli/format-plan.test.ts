import { describe, expect, it } from 'vitest';
import { formatPlan, formatPlanReport } from '../../src/cli/format-plan.ts';
import type { Plan, PlanRow } from '../../src/upgrade/plan-model.ts';
import { aReport } from '../support/report-builder.ts';

function row(nodeName: string, overrides: Partial<PlanRow> = {}): PlanRow {
  return {
    step: 0,
    phase: 'data',
    nodeName,
    nodeId: `id-${nodeName}`,
    roles: ['data', 'ingest'],
    esVersion: '9.4.5',
    isElectedMaster: false,
    instanceId: `i-${nodeName}`,
    groupName: 'es-data',
    availabilityZone: 'ap-southeast-2a',
    versionTag: '2.13.0',
    action: 'replace',
    reason: 'version tag 2.13.0, target 2.14.0',
    ...overrides,
  };
}

function aPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    targetVersion: '2.14.0',
    order: 'masters-first',
    orderReason: 'the default: masters must be new before data nodes join them',
    strategy: 'replace',
    rows: [
      row('es-data-2', { step: 3 }),
      row('es-master-1', { step: 1, phase: 'master', roles: ['master'], groupName: 'es-masters', isElectedMaster: false }),
      row('es-data-1', { action: 'keep', versionTag: '2.14.0', reason: 'already at 2.14.0' }),
      row('es-master-2', { step: 2, phase: 'master', roles: ['master'], groupName: 'es-masters', isElectedMaster: true, availabilityZone: 'ap-southeast-2b' }),
    ],
    orphans: { nodesWithoutInstance: [], instancesWithoutNode: [] },
    groups: [
      { groupName: 'es-masters', launchVersion: '2.14.0', source: 'launch template lt-0abc version 7 ($Default)', atTarget: true },
      { groupName: 'es-data', launchVersion: '2.13.0', source: 'launch template lt-0def version 3 ($Latest)', atTarget: false },
    ],
    toReplace: 3,
    ...overrides,
  };
}

describe('formatPlan', () => {
  it('lists the nodes to replace in step order, then the kept ones, with every column', () => {
    expect(formatPlan(aPlan())).toBe(
      [
        'Plan: upgrade to 2.14.0; 3 of 4 nodes to replace (strategy replace)',
        'Order: masters-first: the default: masters must be new before data nodes join them',
        '',
        'STEP  NODE          ROLES        INSTANCE       GROUP       AZ               VERSION TAG  ACTION   REASON',
        '1     es-master-1   master       i-es-master-1  es-masters  ap-southeast-2a  2.13.0       replace  version tag 2.13.0, target 2.14.0',
        '2     es-master-2*  master       i-es-master-2  es-masters  ap-southeast-2b  2.13.0       replace  version tag 2.13.0, target 2.14.0',
        '3     es-data-2     data,ingest  i-es-data-2    es-data     ap-southeast-2a  2.13.0       replace  version tag 2.13.0, target 2.14.0',
        '-     es-data-1     data,ingest  i-es-data-1    es-data     ap-southeast-2a  2.14.0       keep     already at 2.14.0',
        '* elected master',
        '',
        'Launch version per group (what a replacement would get):',
        '  GROUP       LAUNCHES  CHECK       SOURCE',
        '  es-masters  2.14.0    ok          launch template lt-0abc version 7 ($Default)',
        '  es-data     2.13.0    NOT 2.14.0  launch template lt-0def version 3 ($Latest)',
        '',
        'Orphans: none',
        '',
      ].join('\n'),
    );
  });

  it('shows a dash for what a node without instance lacks, and lists orphans of both kinds', () => {
    const text = formatPlan(
      aPlan({
        rows: [row('es-data-9', { instanceId: undefined, groupName: undefined, availabilityZone: undefined, versionTag: undefined, action: 'keep', reason: 'no instance found' })],
        orphans: {
          nodesWithoutInstance: [{ nodeName: 'es-data-9', nodeId: 'id-9', ip: '10.0.3.9' }],
          instancesWithoutNode: [{ instanceId: 'i-0stray', groupName: 'es-data', privateIp: '10.0.3.77', state: 'running' }],
        },
        groups: [],
        toReplace: 0,
      }),
    );
    expect(text).toContain('-     es-data-9  data,ingest  -         -      -   -            keep    no instance found');
    expect(text).toContain('Launch version: no Auto Scaling Group found');
    expect(text).toContain('  Nodes without an instance:\n    NODE       NODE ID  IP\n    es-data-9  id-9     10.0.3.9');
    expect(text).toContain('  Instances without a node:\n    INSTANCE  GROUP    PRIVATE IP  STATE\n    i-0stray  es-data  10.0.3.77   running');
  });

  it('lists zone batches in the order the run takes them, or why there are none', () => {
    const batches = [
      { number: 1, zone: 'ap-southeast-2b', nodeNames: ['es-data-2', 'es-data-5'] },
      { number: 2, zone: 'ap-southeast-2a', nodeNames: ['es-data-1'] },
    ];
    expect(formatPlan(aPlan({ batches }))).toContain(
      'Order: masters-first: the default: masters must be new before data nodes join them\n'
        + 'Batches (data nodes of one zone together, one batch at a time):\n'
        + '  1  ap-southeast-2b: es-data-2, es-data-5\n'
        + '  2  ap-southeast-2a: es-data-1\n\n',
    );
    const refused = formatPlan(aPlan({ batchRefusal: 'shard allocation awareness is not set' }));
    expect(refused).toContain('Batches: none: shard allocation awareness is not set\n');
    expect(formatPlan(aPlan())).not.toContain('Batches');
  });

  it('says so when no node was found', () => {
    expect(formatPlan(aPlan({ rows: [], toReplace: 0 }))).toContain('(no nodes found)');
  });
});

describe('formatPlanReport', () => {
  it('adds what a run would refuse now and the verdict', () => {
    const report = aReport('planned')
      .withMessage('3 of 4 nodes would be replaced (masters-first); run would refuse: launch_template_at_target')
      .withRefusal('launch_template_at_target', 'group es-data launches 2.13.0, not 2.14.0', 'es-data-2')
      .build();
    const text = formatPlanReport({ ...report, plan: aPlan() });
    expect(text).toContain(
      'A run would refuse now:\n  RULE                       NODE       REASON\n  launch_template_at_target  es-data-2  group es-data launches 2.13.0, not 2.14.0\n',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'planned: 3 of 4 nodes would be replaced (masters-first); run would refuse: launch_template_at_target',
    );
  });
});
