namespace Interchange.IntegrationTests;

/// <summary>A <see cref="SessionLimitsFixture"/> with the default limits: no deadline ends a waiting session within a test.</summary>
public sealed class DefaultLimitsFixture : SessionLimitsFixture
{
    protected override bool SmallLimits => false;
}
