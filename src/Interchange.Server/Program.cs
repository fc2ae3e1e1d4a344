using Interchange.Server.Cli;

// Legacy charsets (iso-2022-jp, windows-125x, ...) for every MIME reader in the process, ours and
// MimeKit's (DKIM, ARC, the 7-bit downgrade), before either looks one up: MimeKit remembers a miss.
System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
return await CommandLine.RunAsync(args).ConfigureAwait(false);
