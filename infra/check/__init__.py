"""The deploy gate: the behaviour corpus (cases/) on both tiers, the native QuickJS harness
and the built bundle on workerd, which must pass and agree."""
