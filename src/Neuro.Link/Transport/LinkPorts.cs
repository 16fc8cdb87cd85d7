using System.IO.Ports;
using System.Net.Sockets;

namespace Neuro.Link.Transport;

/// <summary>Opens the transport a <c>--port</c> names: a device path (serial, real tty or pty) or <c>tcp:HOST:PORT</c>.</summary>
public static class LinkPorts
{
    public const int DefaultBaudRate = 921_600;

    public static async Task<ILinkTransport> OpenAsync(string port, int baudRate = DefaultBaudRate,
        CancellationToken cancellationToken = default)
    {
        if (port.StartsWith("tcp:", StringComparison.Ordinal))
        {
            int colon = port.LastIndexOf(':');
            if (colon <= 4 || !int.TryParse(port.AsSpan(colon + 1), out int tcpPort) || tcpPort is <= 0 or > 65535)
            {
                throw new LinkException($"port '{port}' is not tcp:HOST:PORT");
            }
            string host = port[4..colon];
            var client = new TcpClient { NoDelay = true };
            try
            {
                await client.ConnectAsync(host, tcpPort, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                client.Dispose();
                throw new LinkException($"cannot connect to {host}:{tcpPort}: {e.Message}", e);
            }
            var stream = client.GetStream();
            return new StreamTransport(port, stream, stream, client);
        }
        return OpenSerial(port, baudRate);
    }

    /// <summary>
    /// Opens a serial device by path. Handshake.None and DTR/RTS left alone: on a pty those ioctls fail with
    /// "Inappropriate ioctl for device", and <see cref="SerialPort.GetPortNames"/> does not list ptys anyway.
    /// </summary>
    public static ILinkTransport OpenSerial(string path, int baudRate = DefaultBaudRate)
    {
        if (!File.Exists(path))
        {
            throw new LinkException($"serial port '{path}' does not exist");
        }
        var serial = new SerialPort(path, baudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            ReadTimeout = SerialPort.InfiniteTimeout,
            WriteTimeout = 5000,
        };
        try
        {
            serial.Open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            serial.Dispose();
            throw new LinkException($"cannot open serial port '{path}': {e.Message}", e);
        }
        var stream = serial.BaseStream;
        return new StreamTransport(path, stream, stream, serial);
    }
}
