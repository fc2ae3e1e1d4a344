using System.Buffers;
using Interchange.Core.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Transport.Gateway;

/// <summary>
/// Takes the messages a foreign system leaves in a gateway's pickup folder and queues them. A file
/// is claimed by renaming it into <c>.work</c> under a new unique name (both folders fsynced, so
/// the claim survives a crash), queued with that name as its source key, and deleted only after
/// the queue's commit. A crash before the commit leaves the claimed file to be queued by the next
/// pass; a crash after it offers the file again, and the store, finding the key, queues nothing:
/// no file is lost or queued twice. Files whose names start with '.' are being written (write
/// under such a name, then rename) and are left alone; a file without a valid envelope, or too
/// large, is set aside in <c>.bad</c> with a <c>.reason</c> beside it.
/// </summary>
public sealed class GatewayPickup
{
    private readonly GatewayOptions _options;
    private readonly MessageAcceptor _acceptor;
    private readonly IQueueStore _queue;
    private readonly string _hostName;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly string _folder;
    private readonly string _work;
    private readonly string _bad;
    private DateTimeOffset _nextForget;

    public GatewayPickup(GatewayOptions options, MessageAcceptor acceptor, IQueueStore queue, string hostName, ILogger logger, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.PickupFolder);
        (_options, _acceptor, _queue, _hostName, _logger, _clock) = (options, acceptor, queue, hostName, logger, clock ?? TimeProvider.System);
        _folder = Path.GetFullPath(options.PickupFolder);
        _work = Path.Combine(_folder, ".work");
        _bad = Path.Combine(_folder, ".bad");
    }

    /// <summary>How long a picked-up file's key is remembered (a crash is recovered long before).</summary>
    public static TimeSpan SourceRetention { get; } = TimeSpan.FromDays(7);

    /// <summary>Picks up until stopped, a pass every <see cref="GatewayOptions.PollInterval"/> (rule 5: returns on the token).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store or the folder failed: what was claimed stays in .work for the next pass.
                _logger.LogWarning(ex, "Gateway {Gateway}: pickup failed; trying again in {Interval}", _options.Name, _options.PollInterval);
            }

            try
            {
                await Task.Delay(_options.PollInterval, _clock, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: what an earlier pass claimed and did not finish, then every new file. Returns how many were queued.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(_work);
        System.IO.Directory.CreateDirectory(_bad);
        var queued = 0;
        foreach (var claimed in System.IO.Directory.EnumerateFiles(_work).Order(StringComparer.Ordinal).ToList())
        {
            queued += await InjectAsync(claimed, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(_folder).Order(StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            if (name.StartsWith('.'))
            {
                continue;
            }

            var claimed = Path.Combine(_work, $"{Guid.NewGuid():N}-{name}");
            try
            {
                File.Move(file, claimed, overwrite: false);
            }
            catch (Exception ex) when (ex is FileNotFoundException or IOException)
            {
                continue; // taken meanwhile (another node's pickup) or gone
            }

            // The claim must be on disk before the message is queued under its name: a claim
            // lost in a crash would bring the file back under its old name, to be claimed again
            // under a new one and queued twice.
            DirectorySync.Flush(_work);
            DirectorySync.Flush(_folder);
            queued += await InjectAsync(claimed, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        if (_clock.GetUtcNow() >= _nextForget)
        {
            await _queue.ForgetSourcesAsync(_clock.GetUtcNow() - SourceRetention, cancellationToken).ConfigureAwait(false);
            _nextForget = _clock.GetUtcNow() + TimeSpan.FromHours(1);
        }

        return queued;
    }

    private async Task<bool> InjectAsync(string claimed, CancellationToken cancellationToken)
    {
        try
        {
            return await InjectFileAsync(claimed, cancellationToken).ConfigureAwait(false);
        }
        catch (UnauthorizedAccessException ex)
        {
            // A file we may not read would be tried at every pass for ever: the foreign system must fix it.
            SetAside(claimed, $"cannot be read: {ex.Message}");
            return false;
        }
        catch (IOException ex) when (File.Exists(claimed))
        {
            // A read error of this file: the others are still picked up; this one at the next pass.
            _logger.LogWarning(ex, "Gateway {Gateway}: {File} could not be picked up; trying again at the next pass", _options.Name, Path.GetFileName(claimed));
            return false;
        }
    }

    private async Task<bool> InjectFileAsync(string claimed, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(claimed);
        var length = new FileInfo(claimed).Length;
        if (length > _options.MaxMessageSize)
        {
            SetAside(claimed, $"{length} bytes, more than the gateway's MaxMessageSize ({_options.MaxMessageSize})");
            return false;
        }

        await using var file = new FileStream(claimed, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var head = new byte[(int)Math.Min(length, GatewayEnvelope.MaxBlockBytes)];
        await file.ReadExactlyAsync(head, cancellationToken).ConfigureAwait(false);
        if (!GatewayEnvelope.TryRead(head, out var envelope, out var envelopeLength, out var error))
        {
            await file.DisposeAsync().ConfigureAwait(false);
            SetAside(claimed, error);
            return false;
        }

        file.Position = envelopeLength;
        await using var writer = _acceptor.BeginMessage();
        await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(
            $"Received: from gateway {_options.Name} by {_hostName} with FILE; {_clock.GetUtcNow().ToString("ddd, dd MMM yyyy HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture)}\r\n"), cancellationToken).ConfigureAwait(false);
        var normalizer = new CrLfNormalizer();
        var output = new ArrayBufferWriter<byte>(81920);
        var buffer = ArrayPool<byte>.Shared.Rent(65536);
        try
        {
            int read;
            while ((read = await file.ReadAsync(buffer.AsMemory(0, 65536), cancellationToken).ConfigureAwait(false)) > 0)
            {
                output.ResetWrittenCount();
                normalizer.Feed(buffer.AsSpan(0, read), output);
                await writer.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }

            output.ResetWrittenCount();
            normalizer.Complete(output);
            await writer.WriteAsync(output.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var queueEnvelope = new Envelope(envelope.Sender, envelope.Recipients.Select(r => new QueuedRecipient(r)).ToList(), $"gateway {_options.Name}", SourceKey: $"gateway:{_options.Name}:{name}");
        var id = await _acceptor.CommitAsync(writer, queueEnvelope, null, cancellationToken, "gateway").ConfigureAwait(false);
        await file.DisposeAsync().ConfigureAwait(false);
        File.Delete(claimed);
        _logger.LogInformation("Gateway {Gateway}: picked up {File} as queue message {Id} from <{Sender}> to {Count} recipient(s)", _options.Name, name, id, envelope.Sender, envelope.Recipients.Count);
        return true;
    }

    private void SetAside(string claimed, string reason)
    {
        var target = Path.Combine(_bad, Path.GetFileName(claimed));
        File.Move(claimed, target, overwrite: true);
        File.WriteAllText(target + ".reason", reason + "\n");
        _logger.LogWarning("Gateway {Gateway}: set aside {File} in .bad: {Reason}", _options.Name, Path.GetFileName(claimed), reason);
    }
}
