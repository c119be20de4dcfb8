import { votingConfigSettled } from '../../../src/upgrade/rules/voting-config-settled.ts';
import { aNode } from '../builders.ts';
import { testRule } from './rule-tester.ts';

const three = () => [aNode('m-1').master(), aNode('m-2').master(), aNode('m-3').master()];

testRule(votingConfigSettled, {
  valid: [
    { name: 'voters all present', world: () => ({ nodes: three() }) },
    { name: 'a data candidate is not judged', world: () => ({ nodes: [aNode('d-1').data(), ...three()], votingConfig: ['id-gone'] }) },
  ],
  invalid: [
    { name: 'a departed voter', world: () => ({ nodes: three(), votingConfig: ['id-m-1', 'id-m-2', 'id-gone'] }), reason: /still names departed node id-gone/ },
    { name: 'two departed voters', world: () => ({ nodes: three(), votingConfig: ['id-m-1', 'id-gone-1', 'id-gone-2'] }), reason: /departed nodes id-gone-1, id-gone-2/ },
  ],
});
