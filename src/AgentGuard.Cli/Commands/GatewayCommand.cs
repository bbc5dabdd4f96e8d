using System.CommandLine;
using AgentGuard.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard gateway --config FILE</c>: runs the gateway (docs/gateway.md) until Ctrl+C.</summary>
internal static class GatewayCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c")
        {
            Description = "The gateway's configuration (JSON: the AgentGuard and Gateway sections, docs/gateway.md).",
            Required = true,
        };
        var urls = new Option<string>("--urls") { Description = "Where to listen (default: the file's Urls, else http://127.0.0.1:8080)." };
        var command = new Command("gateway", "Run the AgentGuard gateway: agents in any language call the providers through it, under one budget.")
        {
            config, urls,
        };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(config)!;
            if (!file.Exists)
            {
                throw new CliException($"The configuration file '{file.FullName}' does not exist.");
            }

            string[] args = parse.GetValue(urls) is { } listen ? ["--urls", listen] : [];
            WebApplication app;
            try
            {
                app = GatewayApp.Create(args, configFile: file.FullName);
            }
            catch (OptionsValidationException ex)
            {
                throw new CliException("The gateway's configuration is not valid: " + string.Join(" ", ex.Failures));
            }

            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(ct).ConfigureAwait(false);
                await app.WaitForShutdownAsync(ct).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
