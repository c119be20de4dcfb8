import { launchTemplateAtTarget } from '../../../src/upgrade/rules/launch-template-at-target.ts';
import { aNode, OLD } from '../builders.ts';
import { testRule } from './rule-tester.ts';

testRule(launchTemplateAtTarget, {
  valid: [
    { name: 'the group launches the target', world: () => ({ nodes: [aNode('d-1').data()] }) },
    { name: 'a group whose nodes are all at the target may launch anything', world: () => ({ nodes: [aNode('d-1').data().atTarget()], groups: [{ name: 'es-data', launchVersion: OLD }] }) },
  ],
  invalid: [
    { name: 'the template launches the old version', world: () => ({ nodes: [aNode('d-1').data()], groups: [{ name: 'es-data', launchVersion: OLD }] }), reason: /group es-data would launch Version=9\.4\.5/ },
    { name: 'no launch version found', world: () => ({ nodes: [aNode('d-1').data()], groups: [{ name: 'es-data', launchVersion: undefined, launchVersionSource: undefined }] }), reason: /unknown \(no launch template or group tag found\)/ },
  ],
});
