// Elasticsearch versions compare as semver on major.minor.patch; a pre-release suffix
// ("9.5.0-SNAPSHOT") sorts before its release.

export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = a.split('-', 2);
  const [coreB = '', preB] = b.split('-', 2);
  const partsA = coreA.split('.').map((p) => Number.parseInt(p, 10) || 0);
  const partsB = coreB.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(partsA.length, partsB.length, 3); i += 1) {
    const diff = (partsA[i] ?? 0) - (partsB[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA < preB ? -1 : 1;
}
