import { replacementAtTarget } from '../../../src/upgrade/rules/replacement-at-target.ts';
import { aNode, OLD, T0, TARGET } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const later = new Date(T0.getTime() + 60_000);
const masters = () => [aNode('m-2').master(), aNode('m-3').master()];

testRule(replacementAtTarget, {
  valid: [
    { name: 'a replacement at the target', world: () => ({ nodes: [aNode('m-1').master().atTarget().launchedAt(later), ...masters()] }) },
    { name: 'an old node launched before the upgrade', world: () => ({ nodes: [aNode('m-1').master(), ...masters()] }) },
    {
      name: 'a replacement at the expected Elasticsearch version',
      world: () => ({ nodes: [aNode('m-1').master().atTarget().launchedAt(later), ...masters()] }),
      options: { expectedEsVersion: TARGET },
    },
  ],
  invalid: [
    { name: 'a replacement with the old tag', world: () => ({ nodes: [aNode('m-1').master().launchedAt(later), ...masters()] }), reason: new RegExp(`m-1.*Version=${OLD}, not ${TARGET}`) },
    {
      name: 'a replacement running another Elasticsearch than expected',
      world: () => ({ nodes: [aNode('m-1').master().atTarget().withEsVersion(OLD).launchedAt(later), ...masters()] }),
      options: { expectedEsVersion: TARGET },
      reason: /runs Elasticsearch 9\.4\.5, not 9\.5\.4/,
    },
    {
      name: 'a joining instance with the old tag',
      world: () => ({
        nodes: masters(),
        extraInstances: [{ id: 'i-new', state: 'pending', groupName: 'es-masters', tags: { Version: OLD }, launchTime: later }],
      }),
      reason: /i-new in es-masters launched with Version=9\.4\.5/,
    },
  ],
});
