using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Interchange.Tests.Smtp.Milter;

/// <summary>
/// A milter played by the test over loopback TCP: it accepts one connection and then reads and
/// writes packets exactly as the test says, so the client's conversation is checked packet by
/// packet. Its framing is written here, apart from the client's codec.
/// </summary>
public sealed class ScriptedMilter : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly TcpListener _listener;
    private readonly Task<Socket> _accepted;
    private Socket? _socket;

    private ScriptedMilter()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepted = _listener.AcceptSocketAsync();
    }

    public string Socket => $"inet:{((IPEndPoint)_listener.LocalEndpoint).Port}@127.0.0.1";

    public static ScriptedMilter Start() => new();

    /// <summary>The next packet from the client: its command and data.</summary>
    public async Task<(char Command, byte[] Data)> ReceiveAsync()
    {
        var socket = await Connection();
        var header = await ReadExactlyAsync(socket, 4);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        var body = await ReadExactlyAsync(socket, (int)length);
        return ((char)body[0], body[1..]);
    }

    /// <summary>Receives the next packet and insists on its command.</summary>
    public async Task<byte[]> ExpectAsync(char command)
    {
        var (got, data) = await ReceiveAsync();
        if (got != command)
        {
            throw new InvalidOperationException($"expected '{command}', got '{got}' ({Encoding.Latin1.GetString(data)})");
        }

        return data;
    }

    /// <summary>The commands of every packet the client sends until it closes the connection.</summary>
    public async Task<List<char>> ReadUntilClosedAsync()
    {
        var socket = await Connection();
        var commands = new List<char>();
        while (true)
        {
            var header = new byte[4];
            var got = 0;
            using var cancel = new CancellationTokenSource(Bound);
            while (got < 4)
            {
                var n = await socket.ReceiveAsync(header.AsMemory(got), cancel.Token);
                if (n == 0)
                {
                    return commands;
                }

                got += n;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(header);
            var body = await ReadExactlyAsync(socket, (int)length);
            commands.Add((char)body[0]);
        }
    }

    public async Task SendAsync(char command, params byte[][] parts)
    {
        var data = parts.SelectMany(p => p).ToArray();
        var packet = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)(1 + data.Length));
        packet[4] = (byte)command;
        data.CopyTo(packet, 5);
        await SendRawAsync(packet);
    }

    public async Task SendRawAsync(byte[] bytes)
    {
        var socket = await Connection();
        await socket.SendAsync(bytes);
    }

    /// <summary>Answers SMFIC_OPTNEG: version 6, the given actions and protocol flags, and macro lists per stage.</summary>
    public Task NegotiateAsync(uint actions = 0x1FF, uint protocol = 0, params (uint Stage, string Names)[] macroLists)
    {
        var parts = new List<byte[]> { UInt32(6), UInt32(actions), UInt32(protocol) };
        foreach (var (stage, names) in macroLists)
        {
            parts.Add(UInt32(stage));
            parts.Add(CString(names));
        }

        return SendAsync('O', [.. parts]);
    }

    public static byte[] UInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] CString(string value) => [.. Encoding.UTF8.GetBytes(value), 0];

    /// <summary>The NUL-terminated strings of a packet's data.</summary>
    public static List<string> Strings(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        if (!text.EndsWith('\0'))
        {
            throw new InvalidOperationException($"not NUL-terminated: {text}");
        }

        return [.. text[..^1].Split('\0')];
    }

    /// <summary>SMFIC_MACRO's data as its stage byte and name → value.</summary>
    public static (char Stage, Dictionary<string, string> Macros) Macros(byte[] data)
    {
        var strings = Strings(data[1..]);
        var macros = new Dictionary<string, string>();
        for (var i = 0; i + 1 < strings.Count; i += 2)
        {
            macros[strings[i]] = strings[i + 1];
        }

        return ((char)data[0], macros);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        if (_socket is not null)
        {
            _socket.Dispose();
        }
        else if (_accepted.IsCompletedSuccessfully)
        {
            (await _accepted).Dispose();
        }
    }

    private async Task<Socket> Connection() => _socket ??= await _accepted.WaitAsync(Bound);

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        using var cancel = new CancellationTokenSource(Bound);
        while (got < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(got), cancel.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"the client closed the connection after {got} of {count} bytes");
            }

            got += n;
        }

        return buffer;
    }
}
