import { describe, expect, it } from '@jest/globals';
import { FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION, featureEnabled } from './features.ts';

describe('featureEnabled', () => {
  it.each<[Record<string, boolean>, string, boolean]>([
    [{}, FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION, true],
    [{ [FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION]: false }, FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION, false],
    [{ [FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION]: true }, FEATURE_PREFER_SAME_TRAFFIC_DISTRIBUTION, true],
    [{}, 'SomethingUnknown', false],
    [{ SomethingUnknown: true }, 'SomethingUnknown', true],
  ])('features %j, %s -> %s', (features, name, expected) => {
    expect(featureEnabled({ features }, name)).toBe(expected);
  });
});
