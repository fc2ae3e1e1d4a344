namespace Interchange.Smtp.Client;

/// <summary>
/// Asked once per transaction, after any 7-bit conversion, with the bytes about to be sent (a
/// seekable stream at the message's start; the session puts it back there afterwards): returns
/// header fields (CRLF-terminated) to send before them, such as DKIM-Signature and an ARC set, or
/// nothing. What is stored is never changed.
/// </summary>
public delegate Task<byte[]> SmtpContentSigner(Stream content, CancellationToken cancellationToken);
