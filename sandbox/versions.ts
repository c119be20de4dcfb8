// The proving-ground versions and the JDK each one runs on.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.ts';

export interface SandboxVersions {
  previousMajor: string;
  old: string;
  new: string;
}

export function readVersions(): SandboxVersions {
  return JSON.parse(readFileSync(join(repoRoot, 'sandbox', 'versions.json'), 'utf8')) as SandboxVersions;
}

const JDK_25 = '/usr/lib/jvm/temurin-25-jdk-amd64';
const JDK_17 = '/usr/lib/jvm/java-17-openjdk-amd64';

/**
 * 9.x needs Java 21+; 8.19 also runs on 25 (measured), so one JDK serves all versions.
 * ES_JAVA_HOME_<major> (e.g. ES_JAVA_HOME_8) overrides per major, SANDBOX_JAVA_HOME for all.
 */
export function javaHomeFor(version: string): string {
  const major = version.split('.')[0] ?? '';
  const fallback = major === '7' ? JDK_17 : JDK_25;
  const configured = process.env[`ES_JAVA_HOME_${major}`] ?? process.env.SANDBOX_JAVA_HOME;
  // On a machine without the usual JDK path, trust JAVA_HOME.
  return configured ?? (existsSync(fallback) ? fallback : (process.env.JAVA_HOME ?? fallback));
}
