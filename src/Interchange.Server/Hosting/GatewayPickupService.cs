using Interchange.Transport.Gateway;
using Microsoft.Extensions.Hosting;

namespace Interchange.Server.Hosting;

/// <summary>
/// Runs the pickup of every gateway with a pickup folder for the life of the server (rule 5: each
/// loop returns on the stopping token; a file claimed and not yet queued stays in <c>.work</c> and
/// is queued by the next start's first pass).
/// </summary>
public sealed class GatewayPickupService(IReadOnlyList<GatewayPickup> pickups) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(pickups.Select(p => p.RunAsync(stoppingToken)));
}
